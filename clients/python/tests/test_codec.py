"""Codecs and framing without a server: protocol/SPEC.md's worked examples decoded byte for
byte, both msgpack paths, the decoder fed whole, byte by byte and in random splits, and the
profile's refusals."""

import json
import random
import re
import struct
import zlib

import pytest

from scs_client import ProtocolError
from scs_client import _msgpack
from scs_client.codec import BUILTIN, MSGPACK, get_codec
from scs_client.frame import ACK, DATA, HEARTBEAT, REQUEST, FrameDecoder, encode_message
from scs_client.records import ParameterRecord, records_from_maps

from conftest import REPO

SPEC = (REPO / "protocol" / "SPEC.md").read_text(encoding="utf-8")
EXAMPLE = re.compile(r"^### (\w+) \(0x([0-9a-f]{2})\).*?```json\n(.*?)\n```\s*```hex\n(.*?)\n```", re.M | re.S)
EXAMPLES = [
    (name, int(code, 16), json.loads(body), bytes.fromhex(re.sub(r"\s+", "", hexa)))
    for name, code, body, hexa in EXAMPLE.findall(SPEC)
]


def test_spec_has_the_four_worked_examples():
    assert [(n, t) for n, t, _, _ in EXAMPLES] == [
        ("REQUEST", REQUEST),
        ("ACK", ACK),
        ("DATA", DATA),
        ("HEARTBEAT", HEARTBEAT),
    ]


