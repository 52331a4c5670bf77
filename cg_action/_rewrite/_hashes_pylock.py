"""Point a ``pylock.toml`` (PEP 751) at the files Chainguard serves.

Each ``[[packages]]`` entry from an index (it has ``index``, ``wheels`` or ``sdist``; not
``vcs``, ``directory`` or ``archive``) gets Chainguard's files of its version that fit the
lock (its ``requires-python``, ``environments`` and the package's ``marker``; see
``_hashes_match``). A locked file that a Chainguard file replaces keeps its place and keys:
``url`` and ``hashes`` (``{sha256 = ...}``; a file records one digest, so digests are always
replaced) are Chainguard's, a ``name`` key takes Chainguard's file name, ``size`` is the new
file's (see ``FileSizes``) and ``upload-time`` the index's when it gives one (else kept).
Chainguard's other fitting wheels are added, locked wheels it has no file for are dropped;
wheels and sdists may be written inline or as ``[[packages.wheels]]`` / ``[packages.sdist]``
tables. ``index`` becomes the Chainguard index unless it names it already. A package whose
digests are all served is left alone. The result stays valid for ``packaging.pylock``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from cg_action._models import IndexFile, ProjectAnswer
from cg_action._rewrite._hashes import (
    FileSizes,
    HashJob,
    HashUpdate,
    filename_of,
    release_files,
    sha256_of,
    size_and_time,
)
from cg_action._rewrite._hashes_entries import ArrayEditor, inline_text, table_edits
from cg_action._rewrite._hashes_match import (
    Locked,
    gaps,
    marker_targets,
    plan_release,
    scope,
    specifier_or_none,
)
from cg_action._rewrite._hashes_toml import (
    Edit,
    Element,
    Kind,
    Value,
    apply_edits,
    scan,
    toml_string,
)
from cg_action._rewrite._roles import same_index
from cg_action._targets import Target

Entry = Value | Element


def update_pylock(
    text: str,
    path: Path,
    answers: Mapping[NormalizedName, ProjectAnswer],
    index_url: str,
    *,
    sizes: FileSizes | None = None,
) -> HashUpdate:
    """Chainguard's files for every index package of a pylock.toml."""
    document = scan(text, path)
    result = HashUpdate(text=text)
    sizes = sizes if sizes is not None else FileSizes()
    requires = document.root.get("requires-python")
    environments = document.root.get("environments")
    within_lock = scope(
        specifier_or_none(requires.string() if requires is not None else None),
        environments.strings() if environments is not None else (),
    )
    edits: list[Edit] = []
    for element in document.elements(("packages",)):
        if any(
            element.get(k) is not None or element.child(k) for k in ("vcs", "directory", "archive")
        ):
            continue
        name, version = element.get("name"), element.get("version")
        name_text = name.string() if name is not None else None
        version_text = version.string() if version is not None else None
        if name_text is None or version_text is None:
            continue  # a version is optional for non-index packages
        try:
            release = canonicalize_name(name_text), Version(version_text)
        except InvalidVersion:
            continue
        pin = f"{release[0]}=={release[1]}"
        files = release_files(answers, *release)
        if not files:
            result.left.append(f"{pin}: not served by Chainguard (left as it is)")
            continue
        marker = element.get("marker")
        marker_text = marker.string() if marker is not None else None
        within = within_lock & marker_targets(marker_text) if marker_text else within_lock
        outcome = _package(element, text, files, within or within_lock, sizes)
        if isinstance(outcome, str):
            result.left.append(f"{pin}: {outcome} (left as it is)")
            continue
        if outcome is None:
            continue
        package_edits, note = outcome
        edits.extend(package_edits)
        index = element.get("index")
        old_index = index.string() if index is not None else None
        if index is not None and old_index is not None and not same_index(old_index, index_url):
            edits.append(Edit(index.start, index.end, toml_string(index_url, like=index)))
        result.updated.append(pin)
        if note:
            result.notes.append(f"{pin}: {note}")
    result.text = apply_edits(text, edits)
    result.sizes_wanted = list(sizes.wanted)
    return result


