"""Point a ``poetry.lock``'s file digests at the files Chainguard serves.

Poetry 2.x records each package's files in the package (``files = [{file, hash}]``); 1.x
records them per name under ``[metadata.files]``. Either list holds every file of the
release, whatever the project's Python (Poetry lists them all), so it becomes all of
Chainguard's files of that version (see ``_hashes_match``), or with ``append`` gains them
beside the recorded ones. The platforms they lack are listed for the project's Pythons
(``[metadata] python-versions``). A list whose digests are all served already is left as it is.
Poetry accepts a downloaded file when its digest is one of the package's listed digests,
whatever the index.

Left as they are, on purpose:

* ``[package.source]``: Poetry picks the source by its ``reference`` (the name of a
  ``[[tool.poetry.source]]`` in pyproject.toml), not by the URL recorded here; point that
  source at Chainguard with ``cg-action rewrite``. Packages from url, file, directory and git
  sources are not from an index and are skipped.
* ``[metadata] content-hash``: it hashes pyproject.toml's content, not the files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from cg_action._models import ProjectAnswer
from cg_action._rewrite._hashes import HashJob, HashUpdate, file_list_edits, release_files
from cg_action._rewrite._hashes_match import gaps, scope, specifier_or_none
from cg_action._rewrite._hashes_toml import Element, Kind, Table, Value, apply_edits, scan
from cg_action._targets import Target


def update_poetry_lock(
    text: str,
    path: Path,
    answers: Mapping[NormalizedName, ProjectAnswer],
    *,
    append: bool,
) -> HashUpdate:
    """Chainguard's files for every index package of a poetry.lock (1.x or 2.x)."""
    document = scan(text, path)
    result = HashUpdate(text=text)
    legacy = document.table(("metadata", "files"))
    legacy_lists: dict[NormalizedName, Value] = {}
    if legacy is not None:
        for pair in legacy.pairs:
            if len(pair.key) == 1 and pair.value.kind is Kind.ARRAY:
                legacy_lists.setdefault(canonicalize_name(pair.key[0]), pair.value)
    pythons = _lock_scope(document.table(("metadata",)))
    edits = []
    for element in document.elements(("package",)):
        source = element.child("source")
        kind = source.get("type") if source is not None else None
        if source is not None and (kind is None or kind.string() != "legacy"):
            continue  # url, file, directory and git packages are not from an index
        release = _release(element)
        if release is None:
            continue
        name, version = release
        pin = f"{name}=={version}"
        array = element.get("files")
        if array is None:
            array = legacy_lists.get(name)
        if array is None or array.kind is not Kind.ARRAY:
            result.left.append(f"{pin}: the lock records no files (left as it is)")
            continue
        files = release_files(answers, name, version)
        if not files:
            result.left.append(f"{pin}: not served by Chainguard (left as it is)")
            continue
        # Poetry lists every file of a release, for any Python and platform
        change = file_list_edits(array, name, version, files, None, append=append)
        package_edits, plan, wheels = change
        if plan.no_fit:
            result.left.append(
                f"{pin}: none of Chainguard's files of this version fits (left as it is)"
            )
            continue
        if plan.unchanged:
            continue
        edits.extend(package_edits)
        result.updated.append(pin)
        note = None if append else gaps(wheels, [f for f, _ in plan.files], pythons)
        if note:
            result.notes.append(f"{pin}: {note}")
    result.text = apply_edits(text, edits)
    return result


def _lock_scope(metadata: Table | None) -> frozenset[Target]:
    """The targets of ``[metadata] python-versions`` (Poetry's constraint syntax; any Python
    when it is missing or cannot be read)."""
    value = metadata.get("python-versions") if metadata is not None else None
    text = value.string() if value is not None else None
    found: frozenset[Target] = frozenset()
    for part in (text or "*").split("||"):
        found |= scope(specifier_or_none(poetry_constraint(part)))
    return found


def poetry_constraint(text: str) -> str | None:
    """A Poetry version constraint (``^3.10``, ``~3.10``, ``>=3.10,<4.0``, ``3.10.*``, ``*``)
    as a PEP 440 specifier set (None: any version, or a form this does not read)."""
    parts = []
    for raw in re.split(r"[,\s]+", text.strip()):
        if not raw or raw == "*":
            continue
        caret = re.fullmatch(r"\^(\d+)(?:\.(\d+))?(?:\.\d+)?", raw)
        tilde = re.fullmatch(r"~(\d+)\.(\d+)(?:\.\d+)?", raw)
        if caret:
            major = int(caret.group(1))
            upper = f"{major + 1}.0" if major else f"0.{int(caret.group(2) or 0) + 1}"
            parts += [f">={raw[1:]}", f"<{upper}"]
        elif tilde:
            parts += [f">={raw[1:]}", f"<{tilde.group(1)}.{int(tilde.group(2)) + 1}"]
        elif raw[0].isdigit():
            parts.append(f"=={raw}")
        else:
            parts.append(raw)
    return ",".join(parts) or None


def _release(element: Element) -> tuple[NormalizedName, Version] | None:
    name, version = element.get("name"), element.get("version")
    name_text = name.string() if name is not None else None
    version_text = version.string() if version is not None else None
    if name_text is None or version_text is None:
        return None
    try:
        return canonicalize_name(name_text), Version(version_text)
    except InvalidVersion:
        return None


def for_poetry_lock(job: HashJob) -> HashUpdate:
    """``update_poetry_lock`` for ``update-hashes``."""
    return update_poetry_lock(job.text, job.path, job.answers, append=job.append)
