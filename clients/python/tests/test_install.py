"""`pip install ./clients/python` with no package index: into a fresh venv (pip's isolated
build, which downloads nothing: the backend is in the tree), and with --no-build-isolation into
a target directory. The venv has no msgpack, so its client runs on the built-in codec: it
fetches from the real server there, end to end."""

import os
import subprocess
import sys
import textwrap

from conftest import PACKAGE

OFFLINE = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_CACHE_DIR="1")
OFFLINE.pop("PYTHONPATH", None)


def test_pip_install_into_a_venv_offline_then_the_builtin_codec_talks_to_the_server(tmp_path, server):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=OFFLINE, timeout=120)
    python = str(venv / "bin" / "python")
    r = subprocess.run([python, "-m", "pip", "install", "-q", str(PACKAGE)], env=OFFLINE,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    erts = server.frames(501, 502, vcid=11)
    script = textwrap.dedent(
        f"""
        import importlib.util, time, scs_client
        assert importlib.util.find_spec("msgpack") is None
        assert scs_client.default_codec().name == "builtin"
        assert "site-packages" in scs_client.__file__
        deadline = time.monotonic() + 10
        while True:
            got = scs_client.fetch([("127.0.0.1", {server.port})], "alpha", "alpha-secret", "frames",
                                   {erts[0]}, {erts[-1] + 1}, filter={{"vcids": [11]}})
            if len(got) == 2 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        print([r.vcfc for r in got])
        """
    )
    run = subprocess.run([python, "-c", script], env=OFFLINE, capture_output=True, text=True, timeout=120,
                         cwd=str(tmp_path))
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[501, 502]"
    cli = subprocess.run([str(venv / "bin" / "scs-client"), "fetch", "--help"], capture_output=True, text=True)
    assert cli.returncode == 0 and "--speed" in cli.stdout


def test_pip_install_without_build_isolation_into_a_target(tmp_path):
    target = tmp_path / "site"
    r = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation", "--target", str(target), str(PACKAGE)],
        env=OFFLINE, capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert (target / "scs_client" / "aio.py").exists()
    assert any(p.name.startswith("scs_client-0.1.0.dist-info") for p in target.iterdir())
    check = subprocess.run([sys.executable, "-c", "import scs_client; print(scs_client.__file__)"],
                           env=dict(OFFLINE, PYTHONPATH=str(target)), capture_output=True, text=True, cwd=str(tmp_path))
    assert check.stdout.strip().startswith(str(target))
