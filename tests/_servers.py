"""Real package index servers on 127.0.0.1 for the tests: started, waited for, stopped.

``pypiserver`` serves a folder of distributions as PEP 503 HTML (optionally behind basic
auth from an htpasswd file). Every server listens on 127.0.0.1 on a free port and is stopped
when its context ends.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@contextlib.contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[None]:
    """Run ``server`` on a thread of its own until the context ends; then stop and close it."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Poll ``url`` until it answers (any HTTP status) or the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise TimeoutError(f"server at {url} did not answer within {timeout} s")


@contextlib.contextmanager
def running(command: list[str], probe_url: str, log: Path) -> Iterator[None]:
    """Run a server process until the context ends; its output goes to ``log``."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for(probe_url, process)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass(frozen=True)
class LocalIndex:
    """A running index: its simple URL (ending in /simple/) and where its files are."""

    url: str
    root: Path

    @property
    def host(self) -> str:
        """host:port, for netrc and trusted-host settings."""
        return self.url.split("//", 1)[1].split("/", 1)[0]


@contextlib.contextmanager
def pypiserver(root: Path, *, htpasswd: Path | None = None) -> Iterator[LocalIndex]:
    """Serve ``root`` with pypiserver on 127.0.0.1; with ``htpasswd``, every action needs auth."""
    port = free_port()
    auth = (
        ["-a", "download,list,update", "-P", str(htpasswd)] if htpasswd else ["-a", ".", "-P", "."]
    )
    command = [
        sys.executable,
        "-m",
        "pypiserver",
        "run",
        "-i",
        "127.0.0.1",
        "-p",
        str(port),
        *auth,
        "--disable-fallback",
        "--backend",
        "simple-dir",
        str(root),
    ]
    base = f"http://127.0.0.1:{port}"
    with running(command, f"{base}/health", root.parent / f"pypiserver-{port}.log"):
        yield LocalIndex(url=f"{base}/simple/", root=root)


def write_htpasswd(path: Path, users: dict[str, str]) -> Path:
    """An htpasswd file (bcrypt-free: sha1, which pypiserver's passlib reads)."""
    import base64
    import hashlib

    lines = []
    for user, password in users.items():
        digest = base64.b64encode(hashlib.sha1(password.encode()).digest()).decode()  # noqa: S324 - htpasswd's {SHA} format, test credentials only
        lines.append(f"{user}:{{SHA}}{digest}")
    path.write_text("\n".join(lines) + "\n")
    return path
