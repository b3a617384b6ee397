"""The blocking API: the asyncio session (:mod:`scs_client.aio`) run on a private event loop
thread, so freshness, heartbeats and the lost-server watchdog keep going while your loop is
busy. Records cross to your thread one DATA message at a time (not one record at a time).

Event callbacks (``session.on(...)``) run on that I/O thread: keep them short.
"""

import asyncio
import concurrent.futures
import threading

from .aio import AsyncSession
from .errors import ERR_CLOSED, ScsError

__all__ = ["Session", "connect"]


class _LoopThread:
    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="scs-client-io", daemon=True)
        self._thread.start()

    @property
    def thread(self):
        return self._thread

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()
        self.loop.close()

    def submit(self, coro):
        if self.loop.is_closed() or not self._thread.is_alive():
            coro.close()
            raise ScsError(ERR_CLOSED, "session closed")
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro, timeout=None):
        return self.submit(coro).result(timeout)

    def call(self, fn, *args):
        """fn(*args) on the loop thread, its result here."""

        async def call():
            return fn(*args)

        return self.run(call())

    def stop(self):
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        if threading.current_thread() is not self._thread:
            self._thread.join(5)


class Session:
    """A blocking session with one or more SCS servers (same options as AsyncSession).

    ``Session.connect(...)`` (or :func:`connect`) opens a TCP connection at once;
    ``Session(...)`` connects at the first request.
    """

    def __init__(self, servers, agency, token=None, **options):
        self._io = _LoopThread()
        try:
            self._async = self._io.call(lambda: AsyncSession(servers, agency, token, **options))
        except BaseException:
            self._io.stop()
            raise

    @classmethod
    def connect(cls, servers, agency, token=None, **options):
        session = cls(servers, agency, token, **options)
        try:
            session._io.run(session._async._connect_first())
        except BaseException:
            session.close()
            raise
        return session

    @property
    def freshness(self):
        return self._async.freshness

    @property
    def server(self):
        return self._async.server

    @property
    def client_id(self):
        return self._async.client_id

    @property
    def last_heartbeat(self):
        return self._async.last_heartbeat

    @property
    def last_connect(self):
        return self._async.last_connect

    @property
    def closed(self):
        return self._async.closed

    def on(self, event, callback):
        """Calls ``callback`` on ``event`` (on the I/O thread); returns an unsubscribe function."""
        return self._async.on(event, callback)

    def use_server(self, index):
        self._io.call(self._async.use_server, index)

    def request(self, stream, mode="realtime", **fields):
        """Sends REQUEST and returns an iterator of its records (see AsyncSession.request).
        Leaving the loop (break, an exception) ends the request with BYE."""
        agen = self._io.call(lambda: self._async.batches(stream, mode, **fields))
        return _Records(self, agen, per_record=True)

    def batches(self, stream, mode="realtime", **fields):
        """As request(), one list of records per DATA message."""
        agen = self._io.call(lambda: self._async.batches(stream, mode, **fields))
        return _Records(self, agen, per_record=False)

    def close(self):
        """BYE and close; a request iterating in another thread ends normally. Idempotent."""
        if self._io.loop.is_closed():
            return
        try:
            self._io.run(self._async.close(), 10)
        except (concurrent.futures.TimeoutError, RuntimeError):
            pass
        finally:
            self._io.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self._io.stop()
        except Exception:
            pass


class _Records:
    """The iterator request() returns; ``close()`` (or leaving a ``with`` block) ends the request."""

    def __init__(self, session, agen, per_record):
        self._session = session
        self._agen = agen
        self._per_record = per_record
        self._batch = []
        self._pos = 0
        self._pending = None
        self._done = False

    def __iter__(self):
        return self

    def __next__(self):
        if self._per_record:
            while self._pos >= len(self._batch):
                self._batch = self._next_batch()
                self._pos = 0
            r = self._batch[self._pos]
            self._pos += 1
            return r
        return self._next_batch()

    def _next_batch(self):
        if self._done or self._session.closed:
            self._finish()
            raise StopIteration
        io = self._session._io
        self._pending = io.submit(self._agen.__anext__())
        try:
            return self._pending.result()
        except StopAsyncIteration:
            self._done = True
            raise StopIteration from None
        except BaseException:
            # KeyboardInterrupt while waiting, or the request's own error: end it either way.
            self._finish()
            raise
        finally:
            self._pending = None

    def _finish(self):
        if self._done and self._pending is None:
            return
        self._done = True
        io = self._session._io
        if io.loop.is_closed() or not io.loop.is_running():
            return
        if threading.current_thread() is io.thread:
            # Collected on the I/O thread itself: waiting there would deadlock, so just schedule it.
            asyncio.ensure_future(self._agen.aclose(), loop=io.loop)
            return
        pending = self._pending
        if pending is not None and not pending.done():
            pending.cancel()
            try:
                pending.result(5)
            except BaseException:
                pass
        try:
            io.run(self._agen.aclose(), 10)
        except BaseException:
            pass

    def close(self):
        self._finish()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._finish()

    def __del__(self):
        try:
            self._finish()
        except Exception:
            pass


def connect(servers, agency, token=None, **options):
    """Opens a blocking :class:`Session`: a TCP connection to the first server that accepts one
    (ERR_NO_SERVER if none does). Options: client, reconnect (a Reconnect, a dict or False),
    connect_timeout, answer_timeout (s), high_water_mark, codec ('msgpack' | 'builtin'), ssl."""
    return Session.connect(servers, agency, token, **options)

