"""One TCP connection to an SCS server (asyncio): frames out, messages in, with
back-pressure. A reader task decodes what arrives and hands each message to the session's
``on_message`` *on arrival* (freshness follows the socket, not the user's loop), then keeps
it for :meth:`read`. With ``high_water_mark`` messages unread it stops reading the socket, so
TCP flow control slows the server, which applies the request's ``delivery`` policy (ICD §6).
"""

import asyncio
import collections
import time

from .errors import ERR_CONNECTION_LOST, ERR_TIMEOUT, ProtocolError, ScsError
from .frame import BYE, MAX_CLIENT_BODY, FrameDecoder, encode_message

__all__ = ["Connection", "open_connection"]

_READ_CHUNK = 256 * 1024


def now_us():
    return time.time_ns() // 1000


class Connection:
    def __init__(self, reader, writer, index, server, codec, high_water_mark):
        self.index = index
        self.server = server
        self.codec = codec
        self._reader = reader
        self._writer = writer
        self._decoder = FrameDecoder(codec=codec)
        self._seq = 0
        self._backlog = collections.deque()
        self._readable = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()
        self._hwm = high_water_mark
        self.closed = False
        #: Why it ended, when known: a socket error, ERR_SERVER_LOST, a BYE.
        self.error = None
        self.acked = False
        #: A REQUEST was sent on it (a fresh connection from connect() is kept for the first request).
        self.used = False
        #: The ACK/NAK of a pending REQUEST goes to this future, not to read().
        self.answer = None
        self.mode = None
        self.stream = None
        #: A NAK that arrived before any REQUEST was sent on this connection.
        self.early_nak = None
        self.catch_up_through = None
        self.on_message = None
        self.on_close = None
        self.on_hold = None
        self._task = None

    def start(self, on_message, on_close, on_hold):
        self.on_message = on_message
        self.on_close = on_close
        self.on_hold = on_hold
        self._task = asyncio.ensure_future(self._read_loop())

    @property
    def backlog(self):
        return len(self._backlog)

    def send(self, type, body):
        """Writes one frame (seq counted from 0 on this connection, time from the system clock)."""
        seq = self._seq
        self._writer.write(encode_message(type, seq, now_us(), body, self.codec, MAX_CLIENT_BODY))
        self._seq = (seq + 1) & 0xFFFFFFFF
        return seq

    async def drain(self):
        try:
            await self._writer.drain()
        except (ConnectionError, OSError) as err:
            self.error = self.error or err

    async def read(self):
        """The next message not answering a REQUEST; None once closed and read out."""
        while not self._backlog:
            if self.closed:
                return None
            self._readable.clear()
            await self._readable.wait()
        item = self._backlog.popleft()
        if len(self._backlog) < self._hwm and not self._drained.is_set():
            self._drained.set()
            if self.on_hold:
                self.on_hold(self, False)
        return item

    def keep(self, item):
        """Queues an arrived message (or a (message, records) pair) for read()."""
        self._backlog.append(item)
        self._readable.set()

    async def _read_loop(self):
        err = None
        try:
            while True:
                if len(self._backlog) >= self._hwm:
                    # The user has a full backlog unread: stop reading, TCP holds the server back.
                    self._drained.clear()
                    if self.on_hold:
                        self.on_hold(self, True)
                    await self._drained.wait()
                chunk = await self._reader.read(_READ_CHUNK)
                if not chunk:
                    break
                for m in self._decoder.feed(chunk):
                    self.on_message(self, m)
                    if self.closed:
                        return
        except asyncio.CancelledError:
            pass
        except ProtocolError as e:
            err = e
        except (ConnectionError, OSError) as e:
            err = ScsError(ERR_CONNECTION_LOST, f"{type(e).__name__}: {e}")
        finally:
            self._finish(err)

    def _finish(self, err):
        if self.closed:
            return
        self.closed = True
        self.error = self.error or err
        try:
            self._writer.transport.abort()
        except Exception:  # already gone
            pass
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(
                self.error or ScsError(ERR_CONNECTION_LOST, "connection closed before the ACK or NAK")
            )
        self._readable.set()
        self._drained.set()
        if self.on_close:
            self.on_close(self)

    def destroy(self, error=None):
        """Hard close: the socket is aborted, nothing more is read."""
        if error is not None and self.error is None:
            self.error = error
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._finish(None)

    async def bye(self, reason="CLIENT"):
        """Sends BYE and closes (the server does not answer a client's BYE, ICD §4.6)."""
        if self.closed:
            return
        try:
            self.send(BYE, {"reason": reason})
            await asyncio.wait_for(self._writer.drain(), 1.0)
        except Exception:  # the peer is gone: nothing left to tell it
            pass
        self.destroy()


async def open_connection(index, server, codec, high_water_mark, timeout, ssl=None):
    host, port = server
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=ssl, limit=_READ_CHUNK), timeout
        )
    except asyncio.TimeoutError:
        raise ScsError(ERR_TIMEOUT, f"no TCP connection within {timeout} s") from None
    return Connection(reader, writer, index, server, codec, high_water_mark)
