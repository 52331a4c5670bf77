"""Replace the digests a lockfile records with those the Chainguard index serves.

Versions never change: for each locked ``name==version`` the Chainguard files of exactly that
version are looked up, and the lock's entries for it are pointed at them (see
``_hashes_match`` for which files fit a lock and which entry each replaces). A version
Chainguard does not serve is left as it is and listed. Where the digests a lock records are
already served, nothing changes: a lock made from the same index stays byte for byte.
Supported here:

* requirements files with ``--hash`` options (pip-compile output, hand-written): the hashes of
  each pinned requirement become Chainguard's digests of that version, or with ``append`` are
  added beside them (pip accepts any of the listed digests). Hash lines that stay are not
  touched; a sorted list stays sorted.
* ``uv.lock``: each wheel and sdist entry takes the URL, hash (and, when the index gives them,
  size and upload time) of the Chainguard file that replaces it; Chainguard's other fitting
  files are added, entries it has no file for are dropped; the package's
  ``source = { registry = ... }`` (and references to it from other packages) becomes the
  Chainguard index, spelled as written when it names the same index. One digest per file:
  replaced, never appended.

``poetry.lock``, ``pdm.lock``, ``Pipfile.lock`` and ``pylock.toml`` have their own modules
(``_hashes_<format>.py``); the file lists of Poetry and PDM are edited here
(``file_list_edits``), and ``_hashes_relock`` re-runs pip-compile. Text is edited in place
(``_hashes_toml``), never re-serialized: everything the edit does not name keeps its bytes.

The fetching is done by the caller (``IndexClient.get_projects``); this module is pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from cg_action._models import Dependency, Found, IndexFile, ProjectAnswer
from cg_action._rewrite._hashes_entries import ArrayEditor, format_time, inline_text
from cg_action._rewrite._hashes_match import (
    Locked,
    ReleasePlan,
    file_key,
    gaps,
    is_release_file,
    marker_targets,
    plan_release,
    scope,
    sha256_of,
    specifier_or_none,
    upload_time_of,
)
from cg_action._rewrite._hashes_toml import (
    Document,
    Edit,
    Element,
    Kind,
    Table,
    Value,
    apply_edits,
    scan,
    toml_string,
)
from cg_action._rewrite._roles import same_index
from cg_action._targets import Target

__all__ = [
    "FileSizes",
    "HashUpdate",
    "file_key",
    "file_list_edits",
    "is_release_file",
    "release_files",
    "served_files",
    "sha256_of",
    "update_requirements",
    "update_uv_lock",
]

_HASH_OPTION = re.compile(r"--hash[=\s]\s*(\S+)")


@dataclass(slots=True)
class HashUpdate:
    """The new text of a lockfile and what could not be moved to Chainguard."""

    text: str
    updated: list[str] = field(default_factory=list)  # "name==version" whose entries changed
    left: list[str] = field(default_factory=list)  # "name==version: why"
    notes: list[str] = field(default_factory=list)  # "name==version: what it lacks"
    sizes_wanted: list[str] = field(default_factory=list)  # URLs: see ``FileSizes.wanted``


@dataclass(slots=True)
class FileSizes:
    """The sizes of Chainguard's files, for entries that record a ``size``.

    A size the index's page gives is used (PEP 700); else the size the caller asked the index
    for apart (``asked``: URL -> size, None when the index could not tell). A size nobody
    knows is not written: the recorded one described the old file, and a lock with a wrong
    size is refused (``uv pip sync`` of a pylock.toml checks it). The URLs of files whose size
    was needed and not asked for yet are collected in ``wanted``, so that the caller can ask
    the index and run the update again.
    """

    asked: Mapping[str, int | None] = field(default_factory=dict)
    wanted: list[str] = field(default_factory=list)

    def of(self, file: IndexFile) -> int | None:
        """The file's size, or None when it is not known."""
        size = file.size
        if size is None:
            size = self.asked.get(file.url)
            if size is None and file.url not in self.asked and file.url not in self.wanted:
                self.wanted.append(file.url)
        return size


