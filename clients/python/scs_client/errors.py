"""Errors of the client. A server's NAK is a :class:`NakError` whose ``code`` is the ICD
NAK code (ICD-001 §4); everything the client decides itself is an :class:`ScsError` with an
``ERR_*`` code."""

__all__ = [
    "NAK_CODES",
    "NakError",
    "ProtocolError",
    "ScsError",
    "ERR_CONFIG",
    "ERR_NO_SERVER",
    "ERR_CONNECTION_LOST",
    "ERR_SERVER_LOST",
    "ERR_PROTOCOL",
    "ERR_BUSY",
    "ERR_CLOSED",
    "ERR_TIMEOUT",
]

#: The NAK codes of ICD-001 §4.
NAK_CODES = (
    "MALFORMED",
    "UNSUPPORTED_VERSION",
    "TOO_LARGE",
    "UNEXPECTED_MESSAGE",
    "TIMEOUT",
    "INVALID_REQUEST",
    "AUTH_FAILED",
    "FORBIDDEN",
    "UNKNOWN_PARAMETER",
    "ARCHIVE_UNAVAILABLE",
    "AGENCY_FULL",
    "SERVER_FULL",
    "INTERNAL",
)

#: connect() options are not usable (no server, bad port, empty agency…).
ERR_CONFIG = "ERR_SDK_CONFIG"
#: Every configured server failed, in every reconnect round allowed.
ERR_NO_SERVER = "ERR_NO_SERVER"
#: The connection ended and the request cannot be resumed (reconnect off, or an archive request).
ERR_CONNECTION_LOST = "ERR_CONNECTION_LOST"
#: Nothing received for 2 × heartbeatMs + 1 s (ICD §7): the connection is dropped.
ERR_SERVER_LOST = "ERR_SERVER_LOST"
#: The server sent something ICD-001 does not allow (a broken frame, DATA of another stream…).
ERR_PROTOCOL = "ERR_SDK_PROTOCOL"
#: request() while another request of the session is still being iterated.
ERR_BUSY = "ERR_SESSION_BUSY"
#: The session was closed.
ERR_CLOSED = "ERR_SESSION_CLOSED"
#: No ACK or NAK within answer_timeout, or no TCP connection within connect_timeout.
ERR_TIMEOUT = "ERR_TIMEOUT"


class ScsError(Exception):
    """An error with a code: ``ERR_*`` from the client, or a NAK code for :class:`NakError`."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self):
        return f"{self.code}: {self.message}"


class NakError(ScsError):
    """The server refused a REQUEST (NAK): ``code`` from ICD §4, ``reason`` its text,
    ``request_seq`` the seq of the REQUEST it answers when the server says."""

    def __init__(self, code, reason, request_seq=None):
        super().__init__(code, reason)
        self.reason = reason
        self.request_seq = request_seq

    @classmethod
    def from_body(cls, body):
        body = body if isinstance(body, dict) else {}
        code = body.get("code")
        reason = body.get("reason")
        rs = body.get("requestSeq")
        return cls(
            code if isinstance(code, str) else "UNKNOWN",
            reason if isinstance(reason, str) else "",
            rs if isinstance(rs, int) and not isinstance(rs, bool) else None,
        )


class ProtocolError(ScsError):
    """Bytes from the server that break ICD-001 §2 (sync, version, length, CRC, msgpack) or
    a body of the wrong shape. The connection is closed at the first one (no resync)."""
