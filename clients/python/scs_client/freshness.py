"""Freshness of a feed (ICD-001 §7), as the TypeScript SDK (src/sdk/freshness.ts) defines it,
driven by what arrives on the connection and by a clock, so tests can move time by hand.

``live``        DATA with a record acquired after the ACK arrived within the last heartbeatMs
``catching-up`` DATA arrives, but only of records older than the ACK (a ``since`` replay,
                the value snapshot of a parameters request, an archive request)
``stale``       connected, but no DATA for heartbeatMs (heartbeats say why)
``lost``        not connected, or nothing at all received for 2 × heartbeatMs + 1 s
"""

import math

__all__ = [
    "LIVE",
    "CATCHING_UP",
    "STALE",
    "LOST",
    "FRESHNESS_STATES",
    "ALL",
    "NONE",
    "FreshnessTracker",
    "catch_up_through",
    "mark_catch_up",
]

LIVE = "live"
CATCHING_UP = "catching-up"
STALE = "stale"
LOST = "lost"
FRESHNESS_STATES = (LIVE, CATCHING_UP, STALE, LOST)

#: Every record of an archive request is catch-up.
ALL = math.inf
#: No record is catch-up: the ACK had no ``head`` (an older server, or nothing held in memory).
NONE = -math.inf


def catch_up_through(mode, ack):
    """The seq up to which records are catch-up, from the request's mode and its ACK body.

    protocol/SPEC.md §6 "ACK head" (optional extension): in a realtime ACK, ``head`` is the newest
    seq of the stream the server held when it admitted the request; records with seq <= head were
    acquired before the ACK. Absent: nothing is marked.
    """
    if mode == "archive":
        return ALL
    head = ack.get("head") if isinstance(ack, dict) else None
    if isinstance(head, (int, float)) and not isinstance(head, bool) and math.isfinite(head):
        return head
    return NONE


def mark_catch_up(records, through):
    """Sets ``catch_up`` on the records with seq <= ``through``, on arrival, so the mark holds
    however late the user reads them. True when the batch holds a live record."""
    if through == NONE:
        return True
    live = False
    for r in records:
        if r.seq <= through:
            r.catch_up = True
        else:
            live = True
    return live


class FreshnessTracker:
    """The state machine; ``clock`` has ``call_later(seconds, fn) -> handle`` and
    ``cancel(handle)``; ``on_change(state, previous)`` is called on every change."""

    def __init__(self, clock, on_change):
        self._clock = clock
        self._on_change = on_change
        self.state = LOST
        self._heartbeat_s = 0.0
        self._stale_timer = None
        self._lost_timer = None
        self._held = False

    def connected(self, heartbeat_ms):
        """ACK received: the server is there, no DATA yet on this connection."""
        self._heartbeat_s = heartbeat_ms / 1000.0
        self._set(STALE)
        self._arm_lost()

    def data(self, live):
        """DATA arrived; ``live`` False: all its records are catch-up (older than the ACK)."""
        if self._heartbeat_s <= 0:
            return
        self._set(LIVE if live else CATCHING_UP)
        self._cancel_stale()
        self._stale_timer = self._clock.call_later(self._heartbeat_s, self._to_stale)
        self._arm_lost()

    def heartbeat(self):
        """The server only sends HEARTBEAT after heartbeatMs without DATA: nothing held is current."""
        if self._heartbeat_s <= 0:
            return
        self._cancel_stale()
        self._set(STALE)
        self._arm_lost()

    def heard(self):
        """Any other message: the server is alive, the data as fresh as it was."""
        if self._heartbeat_s > 0:
            self._arm_lost()

    def hold(self, held):
        """While the user has a full backlog unread the socket is not read (back-pressure): the
        silence is the user's doing, so the lost timer is suspended. The stale timer keeps
        running, as what the user reads meanwhile grows old."""
        if held == self._held:
            return
        self._held = held
        if self._heartbeat_s > 0 and self.state != LOST:
            self._arm_lost()

    def disconnected(self):
        self._cancel_stale()
        self._cancel_lost()
        self._heartbeat_s = 0.0
        self._held = False
        self._set(LOST)

    def _to_stale(self):
        self._stale_timer = None
        self._set(STALE)

    def _to_lost(self):
        self._lost_timer = None
        self._cancel_stale()
        self._set(LOST)

    def _arm_lost(self):
        self._cancel_lost()
        if self._held:
            return
        self._lost_timer = self._clock.call_later(2 * self._heartbeat_s + 1.0, self._to_lost)

    def _cancel_stale(self):
        if self._stale_timer is not None:
            self._clock.cancel(self._stale_timer)
            self._stale_timer = None

    def _cancel_lost(self):
        if self._lost_timer is not None:
            self._clock.cancel(self._lost_timer)
            self._lost_timer = None

    def _set(self, state):
        previous = self.state
        if state == previous:
            return
        self.state = state
        self._on_change(state, previous)
