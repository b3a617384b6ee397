"""The rev B `commands` stream end to end over a socket. The SCS server does not serve
`commands` yet (it refuses the stream: test_streams.py), so the peer here is a scripted ICD
server: it checks the client's REQUEST as it arrives on the wire and answers ACK, then DATA of
two command records, built from ICD §6's field list."""

import socket
import threading

from scs_client import CommandRecord, connect
from scs_client.codec import BUILTIN
from scs_client.frame import ACK, DATA, REQUEST, FrameDecoder, encode_message

RECORDS = [
    {"seq": 11, "id": "c-1", "release": 1_796_000_000_000_000, "source": "ops-1", "name": "AOCS_SET_MODE",
     "args": {"mode": "SAFE", "delay": 2}, "apid": 100, "ssc": 7, "stage": "RELEASED", "status": "OK",
     "time": 1_796_000_000_000_000, "result": "IN_PROGRESS", "data": b"\x18\x64\xc0\x07\x00\x01"},
    {"seq": 12, "id": "c-1", "release": 1_796_000_000_000_000, "source": "ops-1", "name": "AOCS_SET_MODE",
     "args": {"mode": "SAFE", "delay": 2}, "apid": 100, "ssc": 7, "stage": "COMPLETED", "status": "FAILED",
     "time": 1_796_000_002_000_000, "result": "FAILED", "code": 17, "verifierNote": "ignored"},
]


def test_commands_records_are_typed_and_the_request_is_the_icds():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    seen = {}

    def peer():
        conn, _ = listener.accept()
        with conn:
            decoder = FrameDecoder(max_body=65_536)
            while "request" not in seen:
                for m in decoder.feed(conn.recv(65536)):
                    if m.type == REQUEST:
                        seen["request"] = m
            body = {"clientId": "peer-1", "agency": "alpha", "stream": "commands", "mode": "realtime",
                    "heartbeatMs": 2000, "serverTime": 1_796_000_000_000_000, "head": 10}
            conn.sendall(encode_message(ACK, 0, 1, body, codec=BUILTIN, max_body=4 << 20))
            data = {"stream": "commands", "records": RECORDS}
            conn.sendall(encode_message(DATA, 1, 2, data, codec=BUILTIN, max_body=4 << 20))
            conn.recv(65536)  # the client's BYE, or its close

    t = threading.Thread(target=peer, daemon=True)
    t.start()
    with connect([listener.getsockname()], "alpha", "alpha-secret", client="cmd-test") as session:
        got = []
        for c in session.request("commands", filter={"apids": [100], "names": ["AOCS_*"], "sources": ["ops*"]}):
            got.append(c)
            if len(got) == 2:
                break
    t.join(5)
    listener.close()
    req = seen["request"]
    assert req.seq == 0
    assert req.body == {"stream": "commands", "mode": "realtime", "agency": "alpha", "client": "cmd-test",
                        "token": "alpha-secret",
                        "filter": {"apids": [100], "names": ["AOCS_*"], "sources": ["ops*"]}}
    assert all(isinstance(c, CommandRecord) for c in got)
    assert [(c.stage, c.status, c.result, c.code) for c in got] == [
        ("RELEASED", "OK", "IN_PROGRESS", None),
        ("COMPLETED", "FAILED", "FAILED", 17),
    ]
    assert got[0].args == {"mode": "SAFE", "delay": 2} and got[0].data == b"\x18\x64\xc0\x07\x00\x01"
    assert got[1].data is None
    assert [c.catch_up for c in got] == [False, False]  # seq > the ACK's head
