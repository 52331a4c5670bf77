"""Replace the digests a lockfile records with those the Chainguard index serves.

Versions never change: for each locked ``name==version`` the Chainguard files of exactly that
version are looked up, and the lock's artifacts are pointed at them. A version Chainguard does
not serve is left as it is and listed. Supported here:

* requirements files with ``--hash`` options (pip-compile output, hand-written): the hashes of
  each pinned requirement are replaced by Chainguard's, or with ``append`` added beside them
  (pip accepts any of the listed digests);
* ``uv.lock``: each wheel and sdist is matched to Chainguard's file of the same name (name
  normalized, tags compared) and takes its URL and hash; files Chainguard lacks are dropped
  when at least one file remains, otherwise the package is left and listed; the package's
  ``source = { registry = ... }`` becomes the Chainguard index. One digest per file: replaced.

``poetry.lock``, ``pdm.lock``, ``Pipfile.lock`` and ``pylock.toml`` have their own modules
(``_hashes_<format>.py``); the file lists of Poetry and PDM are edited here
(``rewrite_file_array``), and ``_hashes_relock`` re-runs pip-compile.

The fetching is done by the caller (``IndexClient.get_projects``); this module is pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from cg_action._models import Dependency, Found, IndexFile, ProjectAnswer
from cg_action._rewrite._tomledit import dump_document, load_document, plain, set_value

_HASH_OPTION = re.compile(r"--hash[=\s]\s*(\S+)")


@dataclass(slots=True)
class HashUpdate:
    """The new text of a lockfile and what could not be moved to Chainguard."""

    text: str
    updated: list[str] = field(default_factory=list)  # "name==version"
    left: list[str] = field(default_factory=list)  # "name==version: why"


def served_files(
    answers: Mapping[NormalizedName, ProjectAnswer], name: NormalizedName, version: Version
) -> tuple[IndexFile, ...]:
    """Chainguard's files for exactly this version (empty when it has none)."""
    answer = answers.get(name)
    if not isinstance(answer, Found):
        return ()
    return answer.project.files_for(version)


def sha256_of(file: IndexFile) -> str | None:
    """The file's sha256 digest as the index lists it (None: the index gave none)."""
    return next((h.value for h in file.hashes if h.algorithm == "sha256"), None)


def release_files(
    answers: Mapping[NormalizedName, ProjectAnswer], name: NormalizedName, version: Version
) -> tuple[IndexFile, ...]:
    """Chainguard's files of exactly this version that carry a sha256 digest."""
    return tuple(f for f in served_files(answers, name, version) if sha256_of(f))


def file_key(filename: str) -> tuple[str, ...] | None:
    """What makes two files 'the same file': name, version and wheel tags (or sdist)."""
    try:
        if filename.endswith(".whl"):
            name, version, _build, tags = parse_wheel_filename(filename)
            return ("wheel", name, str(version), *sorted(str(t) for t in tags))
        name, version = parse_sdist_filename(filename)
        return ("sdist", name, str(version))
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None


# ---------------------------------------------------------------- requirements --hash


def update_requirements(
    text: str,
    dependencies: list[Dependency],
    answers: Mapping[NormalizedName, ProjectAnswer],
    *,
    append: bool,
) -> HashUpdate:
    """New ``--hash`` options for every pinned requirement of a requirements text."""
    lines = text.split("\n")
    result = HashUpdate(text=text)
    edits: dict[int, tuple[int, list[str]]] = {}
    for dep in dependencies:
        if dep.version is None or dep.location.line is None or not dep.hashes:
            continue
        pin = f"{dep.name}=={dep.version}"
        files = served_files(answers, dep.name, dep.version)
        digests = [d for d in (sha256_of(f) for f in files) if d]
        if not digests:
            result.left.append(f"{pin}: not served by Chainguard (hashes left as they are)")
            continue
        start = dep.location.line - 1
        end = start
        while end < len(lines) and lines[end].rstrip().endswith("\\"):
            end += 1
        end += 1  # one past the last physical line of the requirement
        edits[start] = (end, _rehash(lines[start:end], digests, append=append))
        result.updated.append(pin)
    out: list[str] = []
    i = 0
    while i < len(lines):
        if i in edits:
            end, new_lines = edits[i]
            out.extend(new_lines)
            i = end
            continue
        out.append(lines[i])
        i += 1
    result.text = "\n".join(out)
    return result


def _rehash(block: list[str], digests: list[str], *, append: bool) -> list[str]:
    """A requirement's lines with its hashes replaced (or extended)."""
    joined = " ".join(line.rstrip().removesuffix("\\").strip() for line in block)
    old = [m.group(1) for m in _HASH_OPTION.finditer(joined)]
    head = _HASH_OPTION.sub("", joined).strip()
    indent = next(
        (line[: len(line) - len(line.lstrip())] for line in block[1:] if "--hash" in line),
        "    ",
    )
    wanted = [f"sha256:{d}" for d in digests]
    hashes = [*old, *(h for h in wanted if h not in old)] if append else wanted
    return [
        f"{head} \\",
        *(f"{indent}--hash={h} \\" for h in hashes[:-1]),
        f"{indent}--hash={hashes[-1]}",
    ]


# ---------------------------------------------------------------- uv.lock


