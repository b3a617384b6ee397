"""scs_client: a Python client of SCS, the spacecraft telemetry distribution server
(interface contract ICD-001 rev B).

Blocking::

    import scs_client
    with scs_client.connect(servers=["scs-a:7300", "scs-b:7300"], agency="science",
                            token="…") as session:
        for p in session.request("parameters", filter={"parameters": ["EPS.*"]}):
            print(p.name, p.eng, p.unit or "", session.freshness)

asyncio: ``await scs_client.connect_async(...)`` and ``async for`` over ``session.request(...)``.
Archive to a list or a pandas DataFrame: :func:`fetch`, :func:`fetch_dataframe`.
"""

from .aio import AsyncSession, ConnectInfo, DisconnectInfo, GapInfo, connect_async
from .analysis import fetch, fetch_async, fetch_dataframe, to_dataframe
from .codec import BUILTIN, MSGPACK, default_codec, get_codec
from .errors import NAK_CODES, NakError, ProtocolError, ScsError
from .freshness import CATCHING_UP, LIVE, LOST, STALE
from .records import (
    STREAMS,
    CommandRecord,
    EventRecord,
    FrameRecord,
    PacketRecord,
    ParameterRecord,
)
from .settings import Reconnect
from .sync import Session, connect

__version__ = "0.1.0"

__all__ = [
    "AsyncSession",
    "BUILTIN",
    "CATCHING_UP",
    "CommandRecord",
    "ConnectInfo",
    "DisconnectInfo",
    "EventRecord",
    "FrameRecord",
    "GapInfo",
    "LIVE",
    "LOST",
    "MSGPACK",
    "NAK_CODES",
    "NakError",
    "PacketRecord",
    "ParameterRecord",
    "ProtocolError",
    "Reconnect",
    "STALE",
    "STREAMS",
    "ScsError",
    "Session",
    "connect",
    "connect_async",
    "default_codec",
    "fetch",
    "fetch_async",
    "fetch_dataframe",
    "get_codec",
    "to_dataframe",
]
