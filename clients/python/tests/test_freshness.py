"""Heartbeats and freshness (ICD-001 §7; the states of the TypeScript SDK, src/sdk/freshness.ts):
the state machine with a fake clock, then for real against a server with heartbeatMs 400."""

import threading
import time

import scs_client
from scs_client.clock import FakeClock
from scs_client.freshness import ALL, NONE, FreshnessTracker, catch_up_through, mark_catch_up
from scs_client.records import FrameRecord

from conftest import ALPHA


def tracker():
    clock = FakeClock()
    states = []
    t = FreshnessTracker(clock, lambda s, p: states.append(s))
    return clock, t, states


def test_live_stale_lost_by_the_clock():
    clock, t, states = tracker()
    t.connected(2000)
    assert t.state == "stale"
    t.data(True)
    assert t.state == "live"
    clock.advance(1.999)
    assert t.state == "live"
    clock.advance(0.002)
    assert t.state == "stale"
    clock.advance(2 * 2 + 1 - 2.001 - 0.001)
    assert t.state == "stale"
    clock.advance(0.002)
    assert t.state == "lost"
    assert states == ["stale", "live", "stale", "lost"]


def test_heartbeat_makes_live_stale_and_keeps_a_stale_feed_from_lost():
    clock, t, states = tracker()
    t.connected(1000)
    t.data(True)
    t.heartbeat()
    assert t.state == "stale"
    for _ in range(10):
        clock.advance(1.0)
        t.heartbeat()
    assert t.state == "stale"
    clock.advance(3.001)
    assert t.state == "lost"


def test_catch_up_data_is_catching_up_and_a_held_feed_is_not_lost():
    clock, t, states = tracker()
    t.connected(1000)
    t.data(False)
    assert t.state == "catching-up"
    t.hold(True)
    clock.advance(60)
    assert t.state == "stale"  # what the user reads grows old, but the silence is its own
    t.hold(False)
    clock.advance(3.001)
    assert t.state == "lost"
    t.disconnected()
    assert states == ["stale", "catching-up", "stale", "lost"]


def test_catch_up_marks_from_the_ack_head():
    assert catch_up_through("archive", {}) == ALL
    assert catch_up_through("realtime", {"head": 5}) == 5
    assert catch_up_through("realtime", {}) == NONE
    recs = [FrameRecord(s, 0, "S", 1, 0, 0, 0, b"") for s in (4, 5, 6)]
    assert mark_catch_up(recs, 5) is True
    assert [r.catch_up for r in recs] == [True, True, False]
    old = [FrameRecord(s, 0, "S", 1, 0, 0, 0, b"") for s in (1, 2)]
    assert mark_catch_up(old, 5) is False
    assert mark_catch_up(old, NONE) is True


def test_backoff_doubles_with_jitter_and_is_capped():
    r = scs_client.Reconnect(initial_delay=0.25, max_delay=1.0)
    assert r.delay(0) == 0
    assert r.delay(1, lambda: 0.0) == 0.125
    assert r.delay(1, lambda: 0.999) < 0.25
    assert r.delay(3, lambda: 0.0) == 0.5
    assert r.delay(10, lambda: 0.0) == 0.5  # max_delay × ½


def test_heartbeats_for_real_data_break_then_buffer_wait(server):
    beats = []
    states = []
    with scs_client.connect([server.address], **ALPHA) as session:
        session.on("heartbeat", lambda body: beats.append((time.monotonic(), body)))
        session.on("freshness", lambda s, p: states.append(s))
        stop = threading.Event()
        it = session.request("frames", filter={"vcids": [3]})

        def feeder():
            # Data is acquired, none of it on VC 3: BUFFER_WAIT.
            while not stop.wait(0.1):
                server.frames(1, vcid=9)

        def run():
            for _ in it:
                pass

        t = threading.Thread(target=run, daemon=True)
        t.start()
        deadline = time.monotonic() + 15
        while not any(b["state"] == "DATA_BREAK" for _, b in beats) and time.monotonic() < deadline:
            time.sleep(0.05)
        f = threading.Thread(target=feeder, daemon=True)
        f.start()
        while not any(b["state"] == "BUFFER_WAIT" for _, b in beats) and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        f.join()
        session.close()
        t.join(5)
    kinds = [b["state"] for _, b in beats]
    assert "DATA_BREAK" in kinds and "BUFFER_WAIT" in kinds
    assert all(set(b) >= {"state", "lastDataTime", "linkUp"} for _, b in beats)
    # Every heartbeatMs (400 ms) while no DATA flows, not faster (the median: a busy machine may
    # hand two of them to this process together).
    gaps = sorted(b[0] - a[0] for a, b in zip(beats, beats[1:]))
    assert gaps[len(gaps) // 2] > 0.3
    assert session.last_heartbeat is not None
    assert "stale" in states and "live" not in states


def test_lost_when_a_frozen_path_delivers_nothing_then_reconnects(server, relay):
    r = relay(server.address)
    states = []
    disconnects = []
    with scs_client.connect(
        [r.address], reconnect={"initial_delay": 0.05, "max_delay": 0.2}, **ALPHA
    ) as session:
        def on_freshness(state, previous):
            states.append((time.monotonic(), state))
            if state == "lost":
                r.freeze(False)  # the lost connection is dropped; the next one flows

        session.on("freshness", on_freshness)
        session.on("disconnect", disconnects.append)
        connects = []

        def on_connect(info):
            connects.append(info)
            if len(connects) == 1:
                threading.Thread(target=server.frames, args=(1,)).start()
            else:
                threading.Thread(target=server.frames, args=(2,)).start()

        session.on("connect", on_connect)
        got = []
        for rec in session.request("frames"):
            got.append(rec)
            if len(got) == 1:
                r.freeze()
                frozen_at = time.monotonic()
            if len(got) == 2:
                break
        lost_at = next(t for t, s in states if s == "lost")
        live_at = max(t for t, s in states if s == "live" and t < lost_at)
        # 2 × 400 ms + 1 s of silence (counted from the last arrival), not sooner.
        assert lost_at - live_at >= 1.75
        assert lost_at > frozen_at
        assert disconnects and disconnects[0].error.code == "ERR_SERVER_LOST"
        assert [c.resumed for c in connects] == [False, True]
        assert [x.vcfc for x in got] == [1, 2]
