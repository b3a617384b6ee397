"""Reconnect rounds with a fake clock (asyncio API): servers are tried in order, each round
after the first waits for its backoff, and only for it (as test/sdk/failover.test.ts)."""

import asyncio
import socket

import pytest

from scs_client import AsyncSession, ScsError
from scs_client.clock import FakeClock


def dead_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_rounds_wait_for_the_backoff_on_the_fake_clock():
    async def main():
        clock = FakeClock()
        dead = [("127.0.0.1", dead_port()), ("127.0.0.1", dead_port())]
        session = AsyncSession(dead, "alpha", "x", clock=clock, random=lambda: 0.0,
                               reconnect={"initial_delay": 1.0, "max_delay": 4.0, "max_rounds": 3})
        rounds = []
        session.on("reconnecting", lambda r, d: rounds.append((r, d)))
        it = session.request("frames")
        task = asyncio.ensure_future(it.__anext__())
        for _ in range(50):  # round 0: both servers refused at once, no wait
            await asyncio.sleep(0.01)
            if rounds:
                break
        assert rounds == [(1, 0.5)]
        assert clock.pending() == [0.5]
        clock.advance(0.49)
        await asyncio.sleep(0.05)
        assert rounds == [(1, 0.5)] and not task.done()  # not one moment sooner
        clock.advance(0.01)
        for _ in range(50):
            await asyncio.sleep(0.01)
            if len(rounds) == 2:
                break
        assert rounds[1] == (2, 1.0)
        clock.advance(1.0)
        for _ in range(50):
            await asyncio.sleep(0.01)
            if len(rounds) == 3:
                break
        assert rounds[2] == (3, 2.0)
        clock.advance(2.0)
        with pytest.raises(ScsError) as e:
            await task
        assert e.value.code == "ERR_NO_SERVER"
        assert str(dead[0][1]) in e.value.message and str(dead[1][1]) in e.value.message
        await session.close()

    asyncio.run(main())