def update_uv_lock(
    text: str, path: Path, answers: Mapping[NormalizedName, ProjectAnswer], index_url: str
) -> HashUpdate:
    """Point every registry package of a uv.lock at Chainguard's files of the same version."""
    document = load_document(text, path)
    result = HashUpdate(text=text)
    for package in document.get("package", []):
        source = plain(package.get("source"))
        if not isinstance(source, dict) or "registry" not in source:
            continue  # editable, path, git and url sources are not from an index
        name = canonicalize_name(str(plain(package.get("name"))))
        version = Version(str(plain(package.get("version"))))
        pin = f"{name}=={version}"
        served = {
            key: f
            for f in served_files(answers, name, version)
            if (key := file_key(f.filename)) is not None and sha256_of(f)
        }
        if not served:
            result.left.append(f"{pin}: not served by Chainguard (left as it is)")
            continue
        kept_wheels = [w for w in package.get("wheels", []) if _match(w, served) is not None]
        sdist = package.get("sdist")
        sdist_match = _match(sdist, served) if sdist is not None else None
        if not kept_wheels and sdist_match is None:
            result.left.append(f"{pin}: Chainguard serves none of the locked files (left as it is)")
            continue
        for wheel in kept_wheels:
            _point_at(wheel, served)
        if "wheels" in package:
            wheels = package["wheels"]
            dropped = [w for w in list(wheels) if not any(w is k for k in kept_wheels)]
            for wheel in dropped:
                wheels.remove(wheel)
            if not len(wheels):
                del package["wheels"]
        if sdist is not None:
            if sdist_match is None:
                del package["sdist"]
            else:
                _point_at(sdist, served)
        set_value(package["source"], "registry", index_url)
        result.updated.append(pin)
    result.text = dump_document(document, text)
    return result


def _match(artifact: Any, served: Mapping[tuple[str, ...], IndexFile]) -> IndexFile | None:
    url = plain(artifact.get("url"))
    if not isinstance(url, str):
        return None
    key = file_key(url.rsplit("/", 1)[-1].split("#", 1)[0])
    return served.get(key) if key is not None else None


def _point_at(artifact: Any, served: Mapping[tuple[str, ...], IndexFile]) -> None:
    file = _match(artifact, served)
    if file is None:
        return
    set_value(artifact, "url", file.url)
    set_value(artifact, "hash", f"sha256:{sha256_of(file)}")
    for stale in ("size", "upload-time"):
        if stale in artifact:
            del artifact[stale]


# ---------------------------------------------------------------- file lists (Poetry, PDM)


def file_entry_name(entry: Any) -> str | None:
    """The file name of a ``{file = ..., hash = ...}`` or ``{url = ..., hash = ...}`` entry."""
    for key in ("file", "url"):
        value = plain(entry.get(key)) if hasattr(entry, "get") else None
        if isinstance(value, str):
            return value.rsplit("/", 1)[-1].split("#", 1)[0]
    return None


def is_release_file(filename: str | None, name: NormalizedName, version: Version) -> bool:
    """Whether a file name belongs to this release (name spelling and case ignored)."""
    key = file_key(filename) if filename else None
    return key is not None and key[1] == name and Version(key[2]) == version


def rewrite_file_array(
    array: Any,
    name: NormalizedName,
    version: Version,
    files: tuple[IndexFile, ...],
    *,
    append: bool,
) -> None:
    """Make a lock's list of release files (Poetry, PDM) name Chainguard's files.

    These lists hold every file of the release, not a choice per platform, so the release's
    entries become Chainguard's files of the version (``append``: Chainguard's are added and
    the recorded ones stay). An entry of Chainguard's file name is updated in place, keeping
    its position and comments; entries of other releases (Poetry 1.x lists every locked
    version of a name together) are not touched. ``{file = ...}`` entries get Chainguard's
    file name, ``{url = ...}`` entries its URL.
    """
    import tomlkit

    wanted = {f"sha256:{sha256_of(f)}": f for f in files}
    by_key = {file_key(f.filename): f for f in files}
    uses_url = False
    done: set[str] = set()
    dropped: list[int] = []
    # Chainguard's entries already in the list (an earlier --append): an upstream entry is
    # then dropped, not turned into a second copy of one of them.
    present = {
        str(plain(entry.get("hash")))
        for entry in array
        if is_release_file(file_entry_name(entry), name, version)
        and plain(entry.get("hash")) in wanted
    }
    for position, entry in enumerate(list(array)):
        filename = file_entry_name(entry)
        if not is_release_file(filename, name, version):
            continue
        uses_url = uses_url or "url" in entry
        digest = plain(entry.get("hash"))
        if digest in wanted:
            done.add(str(digest))
            continue
        if append:
            continue
        match = by_key.get(file_key(filename or ""))
        if match is None or f"sha256:{sha256_of(match)}" in done | present:
            dropped.append(position)
            continue
        _set_entry(entry, match)
        done.add(f"sha256:{sha256_of(match)}")
    for position in reversed(dropped):
        del array[position]
    for digest, file in wanted.items():
        if digest in done:
            continue
        entry = tomlkit.inline_table()
        if uses_url:
            entry["url"] = file.url
        else:
            entry["file"] = file.filename
        entry["hash"] = digest
        array.append(entry)


def _set_entry(entry: Any, file: IndexFile) -> None:
    if "url" in entry:
        set_value(entry, "url", file.url)
    else:
        set_value(entry, "file", file.filename)
    set_value(entry, "hash", f"sha256:{sha256_of(file)}")
