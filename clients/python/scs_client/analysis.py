"""Analysis helpers: an archive request (ICD mode ``archive``) fetched whole, to a list of
typed records or to a pandas DataFrame (pandas is optional; only these helpers need it)."""

import dataclasses

from .aio import AsyncSession
from .records import RECORD_TYPES
from .sync import Session

__all__ = ["fetch", "fetch_async", "fetch_dataframe", "to_dataframe", "TIME_FIELDS"]

#: The µs time fields of each stream, which to_dataframe() also gives as UTC timestamps.
TIME_FIELDS = {
    "frames": ("ert",),
    "packets": ("ert", "scet"),
    "parameters": ("scet", "ert"),
    "events": ("time",),
    "commands": ("release", "time"),
}


def _archive_fields(from_, to, filter, time_by, speed, fields):
    return dict(fields, from_=from_, to=to, filter=filter, time_by=time_by, speed=speed)


def fetch(servers, agency, token, stream, from_, to=None, *, filter=None, time_by=None, speed=None,
          session_options=None, **fields):
    """Every record of ``stream`` in [from_, to) (µs, aware datetime or ISO-8601 text; ``to``
    None: up to now), in time order, as a list of typed records. ``speed`` k paces the replay
    at k × real time (default 0: as fast as we read). Raises NakError or ScsError; an archive
    request is not resumed, so a lost connection is ERR_CONNECTION_LOST."""
    options = dict(session_options or {}, reconnect=False)
    with Session(servers, agency, token, **options) as session:
        out = []
        for batch in session.batches(
            stream, "archive", **_archive_fields(from_, to, filter, time_by, speed, fields)
        ):
            out.extend(batch)
        return out


async def fetch_async(servers, agency, token, stream, from_, to=None, *, filter=None, time_by=None,
                      speed=None, session_options=None, **fields):
    """fetch() for asyncio."""
    options = dict(session_options or {}, reconnect=False)
    async with AsyncSession(servers, agency, token, **options) as session:
        out = []
        async for batch in session.batches(
            stream, "archive", **_archive_fields(from_, to, filter, time_by, speed, fields)
        ):
            out.extend(batch)
        return out


def to_dataframe(records, stream):
    """A pandas DataFrame of records of ``stream``: one column per ICD field (times in µs), plus
    ``<field>_utc`` (pandas UTC timestamps) for each time field. Needs pandas."""
    try:
        import pandas as pd
    except ImportError as err:
        raise ImportError("to_dataframe() needs pandas (Debian: apt-get install python3-pandas)") from err
    names = [f.name for f in dataclasses.fields(RECORD_TYPES[stream]) if f.name != "catch_up"]
    columns = {name: [getattr(r, name) for r in records] for name in names}
    df = pd.DataFrame(columns, columns=names)
    for name in TIME_FIELDS[stream]:
        df[f"{name}_utc"] = pd.to_datetime(df[name].astype("int64"), unit="us", utc=True)
    return df


def fetch_dataframe(servers, agency, token, stream, from_, to=None, **kwargs):
    """fetch() to a pandas DataFrame (see to_dataframe)."""
    return to_dataframe(fetch(servers, agency, token, stream, from_, to, **kwargs), stream)
