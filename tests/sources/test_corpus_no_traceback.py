"""No file of the real-world corpus makes ``list`` or ``check`` end in a traceback.

Every dependency file of ``tests/data/corpus`` is listed and checked through ``main``: the
exit code is one of 0, 1, 2 and 3, stderr holds no traceback and no exception escapes. The
check asks an index on 127.0.0.1 that lists, for every project, a Linux-only wheel of every
version the corpus names (without digests, so that versions decide), for three targets: the
markers of each pin are evaluated on each. The osv-scalibr test files whose names say only
their format's folder (``uvlock/two-packages.lock``) are read under their format's file name;
the files that are invalid on purpose give exit 2 and name the file (and the line, where the
file has lines).
"""

from __future__ import annotations

import io
import json
import re
import shutil
import threading
import traceback
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name

from cg_action._cli import main
from cg_action._sources._dispatch import detect_given_format, parse_file
from cg_action._targets import ALL, Selection, parse_target

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"
# osv-scalibr's folders of one format, whose files are named after what they test
RENAMED = {
    "osv-scalibr/uvlock": "uv.lock",
    "osv-scalibr/pdmlock": "pdm.lock",
    "osv-scalibr/pipfilelock": "Pipfile.lock",
    "osv-scalibr/poetrylock": "poetry.lock",
    "osv-scalibr/pylock": "pylock.toml",
    "osv-scalibr/pyprojecttoml": "pyproject.toml",
}
# invalid on purpose: the text of each is not TOML (or JSON) at all
NOT_PARSEABLE = {
    "osv-scalibr/pyprojecttoml/malformed.toml",
    "osv-scalibr/uvlock/not-toml.txt",
    "osv-scalibr/pdmlock/not-toml.txt",
    "osv-scalibr/poetrylock/not-toml.txt",
    "osv-scalibr/pylock/not-toml.txt",
    "osv-scalibr/pipfilelock/not-json.txt",
}
TARGETS = ("linux-x86_64@3.12", "windows-amd64@3.9", "macos-arm64@3.13")
WHEEL_TAG = "cp312-cp312-manylinux_2_28_x86_64"


def _corpus_files() -> list[str]:
    found = []
    for path in sorted(CORPUS.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(CORPUS).as_posix()
        if relative.rpartition("/")[0] in RENAMED or detect_given_format(path) is not None:
            found.append(relative)
    return found


FILES = _corpus_files()


def _placed(relative: str, tmp_path: Path) -> tuple[Path, Path]:
    """(the file to read, the root to read it from): renamed into ``tmp_path`` if needed."""
    folder = relative.rpartition("/")[0]
    if folder not in RENAMED:
        return CORPUS / relative, CORPUS
    target = tmp_path / Path(relative).stem / RENAMED[folder]
    target.parent.mkdir(parents=True)
    shutil.copyfile(CORPUS / relative, target)
    return target, tmp_path


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        code = main(list(argv), env={}, out=out, err=err)
    except BaseException:
        pytest.fail(f"main({list(argv)}) raised:\n{traceback.format_exc()}")
    return code, out.getvalue(), err.getvalue()


def _assert_clean(code: int, err: str) -> None:
    assert code in (0, 1, 2, 3), err
    assert "Traceback" not in err, err
    assert "does not handle yet" not in err, err  # the CLI's catch-all for unexpected errors


@pytest.mark.parametrize("relative", FILES)
def test_list_gives_no_traceback(relative: str, tmp_path: Path) -> None:
    path, _ = _placed(relative, tmp_path)
    code, _, err = _run("list", str(path), "--format", "json")
    _assert_clean(code, err)
    if relative in NOT_PARSEABLE:  # said on stderr: the file, and its line where it has lines
        assert code == 2, err
        assert f"cg-action: {path}:" in err, err
        if relative.endswith("malformed.toml"):
            assert re.search(rf"{re.escape(str(path))}:\d+: ", err), err


# -- check, against an index that has every version -------------------------------------------


def _versions() -> dict[str, set[str]]:
    """Every (name, version) the corpus pins or locks."""
    found: dict[str, set[str]] = {}
    for relative in FILES:
        path = CORPUS / relative
        if detect_given_format(path) is None:
            continue
        try:
            source = parse_file(path, root=CORPUS)
        except Exception:  # noqa: S112 - unreadable files are the list test's business
            continue
        for dep in source.dependencies:
            if dep.version is not None:
                found.setdefault(dep.name, set()).add(str(dep.version))
    return found


def _page(name: str, versions: set[str]) -> bytes:
    files = [
        {"filename": f"{name.replace('-', '_')}-{v}-{WHEEL_TAG}.whl", "url": f"/f/{name}/{v}.whl"}
        for v in sorted(versions)
    ]
    return json.dumps(
        {"meta": {"api-version": "1.1"}, "name": name, "versions": sorted(versions), "files": files}
    ).encode()


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # check opens up to 50 connections at once; 5 would drop some


@pytest.fixture(scope="module")
def every_version() -> Iterator[str]:
    """An index on 127.0.0.1 answering for every project of the corpus; its simple URL."""
    versions = _versions()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real indexes answer

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            name = canonicalize_name(self.path.strip("/").split("/")[-1])
            body = _page(name, versions.get(name, {"1.0"}))
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = _Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.mark.parametrize("relative", FILES)
def test_check_gives_no_traceback(relative: str, tmp_path: Path, every_version: str) -> None:
    path, root = _placed(relative, tmp_path)
    targets = [option for target in TARGETS for option in ("--target", target)]
    code, out, err = _run(
        "check", str(path), "--root", str(root), "--index-url", every_version,
        "--no-fallback", "--no-cache", "--no-netrc", "--format", "json", *targets,
    )  # fmt: skip
    _assert_clean(code, err)
    report: dict[str, Any] = json.loads(out)
    if relative in NOT_PARSEABLE:  # said in the report: the file, and its line
        assert code == 2, out
        (file,) = report["files"]
        assert file["path"] == path.relative_to(root).as_posix()
        assert file["errors"], out
        if relative.endswith("malformed.toml"):
            assert file["errors"][0]["line"] is not None


def test_every_marker_of_the_corpus_evaluates_on_every_target() -> None:
    targets = [parse_target(t) for t in TARGETS]
    nothing = Selection(extras=frozenset(), groups=frozenset())
    evaluated = 0
    for relative in FILES:
        path = CORPUS / relative
        if detect_given_format(path) is None:
            continue
        try:
            source = parse_file(path, root=CORPUS)
        except Exception:  # noqa: S112 - unreadable files are the list test's business
            continue
        for dep in source.dependencies:
            if dep.marker is None:
                continue
            for target in targets:
                for selection in (ALL, nothing):
                    target.with_selection(selection).accepts_marker(dep.marker)
                    evaluated += 1
    assert evaluated > 1000
