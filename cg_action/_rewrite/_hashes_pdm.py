"""Point a ``pdm.lock``'s file digests at the files Chainguard serves.

Each ``[[package]]`` lists the release's files as ``{file = name, hash = ...}`` (or
``{url = ..., hash = ...}`` with the ``static_urls`` strategy; locks of version 4.0 and older
list them under ``[metadata.files]`` as ``"name version" = [...]``); PDM lists only the files that
fit the lock's targets (``[[metadata.targets]] requires_python``) and the package's
``marker``, and so does this edit: the list becomes Chainguard's fitting files of that version
(see ``_hashes_match``), or with ``append`` gains them beside the recorded ones. A list whose
digests are all served already is left as it is. Packages without ``files`` (editable, path,
VCS and URL requirements) are skipped. ``[metadata] content_hash`` hashes pyproject.toml, not
the files: left as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from cg_action._models import ProjectAnswer
from cg_action._rewrite._hashes import HashJob, HashUpdate, file_list_edits, release_files
from cg_action._rewrite._hashes_match import gaps, marker_targets, scope, specifier_or_none
from cg_action._rewrite._hashes_toml import Document, Kind, Value, apply_edits, scan
from cg_action._targets import Target


def update_pdm_lock(
    text: str,
    path: Path,
    answers: Mapping[NormalizedName, ProjectAnswer],
    *,
    append: bool,
) -> HashUpdate:
    """Chainguard's files for every index package of a pdm.lock."""
    document = scan(text, path)
    result = HashUpdate(text=text)
    within_lock = _lock_scope(document)
    legacy = _legacy_lists(document)
    edits = []
    for element in document.elements(("package",)):
        name, version = element.get("name"), element.get("version")
        name_text = name.string() if name is not None else None
        version_text = version.string() if version is not None else None
        if name_text is None or version_text is None:
            continue
        if any(element.get(key) is not None for key in ("editable", "path", "git", "url")):
            continue
        try:
            release = canonicalize_name(name_text), Version(version_text)
        except InvalidVersion:
            continue
        array = element.get("files") or legacy.pop(release, None)
        if array is None or array.kind is not Kind.ARRAY:
            continue  # (a legacy list serves the first package of its release only)
        pin = f"{release[0]}=={release[1]}"
        files = release_files(answers, *release)
        if not files:
            result.left.append(f"{pin}: not served by Chainguard (left as it is)")
            continue
        marker = element.get("marker")
        marker_text = marker.string() if marker is not None else None
        within = within_lock & marker_targets(marker_text) if marker_text else within_lock
        change = file_list_edits(array, *release, files, within or within_lock, append=append)
        package_edits, plan, wheels = change
        if plan.no_fit:
            result.left.append(
                f"{pin}: none of Chainguard's files of this version fits the lock's Pythons "
                "and platforms (left as it is)"
            )
            continue
        if plan.unchanged:
            continue
        edits.extend(package_edits)
        result.updated.append(pin)
        note = None if append else gaps(wheels, [f for f, _ in plan.files], within or within_lock)
        if note:
            result.notes.append(f"{pin}: {note}")
    result.text = apply_edits(text, edits)
    return result


def _legacy_lists(document: Document) -> dict[tuple[NormalizedName, Version], Value]:
    """The file lists of lock version 4.0 and older: ``[metadata.files] "name version" = [...]``."""
    table = document.table(("metadata", "files"))
    found: dict[tuple[NormalizedName, Version], Value] = {}
    for pair in table.pairs if table is not None else ():
        name, _, version = pair.key[-1].partition(" ")
        try:
            found.setdefault((canonicalize_name(name), Version(version)), pair.value)
        except InvalidVersion:
            continue
    return found


def _lock_scope(document: Document) -> frozenset[Target]:
    """The targets of the lock: ``[[metadata.targets]]`` (or ``[metadata] requires_python``)."""
    found: frozenset[Target] = frozenset()
    targets = document.elements(("metadata", "targets"))
    for element in targets:
        requires = element.get("requires_python")
        found |= scope(specifier_or_none(requires.string() if requires is not None else None))
    if targets:
        return found
    metadata = document.table(("metadata",))
    requires = metadata.get("requires_python") if metadata is not None else None
    return scope(specifier_or_none(requires.string() if requires is not None else None))


def for_pdm_lock(job: HashJob) -> HashUpdate:
    """``update_pdm_lock`` for ``update-hashes``."""
    return update_pdm_lock(job.text, job.path, job.answers, append=job.append)