@dataclass(frozen=True, slots=True)
class HashJob:
    """What ``update-hashes`` hands the updater of one file, whatever its format: each
    format's ``for_*`` function (named in ``cg_action._formats_table``) takes what it needs."""

    text: str
    path: Path
    dependencies: list[Dependency]  # what the file's reader found in it
    answers: Mapping[NormalizedName, ProjectAnswer]
    index_url: str
    append: bool = False  # keep the digests there are, add Chainguard's
    sizes: FileSizes | None = None


def served_files(
    answers: Mapping[NormalizedName, ProjectAnswer], name: NormalizedName, version: Version
) -> tuple[IndexFile, ...]:
    """Chainguard's files for exactly this version (empty when it has none)."""
    answer = answers.get(name)
    if not isinstance(answer, Found):
        return ()
    return answer.project.files_for(version)


def release_files(
    answers: Mapping[NormalizedName, ProjectAnswer], name: NormalizedName, version: Version
) -> tuple[IndexFile, ...]:
    """Chainguard's files of exactly this version that carry a sha256 digest."""
    return tuple(f for f in served_files(answers, name, version) if sha256_of(f))


def new_order(old: Sequence[str], wanted: Sequence[str], *, append: bool) -> list[str]:
    """The digests a list holds afterwards: those that stay keep their order, new ones follow.

    A list that was sorted stays sorted. With ``append`` nothing is removed.
    """
    kept = list(old) if append else [d for d in old if d in set(wanted)]
    result = kept + [d for d in dict.fromkeys(wanted) if d not in set(kept)]
    if list(old) == sorted(old):
        result.sort()
    return result


def is_unchanged(
    old: Sequence[str], wanted: Sequence[str], served: set[str], *, append: bool
) -> bool:
    """Whether a digest list needs no change: all its digests are served (or, with
    ``append``, all of Chainguard's are there already). An empty list is filled."""
    if old and all(d in served for d in old):
        return True
    return append and all(d in set(old) for d in wanted)


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
        digests = [
            f"sha256:{d}"
            for f in served_files(answers, dep.name, dep.version)
            if (d := sha256_of(f))
        ]
        if not digests:
            result.left.append(f"{pin}: not served by Chainguard (hashes left as they are)")
            continue
        start = dep.location.line - 1
        end = start
        while end < len(lines) and lines[end].rstrip().endswith("\\"):
            end += 1
        end += 1  # one past the last physical line of the requirement
        block = lines[start:end]
        old = [m.group(1) for line in block for m in _HASH_OPTION.finditer(line)]
        if is_unchanged(old, digests, set(digests), append=append):
            continue
        edits[start] = (end, _rehash(block, old, new_order(old, digests, append=append)))
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


def _rehash(block: list[str], old: list[str], hashes: list[str]) -> list[str]:
    """A requirement's lines with ``hashes`` as its ``--hash`` options.

    When each hash sits on a line of its own (as pip-compile writes them), those lines are
    replaced and the others stay; otherwise the requirement is written again that way.
    """
    own_lines = [i for i, line in enumerate(block) if line.lstrip().startswith("--hash")]
    if len(own_lines) == len(old) and own_lines == list(range(1, len(old) + 1)):
        first = block[own_lines[0]]
        indent = first[: len(first) - len(first.lstrip())]
        spelling = "--hash=" if first.lstrip().startswith("--hash=") else "--hash "
        by_digest = {
            m.group(1): block[i] for i in own_lines for m in _HASH_OPTION.finditer(block[i])
        }
        new = []
        for k, digest in enumerate(hashes):
            line = by_digest.get(digest, f"{indent}{spelling}{digest}")
            body = line.rstrip().removesuffix("\\").rstrip()
            new.append(f"{body} \\" if k < len(hashes) - 1 else body)
        return [block[0], *new, *block[own_lines[-1] + 1 :]]
    joined = " ".join(line.rstrip().removesuffix("\\").strip() for line in block)
    head = _HASH_OPTION.sub("", joined).strip()
    return [
        f"{head} \\",
        *(f"    --hash={h} \\" for h in hashes[:-1]),
        f"    --hash={hashes[-1]}",
    ]


# ---------------------------------------------------------------- uv.lock


