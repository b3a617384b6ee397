"""Real SCS servers for the Python client's tests: each one is test/support/py-server.ts run
by the project's Node (24, from node_modules), on free loopback ports, driven over its stdin."""

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent
REPO = PACKAGE.parent.parent
sys.path.insert(0, str(PACKAGE))

LAUNCHER = REPO / "test" / "support" / "py-server.ts"


def node():
    """The project's Node: SCS_NODE (set by the mocha runner), node_modules/.bin, or PATH's."""
    explicit = os.environ.get("SCS_NODE")
    if explicit:
        return explicit
    local = REPO / "node_modules" / ".bin" / "node"
    if local.exists():
        return str(local)
    return shutil.which("node") or "node"


class ServerProcess:
    """One SCS server process. ``port``; ``names`` the parameter names (dictionary order)."""

    def __init__(self, options=None):
        self.options = options or {}
        self._proc = subprocess.Popen(
            [node(), str(LAUNCHER), json.dumps(self.options)],
            cwd=str(REPO),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
            text=True,
            bufsize=1,
        )
        self._lock = threading.Lock()
        self._next = 0
        ready = self._proc.stdout.readline()
        if not ready:
            raise RuntimeError(f"SCS test server did not start (exit {self._proc.wait(10)})")
        info = json.loads(ready)
        self.port = info["port"]
        self.http_port = info["httpPort"]
        self.state_dir = info["stateDir"]
        self.names = info["names"]
        self.closed = False

    @property
    def address(self):
        return ("127.0.0.1", self.port)

    def command(self, op, **fields):
        with self._lock:
            self._next += 1
            self._proc.stdin.write(json.dumps(dict(fields, id=self._next, op=op)) + "\n")
            self._proc.stdin.flush()
            line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError(f"SCS test server ended during {op}")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"{op}: {answer['error']}")
        return answer

    def inject(self, *records):
        """Records as dicts: {kind: frame, n, vcid?} | {kind: packet, n, apid, vcid?} |
        {kind: sample, param, eng} | {kind: event, severity, message}; returns their ERTs."""
        return self.command("inject", records=list(records))["erts"]

    def frames(self, *ns, vcid=0):
        return self.inject(*({"kind": "frame", "n": n, "vcid": vcid} for n in ns))

    def archived(self, stream, seq):
        self.command("archived", stream=stream, seq=seq)

    def link(self, up):
        self.command("link", up=up)

    def restart(self):
        self.command("restart")

    def close(self):
        if self.closed:
            return
        self.closed = True
        try:
            self.command("close")
        except (RuntimeError, BrokenPipeError, OSError):
            pass
        try:
            self._proc.stdin.close()
        except OSError:
            pass
        try:
            self._proc.wait(15)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._proc.stdout.close()


#: A few agencies besides the test ones (test/support/server.ts): one with a one-connection cap.
EXTRA_AGENCIES = {
    "solo": {"token": "solo-secret", "maxConnections": 1, "streams": ["frames", "events"]},
}


@pytest.fixture(scope="session")
def server():
    """The shared server: archive on (commits every 20 ms), heartbeats every 400 ms."""
    s = ServerProcess(
        {
            "archive": {"enabled": True, "commitMs": 20},
            "server": {"heartbeatMs": 400},
            "agencies": EXTRA_AGENCIES,
        }
    )
    yield s
    s.close()


@pytest.fixture(scope="session")
def small_server():
    """No archive, at most 2 clients, a 300 ms request timeout: the NAKs of those limits."""
    s = ServerProcess({"server": {"maxClients": 2, "requestTimeoutMs": 300}})
    yield s
    s.close()


@pytest.fixture
def make_server():
    """Servers of the test's own, closed at its end."""
    made = []

    def make(options=None):
        s = ServerProcess(options)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


ALPHA = {"agency": "alpha", "token": "alpha-secret"}


@pytest.fixture(params=["msgpack", "builtin"])
def codec(request):
    """Both codec paths: the msgpack package (when installed) and the built-in one."""
    from scs_client.codec import MSGPACK

    if request.param == "msgpack" and MSGPACK is None:
        pytest.skip("the msgpack package is not installed")
    return request.param
