"""connect() options, checked and with their defaults filled in, and the REQUEST body of a
request() call (ICD-001 rev B §5)."""

import datetime
import random as _random
from dataclasses import dataclass
from typing import Optional

from .errors import ERR_CONFIG, ScsError
from .records import STREAMS

__all__ = ["Reconnect", "Settings", "settings", "request_body", "server_address", "to_us"]


@dataclass(frozen=True)
class Reconnect:
    """Reconnect pacing: rounds over the server list; the first round after a loss is at once,
    later rounds wait ``initial_delay × 2**(round−1)`` s (capped at ``max_delay``), scaled by a
    random factor in [½, 1) so clients cut off together do not return together. ``max_rounds``
    rounds without success end the request with ERR_NO_SERVER (None: unlimited)."""

    initial_delay: float = 0.25
    max_delay: float = 30.0
    max_rounds: Optional[int] = None

    def delay(self, round, random=_random.random):
        if round <= 0:
            return 0.0
        base = min(self.max_delay, self.initial_delay * 2 ** min(round - 1, 30))
        return base * (0.5 + 0.5 * random())


@dataclass(frozen=True)
class Settings:
    servers: tuple
    agency: str
    token: Optional[str]
    client: str
    reconnect: Optional[Reconnect]
    connect_timeout: float
    answer_timeout: float
    high_water_mark: int
    codec: object
    ssl: object
    random: object


def _bad(message):
    return ScsError(ERR_CONFIG, message)


def server_address(s, i=0):
    """(host, port) from ``("host", port)``, ``"host:port"``, ``{"host":…, "port":…}`` or a port."""
    host, port = "127.0.0.1", None
    if isinstance(s, int) and not isinstance(s, bool):
        port = s
    elif isinstance(s, str):
        h, sep, p = s.rpartition(":")
        if not sep or not p.isdigit():
            raise _bad(f"servers[{i}]: {s!r} is not host:port")
        host, port = h or host, int(p)
    elif isinstance(s, dict):
        host, port = s.get("host") or host, s.get("port")
    elif isinstance(s, (tuple, list)) and len(s) == 2:
        host, port = s[0] or host, s[1]
    else:
        raise _bad(f"servers[{i}]: {s!r} is not an address")
    if not (isinstance(port, int) and not isinstance(port, bool) and 1 <= port <= 65535):
        raise _bad(f"servers[{i}].port: must be 1 … 65535")
    return (host, port)


def settings(
    servers,
    agency,
    token=None,
    client="scs-python",
    reconnect=None,
    connect_timeout=5.0,
    answer_timeout=15.0,
    high_water_mark=256,
    codec=None,
    ssl=None,
    random=None,
):
    from .codec import get_codec

    if isinstance(servers, (str, int, dict)) or not servers:
        if not servers:
            raise _bad("servers: at least one is required")
        servers = [servers]
    addresses = tuple(server_address(s, i) for i, s in enumerate(servers))
    if not isinstance(agency, str) or agency == "":
        raise _bad("agency: required")
    if token is not None and not isinstance(token, str):
        raise _bad("token: a string")
    if not isinstance(client, str) or not 1 <= len(client) <= 64:
        raise _bad("client: 1 … 64 characters")
    if reconnect is None or reconnect is True:
        reconnect = Reconnect()
    elif reconnect is False:
        reconnect = None
    elif isinstance(reconnect, dict):
        reconnect = Reconnect(**reconnect)
    elif not isinstance(reconnect, Reconnect):
        raise _bad("reconnect: a Reconnect, a dict of its fields, or False")
    return Settings(
        servers=addresses,
        agency=agency,
        token=token,
        client=client,
        reconnect=reconnect,
        connect_timeout=float(connect_timeout),
        answer_timeout=float(answer_timeout),
        high_water_mark=max(1, int(high_water_mark)),
        codec=get_codec(codec),
        ssl=ssl,
        random=random or _random.random,
    )


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def to_us(t):
    """An ICD time: µs since the epoch from an int, a float (s would be ambiguous: refused), an
    aware datetime, or an ISO-8601 string with a zone (passed on as text; the server parses it)."""
    if isinstance(t, bool):
        raise _bad(f"time {t!r} is not a time")
    if isinstance(t, int):
        return t
    if isinstance(t, datetime.datetime):
        if t.tzinfo is None:
            raise _bad(f"time {t!r}: a datetime needs a time zone (ICD times are UTC)")
        d = t - _EPOCH
        return (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds
    if isinstance(t, str):
        return t
    raise _bad(f"time {t!r}: µs as int, an aware datetime, or ISO-8601 text with a zone")


# Python names of the REQUEST fields that are not valid identifiers or not Python style.
_RENAMES = {"from_": "from", "time_by": "timeBy", "rate_hz": "rateHz"}


def request_body(stream, mode="realtime", **fields):
    """The REQUEST fields a request() call gives, under their ICD names, Nones dropped.

    ``from_``, ``to`` accept µs, an aware datetime or ISO-8601 text; ``time_by`` and ``rate_hz``
    are ``timeBy`` and ``rateHz``. Any other keyword is passed on as it is named, so a field
    of a later ICD revision needs no new client (an unknown one is INVALID_REQUEST).
    """
    if stream not in STREAMS:
        raise _bad(f"stream must be one of {', '.join(STREAMS)}, got {stream!r}")
    if mode not in ("realtime", "archive"):
        raise _bad(f"mode must be realtime or archive, got {mode!r}")
    body = {"stream": stream, "mode": mode}
    for name, value in fields.items():
        if value is None:
            continue
        key = _RENAMES.get(name, name)
        if key in ("agency", "token", "client"):
            raise _bad(f"{key}: given to connect(), not to request()")
        if key in ("from", "to"):
            value = to_us(value)
        body[key] = value
    return body
