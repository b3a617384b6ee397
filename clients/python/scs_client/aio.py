"""The asyncio session: a request's records across reconnects, failover and resume.

Mirrors the TypeScript SDK (src/sdk/session.ts): freshness from what arrives, failover over
the servers in order, reconnect rounds with backoff and jitter, a realtime request re-sent
with ``since`` = the last seq received (no gap, no duplicate), a ``gap`` event whenever that
cannot be done, NakError for a NAK, END ends an archive request.
"""

import asyncio
from dataclasses import dataclass
from typing import Any, Optional, Tuple

from .clock import LoopClock
from .connection import open_connection
from .errors import (
    ERR_BUSY,
    ERR_CLOSED,
    ERR_CONNECTION_LOST,
    ERR_NO_SERVER,
    ERR_PROTOCOL,
    ERR_SERVER_LOST,
    ERR_TIMEOUT,
    NakError,
    ProtocolError,
    ScsError,
)
from .freshness import LOST, NONE, FreshnessTracker, catch_up_through, mark_catch_up
from .frame import ACK, BYE, DATA, END, HEARTBEAT, NAK, REQUEST
from .records import records_from_maps
from .settings import request_body, settings

__all__ = ["AsyncSession", "ConnectInfo", "DisconnectInfo", "GapInfo", "connect_async"]

#: NAKs that say "not now, not here" when re-requesting after a loss: try the next server.
_CAPACITY_NAKS = ("AGENCY_FULL", "SERVER_FULL")
#: NAKs of a resumed request (the same request plus ``since``) that refuse the ``since``:
#: no archive to fill from (ARCHIVE_UNAVAILABLE), or ``since`` ahead of this server's data
#: (INVALID_REQUEST, rev B §5: a server that does not share the previous server's seq).
_RESUME_NAKS = ("ARCHIVE_UNAVAILABLE", "INVALID_REQUEST")
EVENTS = ("freshness", "heartbeat", "connect", "disconnect", "reconnecting", "gap", "skipped")


@dataclass(frozen=True)
class ConnectInfo:
    """Each ACK: ``resumed`` the REQUEST carried ``since`` and the server accepted it;
    ``server_time`` the server's clock at the ACK (µs); ``head`` where the catch-up ends
    (protocol/SPEC.md §6, None from a server without it)."""

    server: Tuple[str, int]
    index: int
    client_id: str
    heartbeat_ms: int
    resumed: bool
    server_time: int
    head: Optional[int]
    parameters: Optional[list]


@dataclass(frozen=True)
class DisconnectInfo:
    server: Tuple[str, int]
    index: int
    #: Why: a socket error, ERR_SERVER_LOST, the BYE reason…; None for a clean close.
    error: Optional[BaseException]


@dataclass(frozen=True)
class GapInfo:
    """Records after ``after_seq`` may be missing: the feed restarted at the live edge."""

    after_seq: Optional[int]
    server: Tuple[str, int]
    reason: str


def _where(server):
    return f"{server[0]}:{server[1]}"


