"""Archive requests (ICD §5 mode archive): speed 0 and 2, END, the analysis helpers to a list
and a pandas DataFrame."""

import time

import pytest

import scs_client
from scs_client import NakError

from conftest import ALPHA


@pytest.fixture(scope="module")
def paced(server):
    """Three packets 0.6 s apart on the ERT axis, archived, and the range that holds them."""
    base = time.time_ns() // 1000 - 30_000_000
    erts = [base + k * 600_000 for k in range(3)]
    server.inject(*({"kind": "packet", "n": k, "apid": 300 + k, "vcid": 7, "ert": e} for k, e in enumerate(erts)))
    # The recorder commits every 20 ms: wait until the archive answers with all three.
    deadline = time.monotonic() + 10
    while True:
        got = scs_client.fetch([server.address], "alpha", "alpha-secret", "packets", erts[0], erts[-1] + 1,
                               filter={"vcids": [7]})
        if len(got) == 3 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return erts


def test_speed_0_is_every_record_in_time_order_then_end(server, paced):
    got = scs_client.fetch(
        [server.address], "alpha", "alpha-secret", "packets", paced[0], paced[-1] + 1, filter={"vcids": [7]}
    )
    assert [r.ert for r in got] == paced
    assert [r.apid for r in got] == [300, 301, 302]
    assert all(r.catch_up for r in got)


def test_speed_2_paces_at_twice_real_time(server, paced):
    got = []
    states = []
    with scs_client.Session([server.address], reconnect=False, **ALPHA) as session:
        session.on("freshness", lambda s, p: states.append(s))
        start = time.monotonic()
        for r in session.request("packets", "archive", from_=paced[0], to=paced[-1] + 1, speed=2,
                                 filter={"vcids": [7]}):
            got.append(r)
        elapsed = time.monotonic() - start
    # The loop ended at END; 1.2 s of ERT at 2× takes at least 0.6 s however busy the machine
    # (a lower bound: a late reader only makes it longer).
    assert [r.apid for r in got] == [300, 301, 302]
    assert elapsed >= 0.58
    assert "catching-up" in states and "live" not in states


def test_speed_0_is_not_paced(server, paced):
    start = time.monotonic()
    got = scs_client.fetch([server.address], "alpha", "alpha-secret", "packets", paced[0], paced[-1] + 1,
                           filter={"vcids": [7]}, speed=0)
    assert len(got) == 3
    assert time.monotonic() - start < 10  # well below the 1.2 s × k of any pacing… under load


def test_fetch_dataframe(server, paced):
    pd = pytest.importorskip("pandas")
    df = scs_client.fetch_dataframe(
        [server.address], "alpha", "alpha-secret", "packets", paced[0], paced[-1] + 1, filter={"vcids": [7]}
    )
    assert list(df["apid"]) == [300, 301, 302]
    assert list(df.columns[:10]) == ["seq", "ert", "scet", "station", "scid", "vcid", "apid", "ssc", "quality", "data"]
    assert str(df["ert_utc"].dt.tz) == "UTC"
    assert df["ert_utc"].iloc[0] == pd.Timestamp(paced[0] * 1000, unit="ns", tz="UTC")


def test_archive_times_as_datetime_and_iso_text(server, paced):
    import datetime

    start = datetime.datetime.fromtimestamp(paced[0] // 1_000_000, tz=datetime.timezone.utc)
    iso_end = datetime.datetime.fromtimestamp(paced[-1] / 1e6 + 1, tz=datetime.timezone.utc).isoformat()
    got = scs_client.fetch([server.address], "alpha", "alpha-secret", "packets", start, iso_end,
                           filter={"vcids": [7]})
    assert [r.apid for r in got] == [300, 301, 302]
    with pytest.raises(scs_client.ScsError) as e:
        scs_client.fetch([server.address], "alpha", "alpha-secret", "packets", datetime.datetime(2026, 1, 1))
    assert e.value.code == "ERR_SDK_CONFIG"


def test_async_fetch_and_a_nak(server, paced):
    import asyncio

    got = asyncio.run(scs_client.fetch_async([server.address], "alpha", "alpha-secret", "packets",
                                             paced[0], paced[-1] + 1, filter={"vcids": [7]}))
    assert len(got) == 3
    with pytest.raises(NakError) as e:
        scs_client.fetch([server.address], "alpha", "alpha-secret", "frames", paced[0], time_by="scet")
    assert e.value.code == "INVALID_REQUEST"