def update_uv_lock(
    text: str,
    path: Path,
    answers: Mapping[NormalizedName, ProjectAnswer],
    index_url: str,
    *,
    sizes: FileSizes | None = None,
) -> HashUpdate:
    """Point every registry package of a uv.lock at Chainguard's files of the same version."""
    document = scan(text, path)
    result = HashUpdate(text=text)
    sizes = sizes if sizes is not None else FileSizes()
    packages = document.elements(("package",))
    within_lock = scope(
        specifier_or_none(_string(document.root.get("requires-python"))),
        _strings(document.root.get("supported-markers")),
    )
    reach = _uv_reach(packages, within_lock)
    registry_text = _registry_spelling(packages, index_url)
    edits: list[Edit] = []
    moved: list[tuple[NormalizedName, Version, str]] = []  # (name, version, old registry)
    for element, within in zip(packages, reach, strict=True):
        source = _record(element, "source")
        registry = _string(source.get("registry")) if source is not None else None
        name, version = _string(element.get("name")), _string(element.get("version"))
        if registry is None or name is None or version is None:
            continue  # editable, path, git and url sources are not from an index
        try:
            release = canonicalize_name(name), Version(version)
        except InvalidVersion:
            continue
        pin = f"{release[0]}=={release[1]}"
        files = release_files(answers, *release)
        if not files:
            result.left.append(f"{pin}: not served by Chainguard (left as it is)")
            continue
        outcome = _uv_package(element, files, within or within_lock, sizes)
        if isinstance(outcome, str):
            result.left.append(f"{pin}: {outcome} (left as it is)")
            continue
        if outcome is None:
            continue  # its files are the index's already
        package_edits, note = outcome
        edits.extend(package_edits)
        old_registry = source.get("registry") if source is not None else None
        if old_registry is not None and not same_index(registry, index_url):
            edits.append(
                Edit(
                    old_registry.start,
                    old_registry.end,
                    toml_string(registry_text, like=old_registry),
                )
            )
            moved.append((release[0], release[1], registry))
        result.updated.append(pin)
        if note:
            result.notes.append(f"{pin}: {note}")
    edits.extend(_reference_edits(packages, moved, registry_text))
    result.text = apply_edits(text, edits)
    result.sizes_wanted = list(sizes.wanted)
    return result


def _uv_package(
    element: Element, files: tuple[IndexFile, ...], within: frozenset[Target], sizes: FileSizes
) -> tuple[list[Edit], str | None] | str | None:
    """The edits for one package (None: nothing to change; a text: why it is left)."""
    sdist = element.get("sdist")
    wheels = element.get("wheels")
    if (
        (sdist is not None and sdist.kind is not Kind.TABLE)
        or (
            wheels is not None
            and (
                wheels.kind is not Kind.ARRAY or any(w.kind is not Kind.TABLE for w in wheels.items)
            )
        )
        or element.child("sdist") is not None
        or element.child_array("wheels")
    ):
        return "its files are not written as uv writes them"
    entries: list[Value] = ([sdist] if sdist is not None else []) + (
        list(wheels.items) if wheels else []
    )
    if not entries:
        return None  # nothing recorded to point anywhere
    if any(e.get("url") is None for e in entries):
        return "its files are local paths, not URLs"
    locked = [
        Locked(filename=filename_of(_string(e.get("url"))), digest=_digest(e.get("hash")))
        for e in entries
    ]
    plan = plan_release(locked, files, within)
    if plan.no_fit:
        return "none of Chainguard's files of this version fits the lock's Pythons and platforms"
    if plan.unchanged:
        return None
    edits: list[Edit] = []
    offset = 1 if sdist is not None else 0
    editor = (
        ArrayEditor(array=wheels, names=[filename_of(_string(w.get("url"))) for w in wheels.items])
        if wheels
        else None
    )
    template = wheels.items[0] if wheels and wheels.items else entries[0]
    new_sdist: str | None = None
    new_wheels: list[tuple[str, str]] = []
    for file, index in plan.files:
        if index is not None:
            entry = entries[index]
            changed = inline_text(entry, _uv_changes(entry, file, sizes))
            if index < offset:
                if changed != entry.raw:
                    edits.append(Edit(entry.start, entry.end, changed))
            elif editor is not None:
                editor.replace(index - offset, changed, file.filename)
        elif file.is_wheel:
            new_wheels.append(
                (file.filename, inline_text(template, _uv_new(template, file, sizes)))
            )
        elif sdist is None and new_sdist is None:
            new_sdist = inline_text(template, _uv_new(template, file, sizes))
    for index in plan.dropped:
        if index < offset:
            edits.extend(_without_pair(element.table, "sdist"))
        elif editor is not None:
            editor.drop(index - offset)
    if editor is not None:
        for name, entry_text in new_wheels:
            editor.add(name, entry_text)
        if editor.count:
            edits.extend(editor.edits())
        else:
            edits.extend(_without_pair(element.table, "wheels"))
    elif new_wheels:
        at = _after_pair(element.table, ("sdist", "source", "version"))
        lines = "".join(f"    {entry_text},\n" for _, entry_text in sorted(new_wheels))
        edits.append(Edit(at, at, f"wheels = [\n{lines}]\n"))
    if new_sdist is not None:
        wheels_pair = element.table.pair("wheels")
        at = (
            wheels_pair.line_start
            if wheels_pair is not None
            else _after_pair(element.table, ("source", "version"))
        )
        edits.append(Edit(at, at, f"sdist = {new_sdist}\n"))
    locked_wheels = [n for e in entries[offset:] if (n := filename_of(_string(e.get("url"))))]
    return edits, gaps(locked_wheels, [f for f, _ in plan.files], within)


