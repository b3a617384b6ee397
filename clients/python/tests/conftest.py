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


@pytest.fixture(scope="session")
def second_server():
    """Another server, no archive: the one to fail over to, or to move to."""
    s = ServerProcess({"server": {"heartbeatMs": 400}})
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


class Relay:
    """A TCP relay between clients and a server, to cut, block or freeze the path: a network
    the test controls (as test/sdk/relay.ts does for the TypeScript SDK)."""

    def __init__(self, target):
        import socket

        self.target = target
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self._pairs = []
        self._blocked = False
        self._frozen = False
        self._closed = False
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def address(self):
        return ("127.0.0.1", self.port)

    def _accept(self):
        import socket

        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._blocked:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            self.accepted += 1
            pair = (client, upstream)
            self._pairs.append(pair)
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

    def _pump(self, src, dst, downstream):
        import time

        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                while downstream and self._frozen:
                    time.sleep(0.01)
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.close()
            except OSError:
                pass

    def cut(self):
        """Closes every relayed connection (a network failure)."""
        import socket

        for pair in self._pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
        self._pairs = []

    def block(self, blocked=True):
        """New connections are accepted and closed at once while blocked."""
        self._blocked = blocked

    def freeze(self, frozen=True):
        """Nothing from the server reaches the clients (the connection stays open)."""
        self._frozen = frozen

    def close(self):
        self._closed = True
        self._frozen = False
        self._listener.close()
        self.cut()


@pytest.fixture
def relay():
    made = []

    def make(target):
        r = Relay(target)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def pytest_runtest_logreport(report):
    """With SCS_PYTEST_REPORT set (the mocha runner, test/python/client.test.ts), one JSON line
    per test phase, so that each pytest test is one mocha test in `npm test`'s count."""
    path = os.environ.get("SCS_PYTEST_REPORT")
    if not path:
        return
    line = {"nodeid": report.nodeid, "when": report.when, "outcome": report.outcome,
            "duration": report.duration}
    if report.failed:
        line["message"] = str(report.longrepr)[-6000:]
    elif report.skipped and isinstance(report.longrepr, tuple):
        line["message"] = report.longrepr[2]
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")
