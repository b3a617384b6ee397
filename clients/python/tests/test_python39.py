"""The oldest Python the package supports (3.9), when one is on this machine (pyenv's, or
SCS_PYTHON39): a realtime request and an archive fetch against the real server, built-in codec."""

import glob
import os
import subprocess
import textwrap

import pytest

from conftest import ALPHA, PACKAGE


def python39():
    explicit = os.environ.get("SCS_PYTHON39")
    if explicit:
        return explicit
    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.9*/bin/python3.9")))
    return found[-1] if found else None


def test_python_3_9_realtime_and_archive(server):
    py = python39()
    if py is None:
        pytest.skip("no Python 3.9 on this machine (set SCS_PYTHON39)")
    erts = server.frames(901, 902, vcid=12)
    script = textwrap.dedent(
        f"""
        import sys, threading, time, scs_client
        assert sys.version_info[:2] == (3, 9), sys.version
        with scs_client.connect([("127.0.0.1", {server.port})], "{ALPHA['agency']}", "{ALPHA['token']}",
                                codec="builtin") as s:
            got = []
            for r in s.request("frames", since={{since}}, filter={{"vcids": [12]}}):
                got.append(r.vcfc)
                if len(got) == 2:
                    break
        print(got)
        deadline = time.monotonic() + 10
        while True:
            rows = scs_client.fetch([("127.0.0.1", {server.port})], "alpha", "alpha-secret", "frames",
                                    {erts[0]}, {erts[-1] + 1}, filter={{"vcids": [12]}})
            if len(rows) == 2 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        print([r.vcfc for r in rows])
        """
    )
    # Resume from just before the two frames: since = their first seq − 1, found by the archive.
    import scs_client

    deadline = __import__("time").monotonic() + 10
    while True:
        rows = scs_client.fetch([server.address], "alpha", "alpha-secret", "frames", erts[0], erts[-1] + 1,
                                filter={"vcids": [12]})
        if len(rows) == 2 or __import__("time").monotonic() > deadline:
            break
    script = script.replace("{since}", str(rows[0].seq - 1))
    env = dict(os.environ, PYTHONPATH=str(PACKAGE))
    r = subprocess.run([py, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:2] == ["[901, 902]", "[901, 902]"]
