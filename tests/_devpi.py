"""A devpi-server on 127.0.0.1 for the tests: a PEP 691 JSON (and PEP 503 HTML) index.

``devpi_index(root_dir, files)`` initialises a server directory, runs ``devpi-server
--offline-mode``, creates a user and a non-mirror index without bases over devpi's HTTP API,
uploads the given distributions, and stops the server when the context ends.
"""

from __future__ import annotations

import base64
import contextlib
import json
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from tests._servers import LocalIndex, free_port, running

USER = "tester"
PASSWORD = "fake-devpi-password"
INDEX = "dev"
_JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


def _devpi_command(name: str) -> list[str]:
    """The devpi console script next to this interpreter (or on PATH)."""
    beside = Path(sys.executable).with_name(name)
    return [str(beside)] if beside.exists() else [name]


def _call(
    method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
) -> bytes:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        data: bytes = response.read()
        return data


def _multipart(fields: dict[str, str], file_field: str, path: Path) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for key, value in fields.items():
        header = f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
        parts.append(f"{header}{value}\r\n".encode())
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
            f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + path.read_bytes()
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _name_and_version(path: Path) -> tuple[str, str]:
    from packaging.utils import parse_sdist_filename, parse_wheel_filename

    if path.name.endswith(".whl"):
        name, version, _, _ = parse_wheel_filename(path.name)
    else:
        name, version = parse_sdist_filename(path.name)
    return str(name), str(version)


@contextlib.contextmanager
def devpi_server(workdir: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A fresh devpi-server with the user ``USER`` logged in: (its base URL, the auth header)."""
    serverdir = workdir / "devpi-server"
    subprocess.run(
        [*_devpi_command("devpi-init"), "--serverdir", str(serverdir), "--no-root-pypi"],
        check=True,
        capture_output=True,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        *_devpi_command("devpi-server"),
        *("--serverdir", str(serverdir), "--host", "127.0.0.1", "--port", str(port)),
        "--offline-mode",
    ]
    with running(command, f"{base}/+api", workdir / f"devpi-{port}.log"):
        _call(
            "PUT",
            f"{base}/{USER}",
            body=json.dumps({"password": PASSWORD, "email": "t@example.com"}).encode(),
            headers=_JSON_HEADERS,
        )
        login = json.loads(
            _call(
                "POST",
                f"{base}/+login",
                body=json.dumps({"user": USER, "password": PASSWORD}).encode(),
                headers=_JSON_HEADERS,
            )
        )
        token = login["result"]["password"]
        yield base, {"X-Devpi-Auth": base64.b64encode(f"{USER}:{token}".encode()).decode()}


def create_index(base: str, auth: dict[str, str], index: str, bases: Sequence[str] = ()) -> None:
    """A non-mirror index ``USER/index`` inheriting from ``bases`` (``user/index`` names)."""
    _call(
        "PUT",
        f"{base}/{USER}/{index}",
        body=json.dumps({"type": "stage", "bases": list(bases), "volatile": True}).encode(),
        headers={**_JSON_HEADERS, **auth},
    )


def upload(base: str, auth: dict[str, str], index: str, files: Sequence[Path]) -> None:
    """Upload each distribution to ``USER/index``."""
    for path in files:
        name, version = _name_and_version(path)
        body, content_type = _multipart(
            {":action": "file_upload", "name": name, "version": version}, "content", path
        )
        _call(
            "POST",
            f"{base}/{USER}/{index}/",
            body=body,
            headers={"Content-Type": content_type, **auth},
        )


@contextlib.contextmanager
def devpi_index(workdir: Path, files: Sequence[Path]) -> Iterator[LocalIndex]:
    """Serve ``files`` from a fresh devpi-server; the URL is the index's ``+simple/``."""
    with devpi_server(workdir) as (base, auth):
        create_index(base, auth, INDEX)
        upload(base, auth, INDEX, files)
        yield LocalIndex(url=f"{base}/{USER}/{INDEX}/+simple/", root=workdir / "devpi-server")