def _package(
    element: Element,
    text: str,
    files: tuple[IndexFile, ...],
    within: frozenset[Target],
    sizes: FileSizes,
) -> tuple[list[Edit], str | None] | str | None:
    """The edits for one package (None: nothing to change; a text: why it is left)."""
    sdist: Entry | None = element.get("sdist") or element.child_element("sdist")
    inline_wheels = element.get("wheels")
    table_wheels = element.child_elements("wheels")
    wheels: Sequence[Entry] = inline_wheels.items if inline_wheels is not None else table_wheels
    entries: list[Entry] = ([sdist] if sdist is not None else []) + list(wheels)
    if not entries:
        return None  # nothing recorded to point anywhere
    if any(isinstance(e, Value) and e.kind is not Kind.TABLE for e in entries):
        return "its files are not written as inline tables or tables"
    if any(_url(e) is None for e in entries):
        return "its files are local paths, not URLs"
    locked = [Locked(filename=_filename(e), digest=_digest(e)) for e in entries]
    plan = plan_release(locked, files, within)
    if plan.no_fit:
        return "none of Chainguard's files of this version fits the lock's Pythons and platforms"
    if plan.unchanged:
        return None
    offset = 1 if sdist is not None else 0
    edits: list[Edit] = []
    editor = (
        ArrayEditor(array=inline_wheels, names=[_filename(w) for w in inline_wheels.items])
        if inline_wheels is not None
        else None
    )
    template: Entry | None = wheels[0] if wheels else sdist
    if not wheels and isinstance(sdist, Element):
        template = None  # new wheels are written inline: a table cannot be copied into one
    added: list[tuple[str, str]] = []
    for file, index in plan.files:
        if index is not None:
            entry = entries[index]
            if isinstance(entry, Element):
                edits.extend(_element_edits(entry, file, sizes))
            elif index >= offset and editor is not None:
                editor.replace(index - offset, _inline(entry, file, sizes), file.filename)
            else:
                new = _inline(entry, file, sizes)
                if new != entry.raw:
                    edits.append(Edit(entry.start, entry.end, new))
        elif file.is_wheel and isinstance(template, Element):
            added.append((file.filename, _element_copy(template, text, file, sizes)))
        elif file.is_wheel and isinstance(template, Value):
            added.append((file.filename, _inline(template, file, sizes, new=True)))
    for index in plan.dropped:
        entry = entries[index]
        if isinstance(entry, Element):
            edits.append(Edit(entry.start, entry.end, ""))
        elif index >= offset and editor is not None:
            editor.drop(index - offset)
        else:
            pair = element.table.pair("sdist")
            if pair is not None:
                edits.append(Edit(pair.line_start, pair.line_end, ""))
    if editor is not None:
        for name, entry_text in added:
            editor.add(name, entry_text)
        if editor.count:
            edits.extend(editor.edits())
        else:
            pair = element.table.pair("wheels")
            if pair is not None:
                edits.append(Edit(pair.line_start, pair.line_end, ""))
    elif added and table_wheels:
        kept = [t for i, t in enumerate(table_wheels) if i + offset not in plan.dropped]
        if kept:  # after the last kept table, each new one set off by a blank line
            at = len(text[: kept[-1].end].rstrip("\n")) + 1
            new_tables = "".join(f"\n{table}" for _, table in sorted(added))
        else:  # where the first (dropped) table began
            at = table_wheels[0].start
            new_tables = "".join(f"{table}\n" for _, table in sorted(added))
        edits.append(Edit(at, at, new_tables))
    elif added:
        pair = element.table.pair("sdist")
        at = pair.line_end if pair is not None else element.table.pairs[-1].line_end
        lines = "".join(f"    {entry_text},\n" for _, entry_text in sorted(added))
        edits.append(Edit(at, at, f"wheels = [\n{lines}]\n"))
    locked_wheels = [n for e in entries[offset:] if (n := _filename(e))]
    return edits, gaps(locked_wheels, [f for f, _ in plan.files], within)