class AsyncSession:
    """A session with one or more SCS servers. ``await AsyncSession.connect(...)`` opens a TCP
    connection at once; ``AsyncSession(...)`` connects at the first request."""

    def __init__(self, servers, agency, token=None, *, clock=None, **options):
        self._s = settings(servers, agency, token, **options)
        self._clock = clock
        self._tracker = None
        self._conn = None
        self._index = 0
        self._client_id = None
        self._active = False
        self._closed = False
        self._switching = False
        self._wake = None
        self._listeners = {name: [] for name in EVENTS}
        self.last_heartbeat = None
        self.last_connect = None

    @classmethod
    async def connect(cls, servers, agency, token=None, **options):
        session = cls(servers, agency, token, **options)
        await session._connect_first()
        return session

    async def _connect_first(self):
        failures = []
        for i, server in enumerate(self._s.servers):
            try:
                self._conn = await self._open(i)
                self._index = i
                return
            except (OSError, ScsError) as err:
                failures.append(f"{_where(server)}: {err}")
        raise ScsError(ERR_NO_SERVER, f"no server reachable ({'; '.join(failures)})")

    # ---- state -------------------------------------------------------------------------

    def _ensure_loop_parts(self):
        if self._tracker is None:
            if self._clock is None:
                self._clock = LoopClock()
            self._tracker = FreshnessTracker(self._clock, self._on_freshness)
        if self._wake is None:
            self._wake = asyncio.Event()

    @property
    def freshness(self):
        """live, catching-up, stale or lost; lost whenever no connection is admitted."""
        return self._tracker.state if self._tracker is not None else LOST

    @property
    def server(self):
        """(host, port) of the current connection, or None between connections."""
        c = self._conn
        return c.server if c is not None and not c.closed else None

    @property
    def client_id(self):
        """clientId of the last ACK (a new one after every reconnect)."""
        return self._client_id

    @property
    def closed(self):
        return self._closed

    def on(self, event, callback):
        """Calls ``callback`` on ``event`` (see EVENTS); returns a function that unsubscribes."""
        if event not in self._listeners:
            raise ValueError(f"unknown event {event!r}; events: {', '.join(EVENTS)}")
        self._listeners[event].append(callback)
        return lambda: self._listeners[event].remove(callback)

    def _emit(self, event, *args):
        for fn in list(self._listeners[event]):
            fn(*args)

    # ---- the public calls --------------------------------------------------------------

    def request(self, stream, mode="realtime", **fields):
        """Sends REQUEST and yields its records (typed by stream) across reconnects. Ends on END
        (archive) or close(); leaving the loop ends the request (BYE). Raises NakError for a NAK,
        ScsError ERR_NO_SERVER / ERR_CONNECTION_LOST when it cannot go on."""
        body = request_body(stream, mode, **fields)
        self._check_idle()
        return self._records(body)

    def batches(self, stream, mode="realtime", **fields):
        """As request(), one list of records per DATA message (the fast path for analysis)."""
        body = request_body(stream, mode, **fields)
        self._check_idle()
        return self._iterate(body)

    def use_server(self, index):
        """Moves to servers[index] (an active request resumes there); failover continues from it."""
        if not isinstance(index, int) or not 0 <= index < len(self._s.servers):
            raise ScsError("ERR_SDK_CONFIG", f"use_server: index must be 0 … {len(self._s.servers) - 1}")
        self._index = index
        c = self._conn
        if c is None or c.closed or c.index == index:
            return
        if c.used:
            self._switching = True
        c.destroy()

    async def close(self):
        """Ends the session (BYE); an active request's loop ends normally. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._wake is not None:
            self._wake.set()
        c = self._conn
        if c is not None and not c.closed:
            await c.bye()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()

    def _check_idle(self):
        if self._closed:
            raise ScsError(ERR_CLOSED, "session closed")
        if self._active:
            raise ScsError(ERR_BUSY, "a request is already active on this session")

    # ---- the request loop --------------------------------------------------------------

    async def _records(self, body):
        agen = self._iterate(body)
        try:
            async for batch in agen:
                for r in batch:
                    yield r
                    if self._closed:
                        return
        finally:
            await agen.aclose()

    async def _iterate(self, req):
        self._check_idle()
        self._ensure_loop_parts()
        self._active = True
        last_seq = None
        initial = True
        try:
            while True:
                try:
                    conn = await self._establish(req, last_seq, initial)
                except ScsError:
                    if self._closed:
                        return
                    raise
                initial = False
                while True:
                    item = await conn.read()
                    if item is None:
                        break
                    m, records = item
                    if m.type == DATA:
                        if isinstance(records, Exception):
                            conn.destroy()
                            raise records
                        skipped = m.body.get("skipped")
                        if isinstance(skipped, int) and skipped > 0:
                            self._emit("skipped", skipped)
                        if records:
                            last_seq = records[-1].seq
                            yield records
                        if self._closed:
                            return
                    elif m.type == END:
                        return
                    elif m.type == NAK:
                        conn.destroy()
                        raise NakError.from_body(m.body)
                if self._closed:
                    return
                if self._switching:
                    self._switching = False
                    continue
                if self._s.reconnect is None or req["mode"] == "archive":
                    why = str(conn.error) if conn.error is not None else "closed by the server"
                    raise ScsError(ERR_CONNECTION_LOST, f"connection to {_where(conn.server)} lost: {why}")
        finally:
            self._active = False
            c = self._conn
            if c is not None and not c.closed:
                await c.bye()

    async def _establish(self, req, last_seq, initial):
        """Connects and gets an ACK, failing over in order from the current server, in rounds
        separated by backoff. After a loss a realtime request carries ``since`` = the last seq
        received; if the server cannot serve it, it is re-sent without and ``gap`` is emitted."""
        resume = not initial and req["mode"] != "archive"
        since = (last_seq if last_seq is not None else req.get("since")) if resume else req.get("since")
        gap_reason = "no record had been received before the loss" if resume and since is None else None
        servers = self._s.servers
        n = len(servers)
        failures = []
        rounds = self._s.reconnect.max_rounds if self._s.reconnect is not None else 0
        round = 0
        while True:
            if round > 0:
                if rounds is not None and round > rounds:
                    raise ScsError(ERR_NO_SERVER, f"no server reachable ({'; '.join(failures[-n:])})")
                delay = self._s.reconnect.delay(round, self._s.random)
                self._emit("reconnecting", round, delay)
                self._wake.clear()
                await self._clock.sleep(delay, self._wake)
            k = 0
            while k < n:
                if self._closed:
                    raise ScsError(ERR_CLOSED, "session closed")
                index = (self._index + k) % n
                server = servers[index]
                body = dict(req, agency=self._s.agency, client=self._s.client)
                if self._s.token is not None:
                    body["token"] = self._s.token
                body.pop("since", None)
                if since is not None:
                    body["since"] = since
                try:
                    conn = await self._connection(index)
                    ack = await self._ask(conn, body)
                except NakError as err:
                    if resume and since is not None and err.code in _RESUME_NAKS:
                        # Same server again, at the live edge: records after `since` may be
                        # lost, and we say so.
                        gap_reason = f"resume refused ({err.code}: {err.reason})"
                        since = None
                        continue
                    if not initial and err.code in _CAPACITY_NAKS:
                        failures.append(f"{_where(server)}: NAK {err.code}")
                    else:
                        raise
                except (OSError, ScsError) as err:
                    failures.append(f"{_where(server)}: {err}")
                else:
                    self._index = index
                    self._client_id = ack.get("clientId")
                    head = ack.get("head")
                    info = ConnectInfo(
                        server=server,
                        index=index,
                        client_id=self._client_id,
                        heartbeat_ms=ack.get("heartbeatMs"),
                        resumed=resume and since is not None,
                        server_time=ack.get("serverTime"),
                        head=head if isinstance(head, int) and not isinstance(head, bool) else None,
                        parameters=ack.get("parameters"),
                    )
                    self.last_connect = info
                    self._emit("connect", info)
                    if gap_reason is not None:
                        self._emit("gap", GapInfo(last_seq, server, gap_reason))
                    return conn
                k += 1
            round += 1

    async def _connection(self, index):
        """The unused connection from connect() if still open and to this server, else a new one."""
        c = self._conn
        if c is not None and not c.closed and not c.used and c.index == index:
            return c
        if c is not None and not c.closed:
            c.destroy()
        conn = await self._open(index)
        self._conn = conn
        return conn

    async def _open(self, index):
        self._ensure_loop_parts()
        s = self._s
        conn = await open_connection(
            index, s.servers[index], s.codec, s.high_water_mark, s.connect_timeout, s.ssl
        )
        conn.start(self._on_message, self._on_close, self._on_hold)
        return conn

    async def _ask(self, conn, body):
        """REQUEST with a deadline: a server that accepts TCP but never answers is a failed server."""
        conn.used = True
        conn.mode = body["mode"]
        conn.stream = body["stream"]
        if conn.early_nak is not None:
            # Refused before the REQUEST was read (e.g. SERVER_FULL for the connect rate).
            conn.destroy()
            raise NakError.from_body(conn.early_nak.body)
        conn.answer = asyncio.get_running_loop().create_future()
        timeout = self._s.answer_timeout

        def expire():
            conn.destroy(ScsError(ERR_TIMEOUT, f"no ACK or NAK within {timeout} s"))

        timer = self._clock.call_later(timeout, expire)
        try:
            conn.send(REQUEST, body)
            await conn.drain()
            m = await conn.answer
        except BaseException:
            conn.destroy()
            raise
        finally:
            self._clock.cancel(timer)
            conn.answer = None
        if m.type == NAK:
            # After a NAK the server closes anyway; nothing more is wanted from this connection.
            conn.destroy()
            raise NakError.from_body(m.body)
        return m.body

    # ---- arrival: freshness follows the socket, whether or not the user is pulling --------

    def _on_message(self, conn, m):
        if conn is not self._conn:
            return
        if m.type in (ACK, NAK) and conn.answer is not None and not conn.answer.done():
            if m.type == ACK:
                hb = m.body.get("heartbeatMs") if m.body else None
                if not isinstance(hb, int) or isinstance(hb, bool):
                    conn.answer.set_exception(ProtocolError(ERR_PROTOCOL, "ACK without heartbeatMs"))
                    return
                conn.acked = True
                conn.catch_up_through = catch_up_through(conn.mode, m.body)
                self._tracker.connected(hb)
            conn.answer.set_result(m)
            return
        if m.type == NAK and not conn.used:
            conn.early_nak = m
        records = None
        if m.type == DATA:
            records = self._data_records(conn, m)
            if isinstance(records, Exception):
                self._tracker.heard()
            else:
                through = conn.catch_up_through if conn.catch_up_through is not None else NONE
                self._tracker.data(mark_catch_up(records, through))
        elif m.type == HEARTBEAT:
            self._tracker.heartbeat()
            self.last_heartbeat = m.body
            self._emit("heartbeat", m.body)
        else:
            self._tracker.heard()
        if m.type == BYE:
            reason = m.body.get("reason") if isinstance(m.body, dict) else None
            seq = m.body.get("seq") if isinstance(m.body, dict) else None
            detail = f" (last seq {seq})" if seq is not None else ""
            conn.error = conn.error or ScsError(
                ERR_CONNECTION_LOST, f"server sent BYE {reason or 'no reason'}{detail}"
            )
        conn.keep((m, records))
        self._tracker.hold(conn.backlog >= self._s.high_water_mark)

    def _data_records(self, conn, m):
        """The typed records of a DATA body, or the ProtocolError it deserves (raised at read)."""
        body = m.body
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            return ProtocolError(ERR_PROTOCOL, f"DATA from {_where(conn.server)} has no records list")
        if body.get("stream") != conn.stream:
            return ProtocolError(
                ERR_PROTOCOL, f"DATA from {_where(conn.server)} is not a {conn.stream} DATA body"
            )
        try:
            return records_from_maps(conn.stream, body["records"])
        except ProtocolError as err:
            return err

    def _on_hold(self, conn, held):
        if conn is self._conn:
            self._tracker.hold(held)

    def _on_close(self, conn):
        if conn is not self._conn:
            return
        self._tracker.disconnected()
        if conn.acked:
            self._emit("disconnect", DisconnectInfo(conn.server, conn.index, conn.error))

    def _on_freshness(self, state, previous):
        c = self._conn
        # ICD §7: silence for 2 × heartbeatMs + 1 s means the server is lost: drop it, reconnect.
        if state == LOST and c is not None and not c.closed:
            c.destroy(ScsError(ERR_SERVER_LOST, "nothing received for 2 × heartbeatMs + 1 s"))
        self._emit("freshness", state, previous)


async def connect_async(servers, agency, token=None, **options):
    """Opens an :class:`AsyncSession` (a TCP connection to the first server that accepts one)."""
    return await AsyncSession.connect(servers, agency, token, **options)
