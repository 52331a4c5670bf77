"""A simple index on 127.0.0.1 that answers every request after a fixed delay.

It serves ``--projects`` generated projects ``bench-0`` ... ``bench-<N-1>``, each with one
small, valid wheel ``bench_<i>-1.0.0-py3-none-any.whl``: PEP 503 pages (with ``#sha256=``,
``data-core-metadata`` and an ``ETag``; ``If-None-Match`` gives 304), the wheel, and its PEP 658
``.metadata`` file. Pages and wheels are made on the fly; nothing is written to disk. One
asyncio HTTP/1.1 server with keep-alive, so the delay, not the server, is what a client waits
for. Run: ``python benchmarks/_latency_index.py --port 0 --latency 0.05 --projects 1000``; it
prints its simple URL on the first line of stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import io
import re
import zipfile
from functools import cache

_PROJECT = re.compile(r"^bench-(\d+)$")


def _metadata(index: int) -> bytes:
    return f"Metadata-Version: 2.1\nName: bench-{index}\nVersion: 1.0.0\n\n".encode()


@cache
def wheel(index: int) -> bytes:
    """A valid pure-Python wheel for project ``bench-<index>``."""
    dist = f"bench_{index}-1.0.0.dist-info"
    files = {
        f"bench_{index}/__init__.py": b"",
        f"{dist}/METADATA": _metadata(index),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = ("\n".join(record) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in files.items():
            archive.writestr(zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


@cache
def page(index: int) -> bytes:
    """The PEP 503 page of ``bench-<index>``."""
    filename = f"bench_{index}-1.0.0-py3-none-any.whl"
    digest = hashlib.sha256(wheel(index)).hexdigest()
    meta_digest = hashlib.sha256(_metadata(index)).hexdigest()
    return (
        '<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.0">'
        f'</head><body><a href="/files/{filename}#sha256={digest}" '
        f'data-core-metadata="sha256={meta_digest}" '
        f'data-dist-info-metadata="sha256={meta_digest}">{filename}</a></body></html>'
    ).encode()


def route(path: str, projects: int) -> tuple[int, bytes, str]:
    """(status, body, content type) for a GET of ``path``."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if len(parts) == 2 and parts[0] == "simple":
        match = _PROJECT.match(parts[1])
        if match and int(match.group(1)) < projects:
            return 200, page(int(match.group(1))), "text/html"
    if len(parts) == 2 and parts[0] == "files":
        match = re.match(r"^bench_(\d+)-1\.0\.0-py3-none-any\.whl(\.metadata)?$", parts[1])
        if match and int(match.group(1)) < projects:
            number = int(match.group(1))
            if match.group(2):
                return 200, _metadata(number), "application/octet-stream"
            return 200, wheel(number), "application/octet-stream"
    if parts == ["simple"]:
        links = "".join(f'<a href="bench-{i}/">bench-{i}</a>' for i in range(projects))
        return 200, f"<html><body>{links}</body></html>".encode(), "text/html"
    return 404, b"not found", "text/plain"


async def serve(host: str, port: int, latency: float, projects: int) -> None:
    """Serve until killed; print the simple URL once listening."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = [*lines[0].split(" "), "", ""][:3]
                headers = {}
                for line in lines[1:]:
                    key, _, value = line.partition(":")
                    headers[key.strip().lower()] = value.strip()
                await asyncio.sleep(latency)
                status, body, content_type = route(path, projects)
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if status == 200 and headers.get("if-none-match") == etag:
                    status, body = 304, b""
                reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}[status]
                response = (
                    f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
                    f"Content-Length: {len(body)}\r\nETag: {etag}\r\n\r\n"
                ).encode()
                writer.write(response + (b"" if method == "HEAD" else body))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, host, port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    print(f"http://{host}:{bound}/simple/", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    """Parse the options and serve."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--projects", type=int, default=1000)
    options = parser.parse_args()
    asyncio.run(serve(options.host, options.port, options.latency, options.projects))


if __name__ == "__main__":
    main()
