"""Point a ``pdm.lock``'s file digests at the files Chainguard serves.

Each ``[[package]]`` lists every file of the release as ``{file = name, hash = ...}`` (or
``{url = ..., hash = ...}`` with the ``static_urls`` strategy); the list becomes Chainguard's
files of that version (see ``rewrite_file_array``), or with ``append`` gains them beside the
recorded ones. Packages without ``files`` (editable, path, VCS and URL requirements) are
skipped. ``[metadata] content_hash`` hashes pyproject.toml, not the files: left as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from cg_action._models import ProjectAnswer
from cg_action._rewrite._hashes import HashUpdate, release_files, rewrite_file_array
from cg_action._rewrite._tomledit import dump_document, load_document, plain


def update_pdm_lock(
    text: str,
    path: Path,
    answers: Mapping[NormalizedName, ProjectAnswer],
    *,
    append: bool,
) -> HashUpdate:
    """Chainguard's files for every index package of a pdm.lock."""
    document = load_document(text, path)
    result = HashUpdate(text=text)
    for package in document.get("package", []):
        array = package.get("files")
        name, version = plain(package.get("name")), plain(package.get("version"))
        if array is None or not isinstance(name, str) or not isinstance(version, str):
            continue
        if any(key in package for key in ("editable", "path", "git", "url")):
            continue
        try:
            release = canonicalize_name(name), Version(version)
        except InvalidVersion:
            continue
        pin = f"{release[0]}=={release[1]}"
        files = release_files(answers, *release)
        if not files:
            result.left.append(f"{pin}: not served by Chainguard (left as it is)")
            continue
        rewrite_file_array(array, *release, files, append=append)
        result.updated.append(pin)
    result.text = dump_document(document, text)
    return result
