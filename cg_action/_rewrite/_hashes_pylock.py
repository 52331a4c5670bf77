"""Point a ``pylock.toml`` (PEP 751) at the files Chainguard serves.

Each ``[[packages]]`` entry from an index (it has ``index``, ``wheels`` or ``sdist``; not
``vcs``, ``directory`` or ``archive``) gets, per wheel and sdist, the URL and sha256 of
Chainguard's file of the same name (name normalized, wheel tags compared). A file records one
digest, so digests are always replaced: ``hashes`` becomes ``{sha256 = ...}``; ``size`` and
``upload-time`` describe the old file and are dropped, a ``name`` key takes Chainguard's file
name. Wheels Chainguard lacks are dropped when a file remains; when none remains the package
is left and listed. ``index`` becomes the Chainguard index. The result stays valid for
``packaging.pylock``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from cg_action._models import IndexFile, ProjectAnswer
from cg_action._rewrite._hashes import HashUpdate, file_key, release_files, sha256_of
from cg_action._rewrite._tomledit import dump_document, load_document, plain, set_value


def update_pylock(
    text: str, path: Path, answers: Mapping[NormalizedName, ProjectAnswer], index_url: str
) -> HashUpdate:
    """Chainguard's files for every index package of a pylock.toml."""
    import tomlkit

    document = load_document(text, path)
    result = HashUpdate(text=text)
    for package in document.get("packages", []):
        if any(key in package for key in ("vcs", "directory", "archive")):
            continue
        name, version = plain(package.get("name")), plain(package.get("version"))
        if not isinstance(name, str) or not isinstance(version, str):
            continue  # a version is optional for non-index packages
        try:
            release = canonicalize_name(name), Version(version)
        except InvalidVersion:
            continue
        pin = f"{release[0]}=={release[1]}"
        served = {file_key(f.filename): f for f in release_files(answers, *release)}
        if not served:
            result.left.append(f"{pin}: not served by Chainguard (left as it is)")
            continue
        wheels = package.get("wheels")
        sdist = package.get("sdist")
        kept = [w for w in (wheels or []) if _match(w, served) is not None]
        sdist_file = _match(sdist, served) if sdist is not None else None
        if not kept and sdist_file is None:
            result.left.append(f"{pin}: Chainguard serves none of the locked files (left as it is)")
            continue
        for wheel in kept:
            _point_at(wheel, served, tomlkit)
        if wheels is not None:
            for position in reversed(range(len(wheels))):
                if not any(wheels[position] is w for w in kept):
                    del wheels[position]
            if not len(wheels):
                del package["wheels"]
        if sdist is not None:
            if sdist_file is None:
                del package["sdist"]
            else:
                _point_at(sdist, served, tomlkit)
        set_value(package, "index", index_url)
        result.updated.append(pin)
    result.text = dump_document(document, text)
    return result


def _filename(artifact: Any) -> str | None:
    name = plain(artifact.get("name"))
    if isinstance(name, str):
        return name
    for key in ("url", "path"):
        value = plain(artifact.get(key))
        if isinstance(value, str):
            return value.replace("\\", "/").rsplit("/", 1)[-1].split("#", 1)[0]
    return None


def _match(artifact: Any, served: Mapping[tuple[str, ...] | None, IndexFile]) -> IndexFile | None:
    filename = _filename(artifact) if hasattr(artifact, "get") else None
    key = file_key(filename) if filename else None
    return served.get(key) if key is not None else None


def _point_at(
    artifact: Any, served: Mapping[tuple[str, ...] | None, IndexFile], tomlkit: Any
) -> None:
    file = _match(artifact, served)
    if file is None:
        return
    if "name" in artifact:
        set_value(artifact, "name", file.filename)
    if "path" in artifact:
        del artifact["path"]
    set_value(artifact, "url", file.url)
    hashes = tomlkit.inline_table()
    hashes["sha256"] = sha256_of(file)
    old = plain(artifact.get("hashes"))
    if old != {"sha256": sha256_of(file)}:
        artifact["hashes"] = hashes
    for stale in ("size", "upload-time"):
        if stale in artifact:
            del artifact[stale]