def _changes(entry: Entry, file: IndexFile, sizes: FileSizes) -> dict[str, str | None]:
    """How an entry's own keys change to name ``file`` (nothing when its digest is the file's).

    A ``[...hashes]`` sub-table is changed apart (``_element_edits``).
    """
    digest = sha256_of(file) or ""
    if _digest(entry) == digest:
        return {}
    changes: dict[str, str | None] = {}
    if (name := entry.get("name")) is not None:
        changes["name"] = toml_string(file.filename, like=name)
    changes["url"] = toml_string(file.url, like=entry.get("url"))
    hashes = entry.get("hashes")
    if hashes is not None and [p.key for p in hashes.pairs] == [("sha256",)]:
        changes["hashes"] = inline_text(
            hashes, {"sha256": toml_string(digest, like=hashes.get("sha256"))}
        )
    elif hashes is not None:
        changes["hashes"] = f"{{ sha256 = {toml_string(digest)} }}"
    for pair in entry.pairs:  # ``hashes.sha256 = ...``: the digest, no other algorithm
        if pair.key[:1] == ("hashes",) and len(pair.key) == 2:
            new = toml_string(digest, like=pair.value) if pair.key[1] == "sha256" else None
            changes[".".join(pair.key)] = new
    changes.update(size_and_time(entry, file, sizes))
    return changes


def _inline(entry: Value, file: IndexFile, sizes: FileSizes, *, new: bool = False) -> str:
    """The inline entry's text naming ``file`` (``new``: a copy with only the keys it can fill)."""
    changes = _changes(entry, file, sizes)
    if new:
        changes = {**{p.key[0]: None for p in entry.pairs if len(p.key) == 1}, **changes}
        changes.update(size_and_time(entry, file, sizes, new=True))
    return inline_text(entry, changes)


def _element_edits(entry: Element, file: IndexFile, sizes: FileSizes) -> list[Edit]:
    """The edits that make a ``[[...wheels]]`` table (and a ``hashes`` sub-table) name ``file``."""
    changes = _changes(entry, file, sizes)
    if not changes:
        return []
    edits = table_edits(entry.table, changes)
    hashes = entry.child("hashes")
    if hashes is not None:
        digest = sha256_of(file) or ""
        sub: dict[str, str | None] = {".".join(p.key): None for p in hashes.pairs}
        sub["sha256"] = toml_string(digest, like=hashes.get("sha256"))
        edits.extend(table_edits(hashes, sub))
    return edits


def _element_copy(template: Element, text: str, file: IndexFile, sizes: FileSizes) -> str:
    """A copy of a ``[[...wheels]]`` table (and its sub-tables) naming ``file``: the keys it
    can fill, without comments or trailing blank lines."""
    changes: dict[str, str | None] = {p.key[0]: None for p in template.pairs if len(p.key) == 1}
    changes.update(_changes(template, file, sizes))
    changes.update(size_and_time(template, file, sizes, new=True))
    edits = table_edits(template.table, changes)
    hashes = template.child("hashes")
    if hashes is not None:
        sub: dict[str, str | None] = {".".join(p.key): None for p in hashes.pairs}
        sub["sha256"] = toml_string(sha256_of(file) or "", like=hashes.get("sha256"))
        edits.extend(table_edits(hashes, sub))
    body = apply_edits(text[template.start : template.end], _shifted(edits, template.start))
    lines = body.rstrip("\n").splitlines(keepends=True)
    return "".join(line for line in lines if not line.lstrip().startswith("#")).rstrip("\n") + "\n"


def _shifted(edits: list[Edit], by: int) -> list[Edit]:
    return [Edit(e.start - by, e.end - by, e.new) for e in edits]


def _url(entry: Entry) -> str | None:
    value = entry.get("url")
    return value.string() if value is not None else None


def _filename(entry: Entry) -> str | None:
    name = entry.get("name")
    if name is not None and (text := name.string()) is not None:
        return text
    return filename_of(_url(entry))


def _digest(entry: Entry) -> str | None:
    """The sha256 an entry records: ``hashes = { sha256 = ... }``, ``hashes.sha256 = ...`` or
    a ``[...hashes]`` sub-table."""
    hashes = entry.get("hashes")
    value = hashes.get("sha256") if hashes is not None else None
    if value is None:
        value = next((p.value for p in entry.pairs if p.key == ("hashes", "sha256")), None)
    if value is None and isinstance(entry, Element):
        table = entry.child("hashes")
        value = table.get("sha256") if table is not None else None
    text = value.string() if value is not None else None
    return text.lower() if text is not None else None


def for_pylock(job: HashJob) -> HashUpdate:
    """``update_pylock`` for ``update-hashes``."""
    return update_pylock(job.text, job.path, job.answers, job.index_url, sizes=job.sizes)
