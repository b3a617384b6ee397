"""Reconnection: resume with ``since`` across a server restart (no gap, no duplicate), failover
between two servers, ERR_NO_SERVER and ERR_CONNECTION_LOST."""

import socket
import threading
import time

import pytest

import scs_client
from scs_client import ScsError

from conftest import ALPHA


def dead_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_resume_across_a_server_restart_no_gap_no_duplicate(server, relay):
    r = relay(server.address)
    connects, gaps, states = [], [], []
    with scs_client.connect([r.address], reconnect={"initial_delay": 0.05, "max_delay": 0.3}, **ALPHA) as session:
        session.on("gap", gaps.append)
        session.on("freshness", lambda s, p: states.append(s))

        def on_connect(info):
            connects.append(info)
            n = len(connects)
            threading.Thread(target=server.frames, args=((1, 2, 3) if n == 1 else (6,))).start()

        session.on("connect", on_connect)
        got = []
        for rec in session.request("frames"):
            got.append(rec)
            if len(got) == 3:
                # The client is cut off; records 4 and 5 are acquired meanwhile; the server restarts.
                r.block()
                r.cut()
                server.frames(4, 5)
                # seq survives the restart with the archive on: wait until 5 is committed.
                server.archived("frames", rec.seq + 2)
                server.restart()
                r.block(False)
            if len(got) == 6:
                break
    assert [x.vcfc for x in got] == [1, 2, 3, 4, 5, 6]
    seqs = [x.seq for x in got]
    assert seqs == sorted(set(seqs)) and seqs[3] == seqs[2] + 1 and seqs[4] == seqs[3] + 1
    assert [c.resumed for c in connects] == [False, True]
    assert connects[0].client_id != connects[1].client_id
    assert gaps == []
    # The replayed records are catch-up when the server says where the catch-up ends.
    if connects[1].head is not None:
        assert [x.catch_up for x in got[3:]] == [True, True, False]
    assert "lost" in states


def test_failover_to_the_next_server_says_it_could_not_resume(make_server, second_server):
    a = make_server({"server": {"heartbeatMs": 400}})
    b = second_server
    connects, gaps, disconnects = [], [], []
    with scs_client.connect(
        [a.address, b.address], reconnect={"initial_delay": 0.05, "max_delay": 0.2}, **ALPHA
    ) as session:
        session.on("gap", gaps.append)
        session.on("disconnect", disconnects.append)

        def on_connect(info):
            connects.append(info)
            target = a if len(connects) == 1 else b
            threading.Thread(target=target.frames, args=((1, 2) if len(connects) == 1 else (3,))).start()

        session.on("connect", on_connect)
        got = []
        for rec in session.request("frames"):
            got.append(rec)
            if len(got) == 2:
                threading.Thread(target=a.close).start()  # BYE SHUTDOWN, then gone
            if len(got) == 3:
                assert session.server == b.address
                break
    assert [x.vcfc for x in got] == [1, 2, 3]
    assert [c.server for c in connects] == [a.address, b.address]
    assert [c.index for c in connects] == [0, 1]
    assert "SHUTDOWN" in str(disconnects[0].error)
    # seq is per server: b cannot resume a's since (rev B: a since ahead of its newest seq is
    # INVALID_REQUEST; a server without an archive: ARCHIVE_UNAVAILABLE), and the client says so.
    assert len(gaps) == 1 and gaps[0].after_seq == got[1].seq and gaps[0].server == b.address
    assert "INVALID_REQUEST: since" in gaps[0].reason or "ARCHIVE_UNAVAILABLE" in gaps[0].reason


def test_connect_fails_over_and_none_reachable_is_err_no_server(server):
    dead = dead_port()
    with scs_client.connect([("127.0.0.1", dead), server.address], **ALPHA) as session:
        assert session.server == server.address
    with pytest.raises(ScsError) as e:
        scs_client.connect([("127.0.0.1", dead)], **ALPHA)
    assert e.value.code == "ERR_NO_SERVER" and str(dead) in e.value.message


def test_use_server_moves_the_request(second_server, server):
    other = second_server
    with scs_client.connect([server.address, other.address], **ALPHA) as session:
        session.use_server(1)
        session.on("connect", lambda info: threading.Thread(target=other.frames, args=(7,)).start())
        for rec in session.request("frames"):
            assert rec.vcfc == 7
            break
        with pytest.raises(ScsError) as e:
            session.use_server(2)
        assert e.value.code == "ERR_SDK_CONFIG"


def test_without_reconnect_a_loss_is_connection_lost_and_rounds_end_in_no_server(server, relay):
    r = relay(server.address)
    with scs_client.connect([r.address], reconnect=False, **ALPHA) as once:
        once.on("connect", lambda info: threading.Thread(target=r.cut).start())
        with pytest.raises(ScsError) as e:
            for _ in once.request("frames"):
                pass
        assert e.value.code == "ERR_CONNECTION_LOST"
    dead = dead_port()
    rounds = []
    session = scs_client.Session([("127.0.0.1", dead)], reconnect={"initial_delay": 0.01, "max_rounds": 2}, **ALPHA)
    session.on("reconnecting", lambda r, d: rounds.append(r))
    start = time.monotonic()
    with pytest.raises(ScsError) as e:
        for _ in session.request("frames"):
            pass
    session.close()
    assert e.value.code == "ERR_NO_SERVER"
    assert rounds == [1, 2]
    assert time.monotonic() - start < 10


def test_a_second_concurrent_request_is_busy_and_close_ends_the_loop(server):
    session = scs_client.connect([server.address], **ALPHA)
    it = session.request("events")
    done = threading.Event()
    first = []
    session.on("connect", lambda info: first.append(info))

    def run():
        for _ in it:
            pass
        done.set()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    deadline = time.monotonic() + 10
    while not first and time.monotonic() < deadline:
        time.sleep(0.02)
    with pytest.raises(ScsError) as e:
        session.request("frames")
    assert e.value.code == "ERR_SESSION_BUSY"
    session.close()
    assert done.wait(5)
    assert session.freshness == "lost"
    with pytest.raises(ScsError) as e:
        session.request("frames")
    assert e.value.code == "ERR_SESSION_CLOSED"