def _uv_changes(entry: Value, file: IndexFile, sizes: FileSizes) -> dict[str, str | None]:
    """How an entry changes to name ``file`` (nothing when its digest is the file's)."""
    digest = f"sha256:{sha256_of(file)}"
    old_hash = entry.get("hash")
    if _string(old_hash) == digest:
        return {}
    changes: dict[str, str | None] = {
        "url": toml_string(file.url, like=entry.get("url")),
        "hash": toml_string(digest, like=old_hash),
    }
    changes.update(size_and_time(entry, file, sizes))
    return changes


def _uv_new(template: Value, file: IndexFile, sizes: FileSizes) -> dict[str, str | None]:
    """A copy of ``template`` for ``file``: its keys with the file's values, others removed."""
    changes: dict[str, str | None] = {p.key[0]: None for p in template.pairs if len(p.key) == 1}
    changes.update(_uv_changes(template, file, sizes))
    changes.update(size_and_time(template, file, sizes, new=True))
    return changes


def size_and_time(
    entry: Value | Table | Element, file: IndexFile, sizes: FileSizes, *, new: bool = False
) -> dict[str, str | None]:
    """``size`` and ``upload-time`` of an entry that has them, now naming ``file``.

    The size is the file's (see ``FileSizes``), or removed when nobody knows it. The time is
    the index's when it gives one, in the entry's form (a string for uv, a TOML date-time for
    pylock, as many fraction digits as before); else it stays (``new``: it is removed).
    """
    changes: dict[str, str | None] = {}
    if entry.get("size") is not None:
        size = sizes.of(file)
        changes["size"] = str(size) if size is not None else None
    time = upload_time_of(file)
    old = entry.get("upload-time")
    if old is not None and time is not None:
        formatted = format_time(time, old.raw)
        changes["upload-time"] = (
            toml_string(formatted, like=old) if old.kind is Kind.STRING else formatted
        )
    elif old is not None and new:
        changes["upload-time"] = None
    return changes


