"""Clocks for timers: the event loop's, or a :class:`FakeClock` that tests move by hand
(freshness, backoff and the answer timeout all go through one)."""

import asyncio
import heapq
import itertools

__all__ = ["LoopClock", "FakeClock"]


class LoopClock:
    """The running asyncio loop's clock (seconds)."""

    def __init__(self, loop=None):
        self._loop = loop or asyncio.get_running_loop()

    def now(self):
        return self._loop.time()

    def call_later(self, delay, fn):
        return self._loop.call_later(delay, fn)

    def cancel(self, handle):
        handle.cancel()

    async def sleep(self, delay, wake=None):
        """Sleeps ``delay`` s, or until the asyncio.Event ``wake`` is set."""
        if wake is None:
            await asyncio.sleep(delay)
            return
        try:
            await asyncio.wait_for(wake.wait(), delay)
        except asyncio.TimeoutError:
            pass


class FakeClock:
    """Time stands still until :meth:`advance`; due timers then run in order."""

    def __init__(self, start=0.0):
        self._now = start
        self._timers = []
        self._ids = itertools.count()
        self._cancelled = set()

    def now(self):
        return self._now

    def call_later(self, delay, fn):
        handle = next(self._ids)
        heapq.heappush(self._timers, (self._now + max(0.0, delay), handle, fn))
        return handle

    def cancel(self, handle):
        self._cancelled.add(handle)

    def pending(self):
        """Delays (from now) of the timers still armed, soonest first."""
        return sorted(t - self._now for t, h, _ in self._timers if h not in self._cancelled)

    def advance(self, seconds):
        end = self._now + seconds
        while self._timers and self._timers[0][0] <= end:
            due, handle, fn = heapq.heappop(self._timers)
            if handle in self._cancelled:
                self._cancelled.discard(handle)
                continue
            self._now = due
            fn()
        self._now = end

    async def sleep(self, delay, wake=None):
        done = asyncio.get_running_loop().create_future()

        def fire():
            if not done.done():
                done.set_result(None)

        self.call_later(delay, fire)
        if wake is None:
            await done
            return
        waiter = asyncio.ensure_future(wake.wait())
        try:
            await asyncio.wait([done, waiter], return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
