"""Typed records of each stream (ICD-001 rev B §6), built from the DATA body's maps.

Field names are the ICD's. Map keys a record type does not know are ignored (ICD §2.1: the
server may add optional fields). ``catch_up`` is the client's own mark, not on the wire: True
for a record acquired before its request was admitted (a ``since`` replay, the value snapshot
that opens a parameters request, every archive record), see the README's "Freshness".
"""

from dataclasses import dataclass, field, fields
from typing import Any, Dict, Optional, Union

from .errors import ERR_PROTOCOL, ProtocolError

__all__ = [
    "FrameRecord",
    "PacketRecord",
    "ParameterRecord",
    "EventRecord",
    "CommandRecord",
    "RECORD_TYPES",
    "STREAMS",
    "record_from_map",
    "records_from_maps",
]

#: A parameter's raw or calibrated value: a number, a state text, a boolean or bytes (rev B).
Value = Union[int, float, str, bool, bytes]


@dataclass
class FrameRecord:
    """``frames``: a whole transfer frame (``data``), ``vcfc`` the virtual channel frame count."""

    seq: int
    ert: int
    station: str
    scid: int
    vcid: int
    vcfc: int
    quality: int
    data: bytes
    catch_up: bool = field(default=False, compare=False)


@dataclass
class PacketRecord:
    """``packets``: a whole CCSDS source packet (``data``); ``scet`` 0 when it has no time."""

    seq: int
    ert: int
    scet: int
    station: str
    scid: int
    vcid: int
    apid: int
    ssc: int
    quality: int
    data: bytes
    catch_up: bool = field(default=False, compare=False)


@dataclass
class ParameterRecord:
    """``parameters``: one sample; ``limit`` is OK, WARN_LOW, WARN_HIGH, ALARM_LOW, ALARM_HIGH,
    STATE_ALARM or UNCHECKED."""

    seq: int
    name: str
    scet: int
    ert: int
    raw: Value
    eng: Value
    limit: str
    quality: int
    unit: Optional[str] = None
    catch_up: bool = field(default=False, compare=False)


@dataclass
class EventRecord:
    """``events``: severity INFO < WARNING < ALARM < CRITICAL."""

    seq: int
    time: int
    severity: str
    source: str
    type: str
    message: str
    parameter: Optional[str] = None
    value: Optional[Value] = None
    catch_up: bool = field(default=False, compare=False)


@dataclass
class CommandRecord:
    """``commands`` (rev B): one record each time a command's history changes.

    ``id`` is the same on all records of one command; ``release`` when it was released (µs);
    ``stage`` RELEASED, UPLINKED, ACCEPTED_ONBOARD, STARTED, PROGRESS, COMPLETED or a mission
    verifier's name; ``status`` PENDING, OK, FAILED or TIMEOUT; ``result`` the command's overall
    state after this record: IN_PROGRESS, SUCCESS, FAILED or TIMEOUT; ``apid``/``ssc`` -1 if
    unknown; ``data`` the TC packet on the RELEASED or UPLINKED record.
    """

    seq: int
    id: str
    release: int
    source: str
    name: str
    args: Dict[str, Any]
    apid: int
    ssc: int
    stage: str
    status: str
    time: int
    result: str
    code: Optional[Any] = None
    data: Optional[bytes] = None
    catch_up: bool = field(default=False, compare=False)


RECORD_TYPES = {
    "frames": FrameRecord,
    "packets": PacketRecord,
    "parameters": ParameterRecord,
    "events": EventRecord,
    "commands": CommandRecord,
}
#: The streams of ICD-001 rev B §5.
STREAMS = tuple(RECORD_TYPES)

# Each stream's field names, required ones first, then the optional ones (ICD §6 `?`).
_REQUIRED = {}
_OPTIONAL = {}
for _stream, _cls in RECORD_TYPES.items():
    _names = [f.name for f in fields(_cls) if f.name != "catch_up"]
    _opt = {"parameters": ("unit",), "events": ("parameter", "value"), "commands": ("code", "data")}
    _OPTIONAL[_stream] = _opt.get(_stream, ())
    _REQUIRED[_stream] = tuple(n for n in _names if n not in _OPTIONAL[_stream])


def _builder(stream):
    """A function map → record for ``stream``, positional (the fast path of the decode loop)."""
    cls = RECORD_TYPES[stream]
    required = _REQUIRED[stream]
    optional = _OPTIONAL[stream]
    if stream == "frames":
        return lambda m: cls(
            m["seq"], m["ert"], m["station"], m["scid"], m["vcid"], m["vcfc"], m["quality"], m["data"]
        )
    if stream == "parameters":
        return lambda m: cls(
            m["seq"],
            m["name"],
            m["scet"],
            m["ert"],
            m["raw"],
            m["eng"],
            m["limit"],
            m["quality"],
            m.get("unit"),
        )

    def build(m):
        args = [m[k] for k in required]
        args.extend(m.get(k) for k in optional)
        return cls(*args)

    return build


_BUILDERS = {stream: _builder(stream) for stream in RECORD_TYPES}


def record_from_map(stream, m):
    """The typed record of one DATA record map; ProtocolError when a required field is missing."""
    return records_from_maps(stream, [m])[0]


def records_from_maps(stream, maps):
    build = _BUILDERS.get(stream)
    if build is None:
        raise ProtocolError(ERR_PROTOCOL, f"unknown stream {stream!r}")
    try:
        return [build(m) for m in maps]
    except KeyError as err:
        raise ProtocolError(ERR_PROTOCOL, f"a {stream} record lacks {err.args[0]!r}") from None
    except TypeError:
        raise ProtocolError(ERR_PROTOCOL, f"a {stream} record is not a map") from None