def _uv_reach(packages: list[Element], within_lock: frozenset[Target]) -> list[frozenset[Target]]:
    """Where each package is installed: the lock's scope narrowed by the markers on the way
    from the workspace's members to it (and by its own ``resolution-markers``)."""
    by_name: dict[str, list[int]] = {}
    own: list[frozenset[Target]] = []
    for i, element in enumerate(packages):
        by_name.setdefault(canonicalize_name(_string(element.get("name")) or ""), []).append(i)
        forks = _strings(element.get("resolution-markers"))
        own.append(
            within_lock & frozenset().union(*(marker_targets(m) for m in forks))
            if forks
            else within_lock
        )
    reach: list[frozenset[Target]] = [frozenset()] * len(packages)
    work: list[int] = []
    for i, element in enumerate(packages):
        source = _record(element, "source")
        if source is not None and any(
            source.get(k) is not None for k in ("editable", "virtual", "directory")
        ):
            reach[i] = own[i]
            work.append(i)
    while work:
        i = work.pop()
        for dependency in _dependency_entries(packages[i]):
            name = canonicalize_name(_string(dependency.get("name")) or "")
            version = _string(dependency.get("version"))
            marker = _string(dependency.get("marker"))
            carried = reach[i] & marker_targets(marker) if marker else reach[i]
            for j in by_name.get(name, ()):
                if version is not None and _string(packages[j].get("version")) != version:
                    continue
                grown = reach[j] | (carried & own[j])
                if grown != reach[j]:
                    reach[j] = grown
                    work.append(j)
    return reach


def _dependency_entries(element: Element) -> list[Value]:
    """The inline tables of a package's ``dependencies``, ``optional-dependencies`` and
    ``dev-dependencies`` (written inline or as sub-tables)."""
    found: list[Value] = []
    arrays: list[Value] = []
    if (value := element.get("dependencies")) is not None:
        arrays.append(value)
    for key in ("optional-dependencies", "dev-dependencies"):
        inline = element.get(key)
        if inline is not None:
            arrays.extend(p.value for p in inline.pairs)
        table = element.child(key)
        if table is not None:
            arrays.extend(p.value for p in table.pairs)
    for array in arrays:
        found.extend(item for item in array.items if item.kind is Kind.TABLE)
    return found


def _reference_edits(
    packages: list[Element], moved: list[tuple[NormalizedName, Version, str]], registry_text: str
) -> list[Edit]:
    """Point dependency entries that name a moved package's old registry at the new one."""
    if not moved:
        return []
    edits = []
    for element in packages:
        for dependency in _dependency_entries(element):
            source = dependency.get("source")
            registry = source.get("registry") if source is not None else None
            old = _string(registry)
            if registry is None or old is None:
                continue
            name = canonicalize_name(_string(dependency.get("name")) or "")
            version = _string(dependency.get("version"))
            for moved_name, moved_version, moved_registry in moved:
                if name != moved_name or not same_index(old, moved_registry):
                    continue
                if version is not None and _version(version) != moved_version:
                    continue
                edits.append(
                    Edit(registry.start, registry.end, toml_string(registry_text, like=registry))
                )
                break
    return edits


def _registry_spelling(packages: list[Element], index_url: str) -> str:
    """The index URL as the lock already spells it for some package, else as given."""
    for element in packages:
        source = _record(element, "source")
        registry = _string(source.get("registry")) if source is not None else None
        if registry is not None and same_index(registry, index_url):
            return registry
    return index_url


def _without_pair(table: Table, key: str) -> list[Edit]:
    """The edit that removes ``key``'s line(s) from the table (none when it lacks the key)."""
    pair = table.pair(key)
    return [Edit(pair.line_start, pair.line_end, "")] if pair is not None else []


def _after_pair(table: Table, keys: Sequence[str]) -> int:
    """Past the line of the first of ``keys`` the table has (else past its last pair)."""
    for key in keys:
        pair = table.pair(key)
        if pair is not None:
            return pair.line_end
    return table.pairs[-1].line_end if table.pairs else table.body


# ---------------------------------------------------------------- file lists (Poetry, PDM)


def file_entry_name(entry: Value) -> str | None:
    """The file name of a ``{file = ..., hash = ...}`` or ``{url = ..., hash = ...}`` entry."""
    for key in ("file", "url"):
        value = _string(entry.get(key))
        if value is not None:
            return filename_of(value)
    return None