@pytest.mark.parametrize("name,type_,body,frame", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_spec_example_decodes_to_its_json(name, type_, body, frame, codec):
    messages = FrameDecoder(codec=get_codec(codec)).feed(frame)
    assert len(messages) == 1
    m = messages[0]
    assert m.type == type_ and m.flags == 0
    assert m.body == body
    # The header fields SPEC.md states: sender seq, time in µs.
    seq, dt = {"REQUEST": (0, 0), "ACK": (0, 250), "DATA": (1, 1000), "HEARTBEAT": (2, 2_001_000)}[name]
    assert (m.seq, m.time) == (seq, 1_700_000_000_000_000 + dt)
    # The CRC is zlib's (ISO-HDLC), over the header and the body.
    assert zlib.crc32(frame[:-4]) == struct.unpack(">I", frame[-4:])[0]


@pytest.mark.parametrize("name,type_,body,frame", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_spec_example_re_encodes_byte_for_byte_with_the_builtin_codec(name, type_, body, frame):
    m = FrameDecoder(codec=BUILTIN).feed(frame)[0]
    assert encode_message(type_, m.seq, m.time, body, codec=BUILTIN, max_body=4 << 20) == frame


def test_spec_request_encodes_byte_for_byte_with_either_codec(codec):
    name, type_, body, frame = EXAMPLES[0]
    assert encode_message(REQUEST, 0, 1_700_000_000_000_000, body, codec=get_codec(codec)) == frame


def test_spec_data_example_to_a_typed_record(codec):
    m = FrameDecoder(codec=get_codec(codec)).feed(EXAMPLES[2][3])[0]
    (r,) = records_from_maps("parameters", m.body["records"])
    assert r == ParameterRecord(42, "BAT_V", 1700000000000900, 1700000000000950, 3012, 28.5, "OK", 0, "V")
    assert isinstance(r.eng, float) and isinstance(r.raw, int)


def test_crc_check_value():
    assert zlib.crc32(b"123456789") == 0xCBF43926


def all_frames():
    return b"".join(frame for _, _, _, frame in EXAMPLES)


def test_decoder_fed_whole_byte_by_byte_and_in_random_splits(codec):
    stream = all_frames() * 3
    whole = FrameDecoder(codec=get_codec(codec)).feed(stream)
    assert [m.type for m in whole] == [REQUEST, ACK, DATA, HEARTBEAT] * 3
    d = FrameDecoder(codec=get_codec(codec))
    one = [m for i in range(len(stream)) for m in d.feed(stream[i : i + 1])]
    assert [(m.type, m.body) for m in one] == [(m.type, m.body) for m in whole]
    rnd = random.Random(7)
    for _ in range(20):
        d = FrameDecoder(codec=get_codec(codec))
        got, pos = [], 0
        while pos < len(stream):
            n = rnd.randint(1, 200)
            got += d.feed(stream[pos : pos + n])
            pos += n
        assert [(m.type, m.body) for m in got] == [(m.type, m.body) for m in whole]
        assert d.buffered == 0


def test_decoder_refuses_at_once_and_stays_failed():
    d = FrameDecoder()
    with pytest.raises(ProtocolError) as e:
        d.feed(b"GET / HTTP/1.1\r\n")
    assert e.value.code == "ERR_MALFORMED_FRAME"
    with pytest.raises(ProtocolError):
        d.feed(EXAMPLES[1][3])  # no resynchronisation
    d = FrameDecoder()
    with pytest.raises(ProtocolError) as e:
        d.feed(bytes.fromhex("1acffc1d02"))
    assert e.value.code == "ERR_UNSUPPORTED_VERSION"
    d = FrameDecoder(max_body=100)
    with pytest.raises(ProtocolError) as e:
        d.feed(struct.pack(">IBBHIQI", 0x1ACFFC1D, 1, DATA, 0, 0, 0, 101))
    assert e.value.code == "ERR_TOO_LARGE"
    bad = bytearray(EXAMPLES[3][3])
    bad[30] ^= 1
    with pytest.raises(ProtocolError) as e:
        FrameDecoder().feed(bytes(bad))
    assert e.value.code == "ERR_CRC"


def test_flags_are_ignored_and_an_empty_body_is_none():
    head = struct.pack(">IBBHIQI", 0x1ACFFC1D, 1, 0x7F, 0xFFFF, 9, 5, 0)
    frame = head + struct.pack(">I", zlib.crc32(head))
    (m,) = FrameDecoder().feed(frame)
    assert (m.type, m.flags, m.seq, m.body, m.name) == (0x7F, 0xFFFF, 9, None, "0x7f")


VALUES = [
    0, 1, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**53 - 1, -1, -32, -33, -128, -129,
    -(2**15), -(2**31), -(2**31) - 1, -(2**53), 0.5, -1e300, "", "a" * 31, "b" * 32, "ü" * 200,
    "c" * 70000, b"", b"\x00" * 300, b"\xff" * 70000, None, True, False, [], list(range(20)),
    {"k": {"n": [1, {"x": b"y"}]}}, {f"k{i}": i for i in range(20)},
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_builtin_round_trips_and_agrees_with_msgpack(value):
    packed = _msgpack.packb(value)
    assert _msgpack.unpackb(packed) == value
    if MSGPACK is not None:
        import msgpack

        assert msgpack.unpackb(packed, raw=False) == value
        assert _msgpack.unpackb(msgpack.packb(value, use_bin_type=True)) == value


def test_builtin_reads_every_integer_encoding():
    cases = {
        "00": 0, "7f": 127, "e0": -32, "cc80": 128, "cd0100": 256, "ce00010000": 65536,
        "cf0000000100000000": 2**32, "d0ff": -1, "d1ff7f": -129, "d2ffff7fff": -32769,
        "d3fffffffeffffffff": -(2**32) - 1, "d3000000000000002a": 42, "ca3fc00000": 1.5,
    }
    for hexa, want in cases.items():
        assert _msgpack.unpackb(bytes.fromhex(hexa)) == want, hexa


@pytest.mark.parametrize(
    "hexa,why",
    [
        ("c1", "0xc1"),
        ("d6ff00000001", "extension"),
        ("c70100ff", "extension"),
        ("81 01 02", "not a string"),
        ("92 01", "truncated"),
        ("a3 61 62", "truncated"),
        ("01 02", "after the value"),
        ("a2 c3 28", "UTF-8"),
        ("91" * 33 + "00", "deeper"),
    ],
)
def test_builtin_refuses_what_the_profile_excludes(hexa, why):
    with pytest.raises(_msgpack.CodecError, match=why):
        _msgpack.unpackb(bytes.fromhex(hexa.replace(" ", "")))


def test_a_body_that_is_not_a_map_is_refused_by_both_codecs(codec):
    c = get_codec(codec)
    for raw in (bytes.fromhex("93010203"), bytes.fromhex("c70100ff"), bytes.fromhex("c1")):
        with pytest.raises(ProtocolError) as e:
            c.unpackb(raw)
        assert e.value.code == "ERR_MALFORMED_BODY"


def test_the_builtin_writes_large_integers_as_int64_as_the_server_does():
    assert _msgpack.packb(2**32) == bytes.fromhex("d30000000100000000")
    assert _msgpack.packb(2**32 - 1) == bytes.fromhex("ceffffffff")
    assert _msgpack.packb(-(2**31)) == bytes.fromhex("d280000000")
