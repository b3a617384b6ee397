"""MessagePack for message bodies: the ``msgpack`` package when it is installed (Debian's
python3-msgpack, C-accelerated), else the built-in codec of the ICD's subset
(:mod:`scs_client._msgpack`). Both refuse extension types and non-string map keys.

``SCS_CLIENT_CODEC=builtin`` (or ``msgpack``) in the environment forces one; every
session also takes ``codec=``.
"""

import os

from . import _msgpack
from .errors import ProtocolError

__all__ = ["Codec", "BUILTIN", "MSGPACK", "default_codec", "get_codec"]


class Codec:
    """Encodes and decodes one body (a map). ``name`` is ``"msgpack"`` or ``"builtin"``."""

    __slots__ = ("name", "packb", "_unpackb")

    def __init__(self, name, packb, unpackb):
        self.name = name
        self.packb = packb
        self._unpackb = unpackb

    def unpackb(self, data):
        """The map ``data`` holds; ProtocolError ERR_MALFORMED_BODY for anything else."""
        try:
            value = self._unpackb(data)
        except Exception as err:  # every codec failure is one kind of error for the caller
            raise ProtocolError("ERR_MALFORMED_BODY", f"body is not valid msgpack: {err}") from None
        if not isinstance(value, dict):
            raise ProtocolError("ERR_MALFORMED_BODY", "body is not a msgpack map")
        return value

    def __repr__(self):
        return f"<Codec {self.name}>"


BUILTIN = Codec("builtin", _msgpack.packb, _msgpack.unpackb)


def _msgpack_codec():
    try:
        import msgpack
    except ImportError:
        return None

    def no_ext(code, data):
        raise ValueError(f"extension type {code} (the ICD profile has none)")

    def unpackb(data):
        return msgpack.unpackb(
            data, raw=False, strict_map_key=True, use_list=True, ext_hook=no_ext
        )

    def packb(value):
        return msgpack.packb(value, use_bin_type=True)

    return Codec("msgpack", packb, unpackb)


#: The msgpack package's codec, or None when it is not installed.
MSGPACK = _msgpack_codec()


def get_codec(name=None):
    """A codec by name (``"msgpack"``, ``"builtin"``), or the default one for None."""
    if name is None:
        return default_codec()
    if isinstance(name, Codec):
        return name
    if name == "builtin":
        return BUILTIN
    if name == "msgpack":
        if MSGPACK is None:
            raise ImportError("codec 'msgpack' asked for, but the msgpack package is not installed")
        return MSGPACK
    raise ValueError(f"codec must be 'msgpack' or 'builtin', got {name!r}")


def default_codec():
    forced = os.environ.get("SCS_CLIENT_CODEC")
    if forced:
        return get_codec(forced)
    return MSGPACK if MSGPACK is not None else BUILTIN