def file_list_edits(
    array: Value,
    name: NormalizedName,
    version: Version,
    files: tuple[IndexFile, ...],
    within: frozenset[Target] | None,
    *,
    append: bool,
) -> tuple[list[Edit], ReleasePlan, list[str]]:
    """The edits that make a lock's list of release files (Poetry, PDM) name Chainguard's files.

    Returns the edits (none when the list needs no change), the plan and the locked wheels'
    names (for ``gaps``). Entries of other releases (Poetry 1.x lists every locked
    version of a name together) are not touched. ``{file = ...}`` entries get Chainguard's
    file name, ``{url = ...}`` entries its URL.
    """
    mine = [
        i
        for i, item in enumerate(array.items)
        if item.kind is Kind.TABLE and is_release_file(file_entry_name(item), name, version)
    ]
    entries = [array.items[i] for i in mine]
    locked = [Locked(filename=file_entry_name(e), digest=_digest(e.get("hash"))) for e in entries]
    plan = plan_release(locked, files, within, append=append)
    wheels = [n for e in entries if (n := file_entry_name(e)) and n.endswith(".whl")]
    if plan.unchanged:
        return [], plan, wheels
    editor = ArrayEditor(array=array, names=[_sort_name(item) for item in array.items])
    template = entries[0] if entries else None
    for file, index in plan.files:
        if index is not None:
            entry = entries[index]
            editor.replace(
                mine[index], inline_text(entry, _list_changes(entry, file)), file.filename
            )
        elif template is not None:
            editor.add(file.filename, inline_text(template, _list_new(template, file)))
        else:
            digest = toml_string(f"sha256:{sha256_of(file)}")
            editor.add(file.filename, f"{{file = {toml_string(file.filename)}, hash = {digest}}}")
    for index in plan.dropped:
        editor.drop(mine[index])
    return editor.edits(), plan, wheels


def _sort_name(item: Value) -> str | None:
    return file_entry_name(item) if item.kind is Kind.TABLE else None


def _list_changes(entry: Value, file: IndexFile) -> dict[str, str | None]:
    digest = f"sha256:{sha256_of(file)}"
    old_hash = entry.get("hash")
    if _string(old_hash) == digest:
        return {}
    changes: dict[str, str | None] = {"hash": toml_string(digest, like=old_hash)}
    if (url := entry.get("url")) is not None:
        changes["url"] = toml_string(file.url, like=url)
    if (name := entry.get("file")) is not None:
        changes["file"] = toml_string(file.filename, like=name)
    return changes


def _list_new(template: Value, file: IndexFile) -> dict[str, str | None]:
    changes: dict[str, str | None] = {p.key[0]: None for p in template.pairs if len(p.key) == 1}
    changes.update(_list_changes(template, file))
    return changes


# ---------------------------------------------------------------- small readers


def _record(element: Element, key: str) -> Value | Table | None:
    """``key`` of an array element as an inline table or a sub-table."""
    value = element.get(key)
    if value is not None:
        return value if value.kind is Kind.TABLE else None
    return element.child(key)


def _string(value: Value | None) -> str | None:
    return value.string() if value is not None else None


def _strings(value: Value | None) -> list[str]:
    return value.strings() if value is not None and value.kind is Kind.ARRAY else []


def _digest(value: Value | None) -> str | None:
    """The hex digest of a ``sha256:<hex>`` string (None for anything else)."""
    text = _string(value)
    if text is None or not text.lower().startswith("sha256:"):
        return None
    return text[len("sha256:") :].lower()


def filename_of(location: str | None) -> str | None:
    """The file name at the end of a URL or path (``%2B`` read as ``+``)."""
    if location is None:
        return None
    last = location.replace("\\", "/").rsplit("/", 1)[-1].split("#", 1)[0].split("?", 1)[0]
    return unquote(last)


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def lock_document(text: str, path: Path) -> Document:
    """The scanned lockfile (for the per-format modules)."""
    return scan(text, path)


def for_requirements(job: HashJob) -> HashUpdate:
    """``update_requirements`` for ``update-hashes``."""
    return update_requirements(job.text, job.dependencies, job.answers, append=job.append)


def for_uv_lock(job: HashJob) -> HashUpdate:
    """``update_uv_lock`` for ``update-hashes``."""
    return update_uv_lock(job.text, job.path, job.answers, job.index_url, sizes=job.sizes)
