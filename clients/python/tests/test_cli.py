"""python -m scs_client tail|fetch, run as processes against a real server (as test/cli does
for scs tail and scs fetch): output, filters, exit codes."""

import csv
import io
import json
import os
import subprocess
import sys
import threading
import time

import pytest

from conftest import PACKAGE


def run(args, env=None, timeout=60):
    e = dict(os.environ, PYTHONPATH=str(PACKAGE), SCS_AGENCY="alpha", SCS_TOKEN="alpha-secret")
    e.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "scs_client", *args], capture_output=True, text=True, env=e, timeout=timeout
    )


@pytest.fixture(scope="module")
def archived_events(server):
    erts = server.inject(
        {"kind": "event", "severity": "INFO", "message": "cli-a"},
        {"kind": "event", "severity": "ALARM", "message": 'cli-b, "quoted"'},
        {"kind": "event", "severity": "CRITICAL", "message": "cli-c"},
    )
    deadline = time.monotonic() + 10
    while True:
        r = run(["fetch", "--port", str(server.port), "--stream", "events", "--from", str(erts[0]),
                 "--to", str(erts[-1] + 1), "--format", "jsonl", "--quiet"])
        if len(r.stdout.splitlines()) == 3 or time.monotonic() > deadline:
            return erts
        time.sleep(0.05)


def test_tail_prints_live_records_and_exits_after_count(server):
    def feed():
        # Until the tail has connected and printed: the live stream starts at its ACK.
        for k in range(100):
            server.frames(1000 + k, vcid=4)
            time.sleep(0.1)
            if done.is_set():
                return

    done = threading.Event()
    t = threading.Thread(target=feed, daemon=True)
    t.start()
    r = run(["tail", "--port", str(server.port), "--stream", "frames", "--vcid", "4", "--count", "2"])
    done.set()
    t.join()
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 2
    assert " frame TEST scid=42 vc=4 vcfc=" in lines[0] and lines[0].endswith(tuple(f"seq={i}" for i in range(10**6)))
    assert "connected to 127.0.0.1:" in r.stderr


def test_tail_json_lines_carry_bytes_as_base64(server):
    done = threading.Event()

    def feed():
        while not done.wait(0.1):
            server.frames(77, vcid=6)

    t = threading.Thread(target=feed, daemon=True)
    t.start()
    r = run(["tail", "--port", str(server.port), "--stream", "frames", "--vcid", "6", "--count", "1", "--json", "--quiet"])
    done.set()
    t.join()
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout)
    import base64

    assert base64.b64decode(rec["data"]) == bytes([77]) * 64
    assert rec["vcid"] == 6 and "catch_up" not in rec
    assert r.stderr == ""


def test_fetch_events_as_csv_with_minimum_severity(server, archived_events, tmp_path):
    out = tmp_path / "ev.csv"
    r = run(["fetch", "--port", str(server.port), "--stream", "events", "--severity", "ALARM",
             "--from", str(archived_events[0]), "--to", str(archived_events[-1] + 1), "--out", str(out)])
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert rows[0] == ["seq", "time", "time_iso", "severity", "source", "type", "message", "parameter", "value"]
    assert [(x[3], x[6]) for x in rows[1:]] == [("ALARM", 'cli-b, "quoted"'), ("CRITICAL", "cli-c")]
    assert rows[1][2].endswith("Z") and len(rows[1][2]) == len("2026-12-08T00:00:00.000000Z")
    assert f"2 records" in r.stderr and str(out) in r.stderr
    assert not (tmp_path / "ev.csv.part").exists()


def test_fetch_into_a_directory_names_the_file(server, archived_events, tmp_path):
    r = run(["fetch", "--port", str(server.port), "--stream", "events", "--from", str(archived_events[0]),
             "--to", str(archived_events[-1] + 1), "--format", "jsonl", "--out", str(tmp_path) + "/"])
    assert r.returncode == 0, r.stderr
    (name,) = os.listdir(tmp_path)
    assert name.startswith("events_") and name.endswith(".jsonl") and len(name) == len("events_yyyymmddhhmmss.jsonl")


def test_exit_codes(server, small_server, tmp_path):
    refused = run(["fetch", "--port", str(server.port), "--stream", "frames", "--from", "now-1h"],
                  env={"SCS_AGENCY": "beta", "SCS_TOKEN": "beta-secret"})
    assert refused.returncode == 3 and "FORBIDDEN" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    unavailable = run(["fetch", "--port", str(small_server.port), "--from", "now-1h", "--out", str(tmp_path / "x.csv")])
    assert unavailable.returncode == 3 and "ARCHIVE_UNAVAILABLE" in unavailable.stderr
    assert os.listdir(tmp_path) == []  # nothing is left on a failure
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()
    lost = run(["tail", "--port", str(dead), "--retries", "0"])
    assert lost.returncode == 4 and "ERR_NO_SERVER" in lost.stderr
    usage = run(["fetch", "--stream", "events", "--from", "yesterday"])
    assert usage.returncode == 2 and "--from" in usage.stderr
    usage = run(["tail", "--stream", "events", "--param", "X"])
    assert usage.returncode == 2 and "--param applies to --stream parameters" in usage.stderr
    no_token = run(["tail"], env={"SCS_TOKEN": ""})
    assert no_token.returncode == 2 and "--token" in no_token.stderr
    helped = run(["fetch", "--help"])
    assert helped.returncode == 0 and "--speed" in helped.stdout and "Exit codes" in helped.stdout


def test_fetch_stdout_closed_by_its_reader_is_a_quiet_exit_0(server, archived_events):
    e = dict(os.environ, PYTHONPATH=str(PACKAGE), SCS_AGENCY="alpha", SCS_TOKEN="alpha-secret")
    p = subprocess.Popen(
        [sys.executable, "-m", "scs_client", "fetch", "--port", str(server.port), "--stream", "events",
         "--from", str(archived_events[0]), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e,
    )
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait(60) == 0, err
    assert err == ""
