"""Edit the file entries of one release in a lock's text: update in place, drop, add.

A file entry is an inline table in an array (``{ url = ..., hash = ..., size = ... }``) or a
table of an array of tables (``[[packages.wheels]]``). An entry that a Chainguard file replaces
is edited value by value (``changes``: key -> new TOML text, or None to remove the pair), so
its place, comments, key order and spacing stay. Dropped entries go with their whole line
(or table); new entries copy the layout of an entry beside them, and are put where a sorted
list would have them when the list is sorted by file name (as uv, PDM and Poetry write it),
else at its end.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from cg_action._rewrite._hashes_toml import Edit, Table, Value, apply_edits, indent_at, line_start

Changes = Mapping[str, "str | None"]

_AFTER_ITEM = re.compile(r"[ \t]*,?[ \t]*(?:#[^\n]*)?\n")
_TIME = re.compile(
    r"^(?P<head>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(?P<fraction>\d+))?(?P<zone>.*)$"
)


def inline_text(value: Value, changes: Changes) -> str:
    """The new text of an inline table with ``changes`` made (keys it lacks are ignored).

    ``changes`` names keys as written, dotted ones joined by ``.`` (``hashes.sha256``).
    """
    base = value.start
    edits: list[Edit] = []
    pairs = value.pairs
    removed = {i for i, p in enumerate(pairs) if changes.get(".".join(p.key), "") is None}
    for i, pair in enumerate(pairs):
        key = ".".join(pair.key)
        if key not in changes:
            continue
        new = changes[key]
        if new is None:  # the pair goes with the separator before it (the first: after it)
            if any(j not in removed for j in range(i)):
                edits.append(Edit(pairs[i - 1].value.end - base, pair.value.end - base, ""))
            else:
                end = pairs[i + 1].start if i + 1 < len(pairs) else pair.value.end
                edits.append(Edit(pair.start - base, end - base, ""))
        elif new != pair.value.raw:
            edits.append(Edit(pair.value.start - base, pair.value.end - base, new))
    return apply_edits(value.raw, edits)


def table_edits(table: Table, changes: Changes) -> list[Edit]:
    """The edits that make ``changes`` in a ``[table]``'s own pairs."""
    edits = []
    for pair in table.pairs:
        key = ".".join(pair.key)
        if key not in changes:
            continue
        new = changes[key]
        if new is None:
            edits.append(Edit(pair.line_start, pair.line_end, ""))
        elif new != pair.value.raw:
            edits.append(Edit(pair.value.start, pair.value.end, new))
    return edits


def format_time(value: str, like: str | None) -> str:
    """An index's upload time (ISO 8601) written with as many fraction digits as ``like``."""
    found = _TIME.match(value)
    if found is None or like is None:
        return value
    shape = _TIME.match(like.strip("\"'"))
    if shape is None:
        return value
    digits = len(shape.group("fraction") or "")
    fraction = (found.group("fraction") or "").ljust(digits, "0")[:digits]
    zone = found.group("zone")
    if zone in ("+00:00", "Z", "z") and shape.group("zone"):
        zone = shape.group("zone")
    return found.group("head") + (f".{fraction}" if digits else "") + zone


@dataclass(slots=True)
class ArrayEditor:
    """Planned changes to an array of inline-table entries, turned into edits in one go."""

    array: Value
    names: list[str | None]  # the file name of each item (for sorted inserts)
    replaced: dict[int, str] = field(default_factory=dict)  # item -> its new text
    dropped: set[int] = field(default_factory=set)
    added: list[tuple[str, str]] = field(default_factory=list)  # (file name, text)
    _new_names: dict[int, str] = field(default_factory=dict)

    def replace(self, index: int, text: str, name: str | None) -> None:
        """Item ``index`` becomes ``text`` (the entry of file ``name``)."""
        if text != self.array.items[index].raw:
            self.replaced[index] = text
        if name is not None:
            self._new_names[index] = name

    def drop(self, index: int) -> None:
        """Item ``index`` goes."""
        self.dropped.add(index)

    def add(self, name: str, text: str) -> None:
        """A new item ``text`` for the file ``name``."""
        self.added.append((name, text))

    @property
    def count(self) -> int:
        """How many items the array holds afterwards."""
        return len(self.array.items) - len(self.dropped) + len(self.added)

    def edits(self) -> list[Edit]:
        """The edits that make the planned changes (none when nothing changes)."""
        if not (self.replaced or self.dropped or self.added):
            return []
        order = self._order()
        if not self._one_per_line():
            text = "[" + ", ".join(new for _, new in order) + "]"
            return [Edit(self.array.start, self.array.end, text)]
        return self._line_edits(order)

    def _order(self) -> list[tuple[int | None, str]]:
        """(kept item or None for a new one, its text), in the order they end up in.

        Kept items stay in their order; new ones go where a sorted list has them when the
        kept items' file names are sorted, else at the end.
        """
        items = self.array.items
        kept = [i for i in range(len(items)) if i not in self.dropped]
        order: list[tuple[int | None, str]] = [
            (i, self.replaced.get(i, items[i].raw)) for i in kept
        ]
        names = [self._new_names.get(i, self.names[i] or "") for i in kept]
        is_sorted = all(a <= b for a, b in itertools.pairwise(names))
        for name, text in sorted(self.added) if is_sorted else self.added:
            at = bisect.bisect_right(names, name) if is_sorted else len(names)
            names.insert(at, name)
            order.insert(at, (None, text))
        return order

    def _one_per_line(self) -> bool:
        items = self.array.items
        text = self.array.source
        if not items:
            return "\n" in self.array.raw
        for item in items:
            if text[line_start(text, item.start) : item.start].strip():
                return False
            if _AFTER_ITEM.match(text, item.end) is None:
                return False
        closing = self.array.end - 1
        return not text[line_start(text, closing) : closing].strip()

    def _indent(self) -> str:
        items = self.array.items
        if items:
            return indent_at(self.array.source, items[0].start)
        return indent_at(self.array.source, self.array.end - 1) + "    "

    def _line_edits(self, order: list[tuple[int | None, str]]) -> list[Edit]:
        text = self.array.source
        items = self.array.items
        indent = self._indent()
        edits: list[Edit] = []
        for dropped in self.dropped:
            item = items[dropped]
            after = _AFTER_ITEM.match(text, item.end)
            edits.append(Edit(line_start(text, item.start), after.end() if after else item.end, ""))
        for replaced, new in self.replaced.items():
            if replaced not in self.dropped:
                edits.append(Edit(items[replaced].start, items[replaced].end, new))
        # each new item goes on a line of its own, before the next kept item (or the bracket)
        pending: list[str] = []
        for index, new in order:
            if index is None:
                pending.append(f"{indent}{new},\n")
            elif pending:
                at = line_start(text, items[index].start)
                edits.append(Edit(at, at, "".join(pending)))
                pending = []
        if pending:
            at = line_start(text, self.array.end - 1)
            edits.append(Edit(at, at, "".join(pending)))
        return edits
