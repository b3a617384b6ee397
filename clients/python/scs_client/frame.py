"""ICD-001 §2 message frames: a 24-byte big-endian header, a msgpack body, a CRC-32.

:func:`encode_message` builds one frame; :class:`FrameDecoder` splits a TCP byte stream into
:class:`Message` objects, fed chunk by chunk in any split. Receiving is strict, in the order
protocol/SPEC.md §4 gives: sync and version as soon as their bytes arrive, the length against
the cap as soon as the header is complete (before any body byte is buffered), then the CRC,
then msgpack. The first failure raises :class:`ProtocolError` and the decoder stays failed:
the ICD does not resynchronise a TCP stream.
"""

import struct
import zlib

from .codec import default_codec
from .errors import ProtocolError

__all__ = [
    "SYNC",
    "VERSION",
    "HEADER_BYTES",
    "TRAILER_BYTES",
    "MAX_CLIENT_BODY",
    "MAX_SERVER_BODY",
    "REQUEST",
    "ACK",
    "NAK",
    "DATA",
    "HEARTBEAT",
    "END",
    "PING",
    "PONG",
    "BYE",
    "TYPE_NAMES",
    "Message",
    "FrameDecoder",
    "encode_message",
]

SYNC = 0x1ACFFC1D
VERSION = 1
HEADER_BYTES = 24
TRAILER_BYTES = 4
#: Largest body a client may send (ICD §2).
MAX_CLIENT_BODY = 65_536
#: Largest body the server may send (ICD §2).
MAX_SERVER_BODY = 4 * 1024 * 1024

REQUEST = 0x01
ACK = 0x02
NAK = 0x03
DATA = 0x10
HEARTBEAT = 0x11
END = 0x12
PING = 0x20
PONG = 0x21
BYE = 0x30
TYPE_NAMES = {
    REQUEST: "REQUEST",
    ACK: "ACK",
    NAK: "NAK",
    DATA: "DATA",
    HEARTBEAT: "HEARTBEAT",
    END: "END",
    PING: "PING",
    PONG: "PONG",
    BYE: "BYE",
}

_HEADER = struct.Struct(">IBBHIQI")
_CRC = struct.Struct(">I")
_SYNC_BYTES = _CRC.pack(SYNC)


class Message:
    """One received message: header fields and the decoded body (a dict, or None when empty)."""

    __slots__ = ("type", "flags", "seq", "time", "body")

    def __init__(self, type, flags, seq, time, body):
        self.type = type
        self.flags = flags
        self.seq = seq
        self.time = time
        self.body = body

    @property
    def name(self):
        return TYPE_NAMES.get(self.type, f"0x{self.type:02x}")

    def __repr__(self):
        return f"<Message {self.name} seq={self.seq} time={self.time} body={self.body!r}>"


def encode_message(type, seq, time_us, body, codec=None, max_body=MAX_CLIENT_BODY):
    """One complete frame: header, ``body`` (a dict, or None for an empty body), CRC.

    ``seq`` is taken mod 2**32; ``time_us`` is µs since the epoch. A body over ``max_body``
    bytes (65,536 for a client, ICD §2) raises ProtocolError ERR_TOO_LARGE before anything is sent.
    """
    payload = b"" if body is None else (codec or default_codec()).packb(body)
    if len(payload) > max_body:
        raise ProtocolError("ERR_TOO_LARGE", f"body of {len(payload)} bytes exceeds {max_body}")
    head = _HEADER.pack(SYNC, VERSION, type, 0, seq & 0xFFFFFFFF, time_us, len(payload))
    crc = zlib.crc32(payload, zlib.crc32(head))
    return head + payload + _CRC.pack(crc)


class FrameDecoder:
    """Resumable decoder of the frames in a byte stream. ``feed(chunk)`` returns the messages
    the bytes so far complete (possibly none); a partial frame waits for the next chunk."""

    def __init__(self, max_body=MAX_SERVER_BODY, codec=None):
        self.max_body = max_body
        self.codec = codec or default_codec()
        self._buf = bytearray()
        self._failed = None

    def feed(self, chunk):
        if self._failed is not None:
            raise self._failed
        buf = self._buf
        buf += chunk
        out = []
        pos = 0
        n = len(buf)
        unpack_header = _HEADER.unpack_from
        unpackb = self.codec.unpackb
        try:
            while True:
                left = n - pos
                if left < HEADER_BYTES:
                    self._check_partial_header(buf, pos, left)
                    break
                sync, version, type_, flags, seq, time_us, length = unpack_header(buf, pos)
                if sync != SYNC:
                    raise ProtocolError("ERR_MALFORMED_FRAME", f"bad sync marker 0x{sync:08x}")
                if version != VERSION:
                    raise ProtocolError("ERR_UNSUPPORTED_VERSION", f"unsupported version {version}")
                if length > self.max_body:
                    raise ProtocolError(
                        "ERR_TOO_LARGE", f"body of {length} bytes announced, over {self.max_body}"
                    )
                end = pos + HEADER_BYTES + length
                if n < end + TRAILER_BYTES:
                    break
                view = memoryview(buf)
                try:
                    crc = zlib.crc32(view[pos:end])
                    (want,) = _CRC.unpack_from(buf, end)
                    if crc != want:
                        raise ProtocolError(
                            "ERR_CRC", f"CRC mismatch: computed 0x{crc:08x}, frame says 0x{want:08x}"
                        )
                    body = unpackb(view[pos + HEADER_BYTES : end]) if length else None
                finally:
                    view.release()
                out.append(Message(type_, flags, seq, time_us, body))
                pos = end + TRAILER_BYTES
        except ProtocolError as err:
            self._failed = err
            raise
        finally:
            if pos:
                del buf[:pos]
        return out

    @staticmethod
    def _check_partial_header(buf, pos, left):
        # The sync marker and the version are checked as soon as their bytes arrive: a peer
        # that is not an SCS server is refused at once, not after a whole header.
        k = min(left, 4)
        if buf[pos : pos + k] != _SYNC_BYTES[:k]:
            raise ProtocolError("ERR_MALFORMED_FRAME", "bad sync marker")
        if left >= 5 and buf[pos + 4] != VERSION:
            raise ProtocolError("ERR_UNSUPPORTED_VERSION", f"unsupported version {buf[pos + 4]}")

    @property
    def buffered(self):
        """Bytes held of a frame not yet complete."""
        return len(self._buf)
