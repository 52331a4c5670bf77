"""Time ``cg-action update-hashes`` on a generated 1,000-package uv.lock against local indexes.

Generates N projects ``pkg-0000`` ... and serves them from one HTTP server on 127.0.0.1 as two
PEP 691 JSON indexes (pages made once, in memory; files answer HEAD and GET with their bytes):

- ``/pypi/simple/``: PyPI's files: every third project has only a pure wheel and an sdist;
  the others have CPython 3.11 and 3.12 wheels with PyPI's compound tags
  (``manylinux2014_x86_64.manylinux_2_17_x86_64``, aarch64, macOS arm64, Windows) and an
  sdist; each file with ``size`` and ``upload-time`` (PEP 700);
- ``/cg/simple/``: Chainguard's builds of the same versions, every digest different; native
  projects have CPython 3.11-3.13 wheels tagged ``manylinux_2_28`` for x86_64 and aarch64.

The uv.lock is written the way uv writes one locked against ``/pypi/simple/``
(``requires-python = ">=3.10"``, a root project depending on every package, each package with
its sdist and wheels, sizes and upload times). Each run copies it fresh and times the whole
``python -m cg_action update-hashes --no-cache`` process:

- *same index*: against ``/pypi/simple/``: nothing may change;
- *Chainguard*: against ``/cg/simple/``: every package moves to Chainguard's files; the new
  files' sizes come from the pages (PEP 700 ``size``; versions before it asked them with a
  HEAD per file).

``--checkout DIR`` runs the cg_action package found in DIR instead of this checkout's (to time
an older version exported with ``git archive``). Medians of ``--runs`` runs.

Run: ``python benchmarks/bench_update_hashes.py [--packages 1000] [--runs 5] [--checkout DIR]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPI_PLATFORMS = (
    "manylinux2014_x86_64.manylinux_2_17_x86_64",
    "manylinux2014_aarch64.manylinux_2_17_aarch64",
    "macosx_11_0_arm64",
    "win_amd64",
)
CHAINGUARD_PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_28_aarch64")
UPLOAD_TIME = "2025-03-04T05:06:07.891011Z"


@dataclass(frozen=True)
class File:
    filename: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def project_files(index: int, flavour: str) -> tuple[str, str, list[File]]:
    """(name, version, files) of project ``index`` as PyPI (``pypi``) or Chainguard builds it."""
    name, version = f"pkg-{index:04d}", f"1.{index % 17}.{index % 5}"
    dist = name.replace("-", "_")

    def content(filename: str) -> bytes:
        return f"{flavour} build of {filename}\n".encode() * (20 + index % 7)

    names = [f"{dist}-{version}.tar.gz"]
    if index % 3 == 0:
        names.append(f"{dist}-{version}-py3-none-any.whl")
    elif flavour == "pypi":
        names += [
            f"{dist}-{version}-{py}-{py}-{platform}.whl"
            for py in ("cp311", "cp312")
            for platform in PYPI_PLATFORMS
        ]
    else:
        names += [
            f"{dist}-{version}-{py}-{py}-{platform}.whl"
            for py in ("cp311", "cp312", "cp313")
            for platform in CHAINGUARD_PLATFORMS
        ]
    return name, version, [File(n, content(n)) for n in names]


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the client opens up to 50 connections at once
    daemon_threads = True


class Indexes:
    """Both indexes' pages and files, in memory, served on 127.0.0.1."""

    def __init__(self, packages: int) -> None:
        self.pages: dict[str, bytes] = {}
        self.files: dict[str, bytes] = {}
        self.projects: list[tuple[str, str, list[File]]] = []
        for flavour, prefix in (("pypi", "pypi"), ("chainguard", "cg")):
            for i in range(packages):
                name, version, files = project_files(i, flavour)
                if flavour == "pypi":
                    self.projects.append((name, version, files))
                entries = []
                for file in files:
                    path = f"/{prefix}/files/{file.filename}"
                    self.files[path] = file.data
                    entries.append(
                        {
                            "filename": file.filename,
                            "url": path,
                            "hashes": {"sha256": file.sha256},
                            "size": len(file.data),
                            "upload-time": UPLOAD_TIME,
                        }
                    )
                page = {
                    "meta": {"api-version": "1.1"},
                    "name": name,
                    "versions": [version],
                    "files": entries,
                }
                self.pages[f"/{prefix}/simple/{name}/"] = json.dumps(page).encode()
        indexes = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go in two writes

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_HEAD(self) -> None:
                self._answer(body=False)

            def do_GET(self) -> None:
                self._answer(body=True)

            def _answer(self, *, body: bool) -> None:
                path = self.path.split("?", 1)[0]
                data = indexes.pages.get(path)
                kind = "application/vnd.pypi.simple.v1+json"
                if data is None:
                    data, kind = indexes.files.get(path), "application/octet-stream"
                if data is None:
                    data, kind = b"not found", "text/plain"
                    self.send_response(404)
                else:
                    self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if body:
                    self.wfile.write(data)

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def uv_lock_text(indexes: Indexes) -> str:
    """A uv.lock as uv writes it for a project depending on every generated package."""
    registry = f"{indexes.origin}/pypi/simple/"
    out = ['version = 1\nrevision = 3\nrequires-python = ">=3.10"\n']
    for name, version, files in indexes.projects:
        out.append(
            f'\n[[package]]\nname = "{name}"\nversion = "{version}"\n'
            f'source = {{ registry = "{registry}" }}\n'
        )
        entries = {
            f.filename: (
                f'{{ url = "{indexes.origin}/pypi/files/{f.filename}", hash = "sha256:{f.sha256}", '
                f'size = {len(f.data)}, upload-time = "{UPLOAD_TIME[:23]}Z" }}'
            )
            for f in files
        }
        sdist = next(n for n in entries if n.endswith(".tar.gz"))
        out.append(f"sdist = {entries.pop(sdist)}\nwheels = [\n")
        out.extend(f"    {entries[n]},\n" for n in sorted(entries))
        out.append("]\n")
    out.append('\n[[package]]\nname = "root"\nversion = "0"\nsource = { virtual = "." }\n')
    out.append("dependencies = [\n")
    out.extend(f'    {{ name = "{name}" }},\n' for name, _, _ in indexes.projects)
    out.append("]\n")
    return "".join(out)


