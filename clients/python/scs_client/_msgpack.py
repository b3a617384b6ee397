"""The built-in MessagePack codec: the subset ICD-001 rev B uses (§2.1, protocol/SPEC.md §3).

Used when the ``msgpack`` package is not installed. Decodes every integer encoding,
float 32/64, str, bin, arrays, maps with string keys, nil and booleans; refuses what the
profile excludes (extension types, the byte 0xc1, non-string map keys, nesting deeper than
32, truncated values, trailing bytes) with :class:`CodecError`. Encodes integers in the
smallest encoding, and, outside -2**31 … 2**32-1, always as int 64 (``d3``), as the
server does, so the SPEC's worked examples re-encode byte for byte.
"""

from struct import Struct

__all__ = ["CodecError", "MAX_DEPTH", "packb", "unpackb"]

#: Deepest container nesting accepted (ICD bodies nest 3 deep); bounds the recursion.
MAX_DEPTH = 32


class CodecError(ValueError):
    """A body that is not a value of the ICD's MessagePack profile (answered as MALFORMED)."""


_u8 = Struct(">B").unpack_from
_u16 = Struct(">H").unpack_from
_u32 = Struct(">I").unpack_from
_u64 = Struct(">Q").unpack_from
_i8 = Struct(">b").unpack_from
_i16 = Struct(">h").unpack_from
_i32 = Struct(">i").unpack_from
_i64 = Struct(">q").unpack_from
_f32 = Struct(">f").unpack_from
_f64 = Struct(">d").unpack_from

# (unpacker, size) of the fixed-size numbers, by type byte.
_NUMBERS = {
    0xCA: (_f32, 4),
    0xCB: (_f64, 8),
    0xCC: (_u8, 1),
    0xCD: (_u16, 2),
    0xCE: (_u32, 4),
    0xCF: (_u64, 8),
    0xD0: (_i8, 1),
    0xD1: (_i16, 2),
    0xD2: (_i32, 4),
    0xD3: (_i64, 8),
}
# Length-prefixed kinds: (length unpacker, length size, kind).
_STR, _BIN, _ARRAY, _MAP = range(4)
_SIZED = {
    0xD9: (_u8, 1, _STR),
    0xDA: (_u16, 2, _STR),
    0xDB: (_u32, 4, _STR),
    0xC4: (_u8, 1, _BIN),
    0xC5: (_u16, 2, _BIN),
    0xC6: (_u32, 4, _BIN),
    0xDC: (_u16, 2, _ARRAY),
    0xDD: (_u32, 4, _ARRAY),
    0xDE: (_u16, 2, _MAP),
    0xDF: (_u32, 4, _MAP),
}


def _truncated():
    return CodecError("msgpack: value truncated")


def _decode(buf, pos, depth):
    """The value at buf[pos:] and the position after it. ``buf`` is bytes (or a memoryview)."""
    try:
        t = buf[pos]
    except IndexError:
        raise _truncated() from None
    pos += 1
    if t <= 0x7F:
        return t, pos
    if t >= 0xE0:
        return t - 0x100, pos
    if 0xA0 <= t <= 0xBF:  # fixstr
        end = pos + (t & 0x1F)
        if end > len(buf):
            raise _truncated()
        return _text(buf, pos, end), end
    if 0x90 <= t <= 0x9F:
        return _array(buf, pos, t & 0x0F, depth)
    if 0x80 <= t <= 0x8F:
        return _map(buf, pos, t & 0x0F, depth)
    if t == 0xC0:
        return None, pos
    if t == 0xC2:
        return False, pos
    if t == 0xC3:
        return True, pos
    number = _NUMBERS.get(t)
    if number is not None:
        unpack, size = number
        if pos + size > len(buf):
            raise _truncated()
        return unpack(buf, pos)[0], pos + size
    sized = _SIZED.get(t)
    if sized is not None:
        unpack, size, kind = sized
        if pos + size > len(buf):
            raise _truncated()
        n = unpack(buf, pos)[0]
        pos += size
        if kind == _ARRAY:
            return _array(buf, pos, n, depth)
        if kind == _MAP:
            return _map(buf, pos, n, depth)
        end = pos + n
        if end > len(buf):
            raise _truncated()
        if kind == _STR:
            return _text(buf, pos, end), end
        return buf[pos:end], end
    if t == 0xC1:
        raise CodecError("msgpack: the never-used byte 0xc1")
    raise CodecError(f"msgpack: extension type 0x{t:02x} (the ICD profile has none)")


def _text(buf, start, end):
    try:
        return buf[start:end].decode("utf-8")
    except UnicodeDecodeError as err:
        raise CodecError(f"msgpack: str is not UTF-8 ({err.reason})") from None


def _array(buf, pos, n, depth):
    if depth >= MAX_DEPTH:
        raise CodecError(f"msgpack: nested deeper than {MAX_DEPTH}")
    out = []
    append = out.append
    for _ in range(n):
        value, pos = _decode(buf, pos, depth + 1)
        append(value)
    return out, pos


