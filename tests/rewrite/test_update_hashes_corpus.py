"""update-hashes on the real-world lockfiles of the corpus, with every file rebuilt.

For each uv.lock, poetry.lock, pdm.lock, pylock.toml and Pipfile.lock under tests/data, the
index answers every locked version with the same files under Chainguard URLs and new
digests (and tells each file's size). The update must then change digests, URLs, sizes and
the index the packages come from, and nothing else: with those masked, the file reads the
same; every old digest is gone; the result parses. A file the tool would not have locked
(outside the lock's Pythons, platforms or markers) would be missing here, so this also checks
that the scope worked out for each package takes in every file the tool itself chose.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from packaging.utils import NormalizedName
from packaging.version import Version

from cg_action._errors import ParseError
from cg_action._models import (
    DependencyKind,
    FileFormat,
    Found,
    Hash,
    IndexFile,
    IndexProject,
    ProjectAnswer,
)
from cg_action._rewrite._hashes import FileSizes, HashUpdate, update_uv_lock
from cg_action._rewrite._hashes_pdm import update_pdm_lock
from cg_action._rewrite._hashes_pipfile import update_pipfile_lock
from cg_action._rewrite._hashes_poetry import update_poetry_lock
from cg_action._rewrite._hashes_pylock import update_pylock
from cg_action._sources._dispatch import parse_file
from cg_action._toml import tomllib

INDEX = "https://libraries.cgr.dev/python/simple/"
NAMES = ("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock")
DATA = Path(__file__).resolve().parent.parent / "data"


def locks() -> list[Path]:
    found = [
        p
        for p in sorted(DATA.rglob("*"))
        if p.is_file()
        and (p.name in NAMES or (p.name.startswith("pylock.") and p.suffix == ".toml"))
        and "update-hashes" not in p.parts
    ]
    return [p for p in found if _readable(p)]


def _readable(path: Path) -> bool:
    try:
        source = parse_file(path)
    except ParseError:  # empty stand-ins (a lock beside a pyproject.toml only marks the tool)
        return False
    return not source.problems and any(d.version for d in source.dependencies)


def rebuilt(digest: str) -> str:
    return hashlib.sha256(f"rebuilt {digest}".encode()).hexdigest()


def answers_for(path: Path) -> tuple[dict[NormalizedName, ProjectAnswer], dict[str, int | None]]:
    """Every locked version served under Chainguard URLs with new digests; file sizes."""
    files: dict[NormalizedName, list[IndexFile]] = {}
    sizes: dict[str, int | None] = {}
    seen: set[tuple[str, str]] = set()
    for dep in parse_file(path).dependencies:
        if dep.version is None:
            continue
        served = files.setdefault(dep.name, [])
        if dep.artifacts:
            for artifact in dep.artifacts:
                filename = artifact.filename
                if filename is None or not artifact.hashes:
                    continue
                digest = next(h.value for h in artifact.hashes if h.algorithm == "sha256")
                if (filename, digest) in seen:
                    continue  # a release locked twice (for two groups) lists its files twice
                seen.add((filename, digest))
                url = f"https://libraries.cgr.dev/python/files/{dep.name}/{quote(filename)}"
                served.append(_file(filename, url, dep.version, rebuilt(digest)))
                sizes[url] = artifact.size
        else:  # Pipfile.lock: digests without file names
            dist = dep.name.replace("-", "_")
            for k, digest in enumerate(h.value for h in dep.hashes if h.algorithm == "sha256"):
                filename = f"{dist}-{dep.version}-{k + 1}-py3-none-any.whl"
                url = f"https://libraries.cgr.dev/python/files/{dep.name}/{filename}"
                served.append(_file(filename, url, dep.version, rebuilt(digest)))
    answers: dict[NormalizedName, ProjectAnswer] = {
        name: Found(project=IndexProject(name=name, index_url=INDEX, files=tuple(found)))
        for name, found in files.items()
    }
    return answers, sizes


def _file(filename: str, url: str, version: Version, digest: str) -> IndexFile:
    return IndexFile(
        filename=filename,
        url=url,
        version=version,
        hashes=(Hash(algorithm="sha256", value=digest),),
    )


def update(path: Path, text: str) -> HashUpdate:
    answers, sizes = answers_for(path)
    fmt = parse_file(path).format
    if fmt is FileFormat.UV_LOCK:
        return update_uv_lock(text, path, answers, INDEX, sizes=FileSizes(asked=sizes))
    if fmt is FileFormat.PYLOCK:
        return update_pylock(text, path, answers, INDEX, sizes=FileSizes(asked=sizes))
    if fmt is FileFormat.POETRY_LOCK:
        return update_poetry_lock(text, path, answers, append=False)
    if fmt is FileFormat.PDM_LOCK:
        return update_pdm_lock(text, path, answers, append=False)
    assert fmt is FileFormat.PIPFILE_LOCK
    return update_pipfile_lock(text, path, answers, append=False)


_DIGEST = re.compile(r"[0-9a-fA-F]{64}")
_URL = re.compile(r"""https?://[^\s"'<>]+""")
_SIZE = re.compile(r"\bsize = \d+")


def masked(text: str) -> str:
    def url(match: re.Match[str]) -> str:
        last = match.group(0).rstrip("/").rsplit("/", 1)[-1]
        return f"<url>/{last}" if last.endswith((".whl", ".tar.gz", ".zip")) else "<index>"

    return _SIZE.sub("size = <n>", _URL.sub(url, _DIGEST.sub("<digest>", text)))


@pytest.mark.parametrize("path", locks(), ids=lambda p: str(p.relative_to(DATA)))
def test_a_rebuilt_release_changes_digests_urls_and_sizes_only(path: Path) -> None:
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    result = update(path, text)
    assert result.updated
    assert result.sizes_wanted == []
    assert masked(result.text) == masked(text)
    if path.name == "Pipfile.lock":
        json.loads(result.text)
    else:
        tomllib.loads(result.text)
    new = {d.lower() for d in _DIGEST.findall(result.text)}
    locked = {  # the digests of every file locked from an index
        h.value
        for dep in parse_file(path).dependencies
        if dep.kind is DependencyKind.PINNED
        for h in (*dep.hashes, *(h for a in dep.artifacts for h in a.hashes))
        if h.algorithm == "sha256"
    }
    assert locked
    assert locked & new == set()
    assert {rebuilt(d) for d in locked} <= new
