"""Every NAK code a client can cause (ICD-001 §4), as NakError with the ICD code; the framing
ones through raw bytes on a socket, decoded by the client's own FrameDecoder. INTERNAL is the
server's own failure: no client can cause it."""

import socket
import struct
import time
import zlib

import pytest

import scs_client
from scs_client import NakError
from scs_client.frame import HEADER_BYTES, NAK, PING, REQUEST, FrameDecoder, encode_message

from conftest import ALPHA


def refused(address, stream="frames", mode="realtime", agency="alpha", token="alpha-secret", **fields):
    with scs_client.connect([address], agency=agency, token=token, reconnect=False) as session:
        with pytest.raises(NakError) as e:
            for _ in session.request(stream, mode, **fields):
                break
    return e.value


def test_invalid_request_names_the_field(server):
    err = refused(server.address, bogus=1)
    assert err.code == "INVALID_REQUEST" and "bogus" in err.reason
    assert err.request_seq == 0
    err = refused(server.address, stream="frames", filter={"apids": [1]})
    assert err.code == "INVALID_REQUEST" and "apids" in err.reason


def test_auth_failed(server):
    err = refused(server.address, token="wrong-token")
    assert err.code == "AUTH_FAILED"
    assert "bad token" in err.reason


def test_forbidden_stream_and_parameter(server):
    assert refused(server.address, "frames", agency="beta", token="beta-secret").code == "FORBIDDEN"
    err = refused(
        server.address, "parameters", agency="beta", token="beta-secret", filter={"parameters": ["THERM.BATT_T"]}
    )
    assert err.code == "FORBIDDEN"


def test_unknown_parameter_lists_the_names(server):
    err = refused(server.address, "parameters", filter={"parameters": ["EPS.NOPE", "EPS.BATT_V"]})
    assert err.code == "UNKNOWN_PARAMETER" and "EPS.NOPE" in err.reason


def test_archive_unavailable_without_an_archive(small_server):
    err = refused(small_server.address, mode="archive", from_=0)
    assert err.code == "ARCHIVE_UNAVAILABLE"


def test_agency_full(server):
    with scs_client.connect([server.address], agency="solo", token="solo-secret") as first:
        it = first.request("events")
        admitted = []
        first.on("connect", admitted.append)
        # The first session is admitted (its loop waits for events: run it on its own thread).
        import threading

        t = threading.Thread(target=lambda: [None for _ in it], daemon=True)
        t.start()
        deadline = time.monotonic() + 10
        while not admitted and time.monotonic() < deadline:
            time.sleep(0.02)
        assert admitted
        err = refused(server.address, "events", agency="solo", token="solo-secret")
        assert err.code == "AGENCY_FULL"
        first.close()
        t.join(5)


def test_server_full(small_server):
    import threading

    sessions = [scs_client.connect([small_server.address], **ALPHA) for _ in range(2)]
    threads = []
    try:
        for s in sessions:
            admitted = threading.Event()
            s.on("connect", lambda info, a=admitted: a.set())
            it = s.request("events")
            t = threading.Thread(target=lambda it=it: [None for _ in it], daemon=True)
            t.start()
            threads.append(t)
            assert admitted.wait(10)
        err = refused(small_server.address, "events")
        assert err.code == "SERVER_FULL"
    finally:
        for s in sessions:
            s.close()
        for t in threads:
            t.join(5)


def raw_nak(address, payload, send_nothing=False):
    """Sends raw bytes, returns the NAK the server answers with (decoded by FrameDecoder)."""
    with socket.create_connection(address, timeout=10) as sock:
        if not send_nothing:
            sock.sendall(payload)
        decoder = FrameDecoder()
        while True:
            chunk = sock.recv(65536)
            assert chunk, "closed without a NAK"
            for m in decoder.feed(chunk):
                if m.type == NAK:
                    return m.body


def test_malformed_bad_crc(server):
    frame = bytearray(encode_message(REQUEST, 0, 0, {"agency": "alpha"}))
    frame[-1] ^= 0xFF
    assert raw_nak(server.address, bytes(frame))["code"] == "MALFORMED"


def test_malformed_body_not_msgpack_map(server):
    body = b"\x93\x01\x02\x03"  # an array, not a map
    head = struct.pack(">IBBHIQI", 0x1ACFFC1D, 1, REQUEST, 0, 0, 0, len(body))
    frame = head + body + struct.pack(">I", zlib.crc32(head + body))
    assert raw_nak(server.address, frame)["code"] == "MALFORMED"


def test_unsupported_version(server):
    frame = bytearray(encode_message(REQUEST, 0, 0, {"agency": "alpha"}))
    frame[4] = 2
    assert raw_nak(server.address, bytes(frame))["code"] == "UNSUPPORTED_VERSION"


def test_too_large_from_the_header_alone(server):
    head = struct.pack(">IBBHIQI", 0x1ACFFC1D, 1, REQUEST, 0, 0, 0, 65_537)
    assert raw_nak(server.address, head)["code"] == "TOO_LARGE"


def test_client_encoder_refuses_a_body_over_64_kib():
    with pytest.raises(scs_client.ProtocolError) as e:
        encode_message(REQUEST, 0, 0, {"agency": "a" * 70_000})
    assert e.value.code == "ERR_TOO_LARGE"


def test_unexpected_message_before_request(server):
    assert raw_nak(server.address, encode_message(PING, 0, 0, {"x": 1}))["code"] == "UNEXPECTED_MESSAGE"


def test_timeout_without_request(small_server):
    start = time.monotonic()
    body = raw_nak(small_server.address, b"", send_nothing=True)
    assert body["code"] == "TIMEOUT"
    assert time.monotonic() - start < 10  # the server's 300 ms, on a machine that may be busy


def test_nak_codes_are_the_icds():
    assert scs_client.NAK_CODES == (
        "MALFORMED",
        "UNSUPPORTED_VERSION",
        "TOO_LARGE",
        "UNEXPECTED_MESSAGE",
        "TIMEOUT",
        "INVALID_REQUEST",
        "AUTH_FAILED",
        "FORBIDDEN",
        "UNKNOWN_PARAMETER",
        "ARCHIVE_UNAVAILABLE",
        "AGENCY_FULL",
        "SERVER_FULL",
        "INTERNAL",
    )
    assert HEADER_BYTES == 24
