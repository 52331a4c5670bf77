"""Fuzzing the lockfile readers: whatever the input, they return a SourceFile or raise ParseError.

Two sources of input: random TOML documents shaped like each lockfile (right keys, any values),
and byte-level mutations of real lockfiles (the committed fixtures and the corpus).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cg_action._errors import ParseError
from cg_action._models import SourceFile
from cg_action._sources._pdm_lock import parse_pdm_lock
from cg_action._sources._pylock import parse_pylock
from cg_action._sources._uv_lock import parse_uv_lock

DATA = Path(__file__).resolve().parent.parent / "data" / "locks"
Reader = Callable[[Path, "str | None"], SourceFile]
READERS: dict[str, Reader] = {
    "uv.lock": parse_uv_lock,
    "pdm.lock": parse_pdm_lock,
    "pylock.toml": parse_pylock,
}

_KEYS = [
    "version", "revision", "name", "source", "registry", "git", "url", "path", "directory",
    "editable", "virtual", "sdist", "wheels", "hash", "hashes", "size", "filename", "marker",
    "resolution-markers", "dependencies", "extra", "optional-dependencies", "dev-dependencies",
    "manifest", "members", "metadata", "lock_version", "groups", "extras", "files", "file",
    "revision", "ref", "lock-version", "created-by", "index", "vcs", "archive", "commit-id",
    "type", "sha256", "upload-time", "packages", "package", "requires-python",
]  # fmt: skip

_scalars = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["1.0", "sha256:ab", ".", "https://x/a-1.0.tar.gz", "a-1.0-py3-none-any.whl"]),
    st.integers(min_value=-3, max_value=3),
    st.booleans(),
    st.datetimes(min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2030, 1, 1)),
)
_values: st.SearchStrategy[Any] = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(_KEYS), children, max_size=4),
    ),
    max_leaves=12,
)
_entry = st.dictionaries(st.sampled_from(_KEYS), _values, max_size=6)


@st.composite
def _documents(draw: st.DrawFn, reader: str) -> str:
    top: dict[str, Any] = {}
    if reader == "uv.lock":
        top["version"] = draw(st.one_of(st.just(1), _values))
        top["package"] = draw(st.lists(_entry, max_size=4))
    elif reader == "pdm.lock":
        top["metadata"] = {"lock_version": draw(st.one_of(st.just("4.5.0"), _values))}
        top["package"] = draw(st.lists(_entry, max_size=4))
    else:
        top["lock-version"] = draw(st.one_of(st.just("1.0"), _values))
        top["created-by"] = "fuzz"
        top["packages"] = draw(st.lists(_entry, max_size=4))
    top.update(draw(st.dictionaries(st.sampled_from(_KEYS), _values, max_size=2)))
    return tomlkit.dumps(top)


def _read(reader: str, text: str) -> None:
    try:
        source: SourceFile | ParseError = READERS[reader](Path(reader), text)
    except ParseError as exc:
        source = exc
    if isinstance(source, ParseError):
        assert source.problems
        assert all(str(p).startswith(reader) for p in source.problems)
    else:
        assert all(str(p).startswith(reader) for p in source.problems)
        assert all(d.is_locked for d in source.dependencies)


@pytest.mark.parametrize("reader", sorted(READERS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_documents(reader: str, data: st.DataObject) -> None:
    _read(reader, data.draw(_documents(reader)))


def _seeds(corpus: Path | None) -> dict[str, list[str]]:
    seeds = {
        "uv.lock": [(DATA / "uv" / "demo" / "uv.lock").read_text()],
        "pylock.toml": [(DATA / "pylock" / "demo" / "pylock.toml").read_text()],
        "pdm.lock": [],
    }
    if corpus is not None:
        for path in sorted(corpus.glob("osv-scalibr/pdmlock/*.toml")):
            seeds["pdm.lock"].append(path.read_text())
        for path in sorted(corpus.glob("osv-scalibr/uvlock/*.lock")):
            seeds["uv.lock"].append(path.read_text())
        for path in sorted(corpus.glob("osv-scalibr/pylock/*.toml")):
            seeds["pylock.toml"].append(path.read_text())
    return seeds


_REPLACEMENTS = ["", "1", '"x"', "[", "]", "{}", "[]", "true", "=", "\n", '"', "#", "-1", "2"]


@pytest.mark.parametrize("reader", sorted(READERS))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_real_files(reader: str, data: st.DataObject, corpus_dir: Path) -> None:
    seeds = _seeds(corpus_dir)[reader]
    text = data.draw(st.sampled_from(seeds))
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        if not text:
            break
        start = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
        length = data.draw(st.integers(min_value=0, max_value=20))
        text = text[:start] + data.draw(st.sampled_from(_REPLACEMENTS)) + text[start + length :]
    _read(reader, text)


def _places(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every key path inside a package entry (``wheels``, ``0``, ``hash``, ...)."""
    found = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_places(item, (*path, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(_places(item, (*path, i)))
    return found


@pytest.mark.parametrize("reader", sorted(READERS))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_value_anywhere_in_a_real_entry(reader: str, data: st.DataObject) -> None:
    """Replace one value anywhere inside a real file's package entry with anything."""
    if reader == "pdm.lock":
        document: dict[str, Any] = {
            "metadata": {"lock_version": "4.5.0"},
            "package": [
                {
                    "name": "a",
                    "version": "1",
                    "groups": ["default"],
                    "marker": "os_name == 'nt'",
                    "git": "https://example.org/a.git",
                    "revision": "abc",
                    "files": [{"file": "a-1.tar.gz", "hash": "sha256:ab"}],
                }
            ],
        }
    else:
        text = _seeds(None)[reader][0]
        document = tomlkit.parse(text).unwrap()
    entries = document["packages" if reader == "pylock.toml" else "package"]
    entry = data.draw(st.sampled_from(entries))
    place = data.draw(st.sampled_from(_places(entry)))
    target: Any = entry
    for step in place[:-1]:
        target = target[step]
    target[place[-1]] = data.draw(_values)
    _read(reader, tomlkit.dumps(document))
