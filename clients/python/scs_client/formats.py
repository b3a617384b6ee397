"""How records are printed: one human-readable line (as ``scs tail``), one JSON object (JSON
Lines, bytes as base64, as ``scs tail --json`` and ``scs export --format jsonl``), or a CSV row
(RFC 4180, as ``scs export --format csv``: µs times also as ISO-8601, bytes as hex)."""

import base64
import dataclasses
import datetime
import json

__all__ = ["iso_us", "human_line", "json_line", "csv_header", "csv_row", "CSV_COLUMNS"]

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def iso_us(us):
    """An ICD time (µs since the epoch) as ISO-8601 UTC with microseconds."""
    t = _EPOCH + datetime.timedelta(microseconds=int(us))
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}Z"


def _value(v):
    if isinstance(v, (bytes, bytearray)):
        return "0x" + bytes(v).hex()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        # Calibrated floats carry binary noise: 12 significant digits, as scs tail prints them.
        if v.is_integer():
            return str(int(v))
        return repr(float(f"{v:.12g}"))
    return str(v)


def _quality(q):
    return "" if q == 0 else f" quality=0x{q:x}"


def human_line(stream, r):
    if stream == "frames":
        return (
            f"{iso_us(r.ert)} frame {r.station} scid={r.scid} vc={r.vcid} vcfc={r.vcfc} "
            f"{len(r.data)} B{_quality(r.quality)} seq={r.seq}"
        )
    if stream == "packets":
        return (
            f"{iso_us(r.ert)} packet {r.station} scid={r.scid} vc={r.vcid} apid={r.apid} ssc={r.ssc} "
            f"{len(r.data)} B{_quality(r.quality)} seq={r.seq}"
        )
    if stream == "parameters":
        unit = f" {r.unit}" if r.unit else ""
        return (
            f"{iso_us(r.ert)} {r.name} = {_value(r.eng)}{unit} {r.limit} raw={_value(r.raw)}"
            f"{_quality(r.quality)} seq={r.seq}"
        )
    if stream == "events":
        about = "" if r.parameter is None else f" ({r.parameter}={_value(r.value)})"
        return f"{iso_us(r.time)} {r.severity} {r.source}/{r.type}: {r.message}{about} seq={r.seq}"
    code = "" if r.code is None else f" code={r.code}"
    return (
        f"{iso_us(r.time)} command {r.name} id={r.id} {r.stage} {r.status} -> {r.result}{code} "
        f"apid={r.apid} ssc={r.ssc} source={r.source} seq={r.seq}"
    )


def _jsonable(v):
    if isinstance(v, (bytes, bytearray)):
        return base64.b64encode(bytes(v)).decode("ascii")
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    return v


def _icd_fields(r):
    """The record's ICD fields (not ``catch_up``); optional ones only when present."""
    out = {}
    for f in dataclasses.fields(r):
        if f.name == "catch_up":
            continue
        v = getattr(r, f.name)
        if v is None and f.default is None:
            continue
        out[f.name] = v
    return out


def json_line(r):
    return json.dumps({k: _jsonable(v) for k, v in _icd_fields(r).items()}, ensure_ascii=False,
                      separators=(",", ":"))


CSV_COLUMNS = {
    "frames": ["seq", "ert", "ert_iso", "station", "scid", "vcid", "vcfc", "quality", "length", "data"],
    "packets": [
        "seq", "ert", "ert_iso", "scet", "scet_iso", "station", "scid", "vcid", "apid", "ssc",
        "quality", "length", "data",
    ],
    "parameters": ["seq", "name", "scet", "scet_iso", "ert", "ert_iso", "raw", "eng", "unit", "limit", "quality"],
    "events": ["seq", "time", "time_iso", "severity", "source", "type", "message", "parameter", "value"],
    "commands": [
        "seq", "id", "release", "release_iso", "source", "name", "args", "apid", "ssc", "stage",
        "status", "time", "time_iso", "result", "code", "length", "data",
    ],
}


def _cell(v):
    if v is None:
        return ""
    if isinstance(v, (bytes, bytearray)):
        s = bytes(v).hex()
    elif isinstance(v, bool):
        s = "true" if v else "false"
    elif isinstance(v, dict):
        s = json.dumps(_jsonable(v), ensure_ascii=False, separators=(",", ":"))
    else:
        s = str(v)
    if any(c in s for c in ',"\r\n'):
        s = '"' + s.replace('"', '""') + '"'
    return s


def _column(r, c):
    if c == "length":
        return None if r.data is None else len(r.data)
    if c.endswith("_iso"):
        return iso_us(getattr(r, c[: -len("_iso")]))
    return getattr(r, c)


def csv_header(stream):
    return ",".join(CSV_COLUMNS[stream]) + "\r\n"


def csv_row(stream, r):
    return ",".join(_cell(_column(r, c)) for c in CSV_COLUMNS[stream]) + "\r\n"
