"""Point a ``poetry.lock``'s file digests at the files Chainguard serves.

Poetry 2.x records each package's files in the package (``files = [{file, hash}]``); 1.x
records them per name under ``[metadata.files]``. Either list holds every file of the
release, so it becomes Chainguard's files of that version (see ``rewrite_file_array``), or
with ``append`` gains them beside the recorded ones. Poetry accepts a downloaded file when its
digest is one of the package's listed digests, whatever the index.

Left as they are, on purpose:

* ``[package.source]``: Poetry picks the source by its ``reference`` (the name of a
  ``[[tool.poetry.source]]`` in pyproject.toml), not by the URL recorded here; point that
  source at Chainguard with ``cg-action rewrite``. Packages from url, file, directory and git
  sources are not from an index and are skipped.
* ``[metadata] content-hash``: it hashes pyproject.toml's content, not the files.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from cg_action._models import ProjectAnswer
from cg_action._rewrite._hashes import HashUpdate, release_files, rewrite_file_array
from cg_action._rewrite._tomledit import dump_document, get_path, load_document, plain


def update_poetry_lock(
    text: str,
    path: Path,
    answers: Mapping[NormalizedName, ProjectAnswer],
    *,
    append: bool,
) -> HashUpdate:
    """Chainguard's files for every index package of a poetry.lock (1.x or 2.x)."""
    document = load_document(text, path)
    result = HashUpdate(text=text)
    legacy = get_path(document, ("metadata", "files"))
    legacy_keys = {canonicalize_name(str(k)): k for k in legacy} if legacy is not None else {}
    for package in document.get("package", []):
        source = package.get("source")
        if source is not None and plain(source.get("type")) != "legacy":
            continue  # url, file, directory and git packages are not from an index
        release = _release(package)
        if release is None:
            continue
        name, version = release
        pin = f"{name}=={version}"
        array: Any = package.get("files")
        if array is None and name in legacy_keys:
            array = legacy[legacy_keys[name]]  # type: ignore[index]  # legacy is set here
        if array is None:
            result.left.append(f"{pin}: the lock records no files (left as it is)")
            continue
        files = release_files(answers, name, version)
        if not files:
            result.left.append(f"{pin}: not served by Chainguard (left as it is)")
            continue
        rewrite_file_array(array, name, version, files, append=append)
        result.updated.append(pin)
    result.text = dump_document(document, text)
    return result


def _release(package: Any) -> tuple[NormalizedName, Version] | None:
    name, version = plain(package.get("name")), plain(package.get("version"))
    if not isinstance(name, str) or not isinstance(version, str):
        return None
    try:
        return canonicalize_name(name), Version(version)
    except InvalidVersion:
        return None