def _map(buf, pos, n, depth):
    if depth >= MAX_DEPTH:
        raise CodecError(f"msgpack: nested deeper than {MAX_DEPTH}")
    out = {}
    size = len(buf)
    for _ in range(n):
        if pos >= size:
            raise _truncated()
        t = buf[pos]
        # Keys are strings: fixstr inline (the common case), str 8/16/32 through _decode.
        if 0xA0 <= t <= 0xBF:
            end = pos + 1 + (t & 0x1F)
            if end > size:
                raise _truncated()
            key = _text(buf, pos + 1, end)
            pos = end
        else:
            key, pos = _decode(buf, pos, depth + 1)
            if not isinstance(key, str):
                raise CodecError(f"msgpack: map key {key!r} is not a string")
        if pos >= size:
            raise _truncated()
        # The values DATA records are made of, inline: a call per value is most of the cost.
        t = buf[pos]
        if t <= 0x7F:
            out[key] = t
            pos += 1
        elif 0xA0 <= t <= 0xBF:
            end = pos + 1 + (t & 0x1F)
            if end > size:
                raise _truncated()
            out[key] = _text(buf, pos + 1, end)
            pos = end
        elif t == 0xD3 and pos + 9 <= size:
            out[key] = _i64(buf, pos + 1)[0]
            pos += 9
        elif t == 0xCB and pos + 9 <= size:
            out[key] = _f64(buf, pos + 1)[0]
            pos += 9
        elif t == 0xCD and pos + 3 <= size:
            out[key] = _u16(buf, pos + 1)[0]
            pos += 3
        elif t == 0xCC and pos + 2 <= size:
            out[key] = buf[pos + 1]
            pos += 2
        elif t == 0xC5 and pos + 3 <= size:
            end = pos + 3 + _u16(buf, pos + 1)[0]
            if end > size:
                raise _truncated()
            out[key] = buf[pos + 3 : end]
            pos = end
        else:
            out[key], pos = _decode(buf, pos, depth + 1)
    return out, pos


def unpackb(data):
    """The one value ``data`` holds; CodecError for anything else (trailing bytes included)."""
    buf = bytes(data)
    value, pos = _decode(buf, 0, 0)
    if pos != len(buf):
        raise CodecError(f"msgpack: {len(buf) - pos} bytes after the value")
    return value


_pack_u8 = Struct(">BB").pack
_pack_u16 = Struct(">BH").pack
_pack_u32 = Struct(">BI").pack
_pack_i8 = Struct(">Bb").pack
_pack_i16 = Struct(">Bh").pack
_pack_i32 = Struct(">Bi").pack
_pack_i64 = Struct(">Bq").pack
_pack_u64 = Struct(">BQ").pack
_pack_f64 = Struct(">Bd").pack


def _int(n, out):
    if 0 <= n <= 0x7F:
        out.append(n)
    elif -32 <= n < 0:
        out.append(n + 0x100)
    elif 0 <= n <= 0xFF:
        out += _pack_u8(0xCC, n)
    elif 0 <= n <= 0xFFFF:
        out += _pack_u16(0xCD, n)
    elif 0 <= n <= 0xFFFFFFFF:
        out += _pack_u32(0xCE, n)
    elif -0x80 <= n < 0:
        out += _pack_i8(0xD0, n)
    elif -0x8000 <= n < 0:
        out += _pack_i16(0xD1, n)
    elif -0x80000000 <= n < 0:
        out += _pack_i32(0xD2, n)
    elif -(2**63) <= n < 2**63:
        out += _pack_i64(0xD3, n)  # as the server writes 64-bit integers (SPEC §3)
    elif 0 <= n < 2**64:
        out += _pack_u64(0xCF, n)
    else:
        raise CodecError(f"msgpack: integer {n} does not fit 64 bits")


def _length(n, fix_base, fix_max, codes, out):
    if fix_base is not None and n <= fix_max:
        out.append(fix_base | n)
    elif codes[0] is not None and n <= 0xFF:
        out += _pack_u8(codes[0], n)
    elif n <= 0xFFFF:
        out += _pack_u16(codes[1], n)
    elif n <= 0xFFFFFFFF:
        out += _pack_u32(codes[2], n)
    else:
        raise CodecError("msgpack: container or string longer than 2**32 - 1")


def _encode(value, out, depth):
    if depth > MAX_DEPTH:
        raise CodecError(f"msgpack: nested deeper than {MAX_DEPTH}")
    if value is None:
        out.append(0xC0)
    elif value is True:
        out.append(0xC3)
    elif value is False:
        out.append(0xC2)
    elif isinstance(value, int):
        _int(value, out)
    elif isinstance(value, float):
        out += _pack_f64(0xCB, value)
    elif isinstance(value, str):
        raw = value.encode("utf-8")
        _length(len(raw), 0xA0, 31, (0xD9, 0xDA, 0xDB), out)
        out += raw
    elif isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        _length(len(raw), None, -1, (0xC4, 0xC5, 0xC6), out)
        out += raw
    elif isinstance(value, dict):
        _length(len(value), 0x80, 15, (None, 0xDE, 0xDF), out)
        for k, v in value.items():
            if not isinstance(k, str):
                raise CodecError(f"msgpack: map key {k!r} is not a string")
            _encode(k, out, depth + 1)
            _encode(v, out, depth + 1)
    elif isinstance(value, (list, tuple)):
        _length(len(value), 0x90, 15, (None, 0xDC, 0xDD), out)
        for v in value:
            _encode(v, out, depth + 1)
    else:
        raise CodecError(f"msgpack: cannot encode {type(value).__name__}")


def packb(value):
    """``value`` (None, bool, int, float, str, bytes, list/tuple, dict with str keys) encoded."""
    out = bytearray()
    _encode(value, out, 0)
    return bytes(out)