def run_once(lock_text: str, index_url: str, work: Path, env: dict[str, str]) -> tuple[float, str]:
    lock = work / "uv.lock"
    lock.write_text(lock_text)
    command = [sys.executable, "-m", "cg_action"]
    command += ["update-hashes", "--index-url", index_url, "--no-cache", "--no-netrc", str(lock)]
    started = time.perf_counter()
    done = subprocess.run(  # not from the checkout: ``-m`` puts the current folder first
        command, cwd=work, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"update-hashes exited {done.returncode}:\n{done.stderr[-2000:]}")
    first = done.stdout.splitlines()[0] if done.stdout else "(no output)"
    return elapsed, first.replace(str(lock), "uv.lock")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--packages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--checkout", type=Path, default=ROOT, help="where cg_action is")
    args = parser.parse_args()
    indexes = Indexes(args.packages)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CG_ACTION_", "PIP_", "UV_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(args.checkout.resolve())
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1"
    work = Path(tempfile.mkdtemp(prefix="bench-update-hashes-"))
    try:
        text = uv_lock_text(indexes)
        print(
            f"uv.lock: {args.packages} packages, {len(text.encode()) / 1e6:.1f} MB, "
            f"{text.count(chr(10))} lines; cg_action from {args.checkout}"
        )
        for label, url in (
            ("same index", f"{indexes.origin}/pypi/simple/"),
            ("Chainguard", f"{indexes.origin}/cg/simple/"),
        ):
            times = []
            summary = ""
            for _ in range(args.runs):
                elapsed, summary = run_once(text, url, work, env)
                times.append(elapsed)
            print(
                f"{label}: median {statistics.median(times):.2f} s "
                f"(min {min(times):.2f}, max {max(times):.2f}, {args.runs} runs): {summary}"
            )
    finally:
        indexes.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
