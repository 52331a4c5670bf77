"""Small, careful tomlkit edits shared by the TOML formats (uv, Poetry, PDM, Pipfile).

Documents are never turned into plain dicts: values are set in place (an unchanged value is
not touched, a literal string stays literal), tables of an array are moved as whole items
with their comments, and new tables get a blank line after them like their neighbours.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cg_action._errors import ParseError
from cg_action._rewrite._interface import RewriteOptions
from cg_action._rewrite._roles import (
    Role,
    has_secret,
    role_of,
    same_index,
    target_url,
    userinfo_of,
)


def load_document(text: str, path: Path) -> Any:
    """Parse TOML with tomlkit; a syntax error becomes a ParseError naming the line."""
    import tomlkit
    from tomlkit.exceptions import ParseError as TomlkitParseError

    try:
        return tomlkit.parse(text)
    except TomlkitParseError as exc:
        raise ParseError.at(path, exc.line, f"invalid TOML: {exc}") from exc
    except (ValueError, RecursionError) as exc:
        raise ParseError.at(path, None, f"invalid TOML: {exc}") from exc


def dump_document(document: Any, original: str) -> str:
    """The document's text, ending the way the original did, new tables set off by blank lines."""
    import tomlkit

    text: str = tomlkit.dumps(document)
    if text == original:
        return text
    text = _space_new_tables(original, text)
    if original.endswith("\n\n"):
        return text
    return text.rstrip("\n") + ("\n" if original.endswith("\n") or not original else "")


_HEADER = re.compile(r"^\s*\[\[?\s*[A-Za-z0-9_.\"' -]+\]\]?\s*(#.*)?$")


def _space_new_tables(original: str, text: str) -> str:
    """Put a blank line before every table header the edit introduced right after content,
    and before an old header that a new table now runs into."""
    new_lines = text.split("\n")
    inserted = _introduced_lines(original.split("\n"), new_lines)
    blank_before: set[int] = set()
    table_run = False  # whether the run of introduced lines before this line holds a header
    for k in range(1, len(new_lines)):
        table_run = inserted[k - 1] and (table_run or bool(_HEADER.match(new_lines[k - 1])))
        if not _HEADER.match(new_lines[k]) or not new_lines[k - 1].strip():
            continue
        if inserted[k] or (inserted[k - 1] and table_run):
            blank_before.add(k)
    if not blank_before:
        return text
    out: list[str] = []
    for k, line in enumerate(new_lines):
        if k in blank_before:
            out.append("")
        out.append(line)
    return "\n".join(out)


def _introduced_lines(old: list[str], new: list[str]) -> list[bool]:
    """Which lines of ``new`` an edit introduced, in time about linear in the number of lines.

    The lines both texts begin and end with are kept. In between, the new lines are matched
    in order against the old ones: each takes the next copy of itself after the last match
    (found through a map from line to positions), or is introduced when there is none. Blank
    lines are never introduced and never move the match.
    """
    shortest = min(len(old), len(new))
    head = 0
    while head < shortest and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < shortest - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    positions: dict[str, list[int]] = {}
    for k in range(head, len(old) - tail):
        positions.setdefault(old[k], []).append(k)
    introduced = [False] * len(new)
    after = head  # old lines before this one are matched or passed over
    for k in range(head, len(new) - tail):
        line = new[k]
        if not line.strip():
            continue
        found = positions.get(line, ())
        at = bisect.bisect_left(found, after)
        if at < len(found):
            after = found[at] + 1
        else:
            introduced[k] = True
    return introduced


def get_path(document: Any, keys: Sequence[str]) -> Any | None:
    """The table at ``keys`` (e.g. ``("tool", "uv")``), or None when any part is missing."""
    current = document
    for key in keys:
        if not hasattr(current, "get"):
            return None
        current = current.get(key)
        if current is None:
            return None
    return current if hasattr(current, "get") else None


def ensure_path(document: Any, keys: Sequence[str]) -> Any:
    """The table at ``keys``, created (as super tables for the parents) when missing."""
    import tomlkit

    current = document
    for key in keys:
        found = current.get(key)
        if found is None:
            found = tomlkit.table(is_super_table=True)
            current[key] = found
            found = current[key]
        current = found
    return current


def is_table_array(value: Any) -> bool:
    """Whether ``value`` is an array of tables (``[[x]]``)."""
    from tomlkit.items import AoT

    return isinstance(value, AoT)


def set_value(table: Any, key: str, value: Any) -> bool:
    """Set ``table[key]`` unless it already equals ``value``; a literal string stays literal."""
    import tomlkit
    from tomlkit.items import String, StringType

    old = table.get(key)
    if old is not None and _plain(old) == value and type(_plain(old)) is type(value):
        return False
    if isinstance(value, str) and isinstance(old, String) and old.type is StringType.SLL:
        table[key] = tomlkit.string(value, literal=True)
    else:
        table[key] = value
    return True


def remove_key(table: Any, key: str) -> bool:
    """Delete ``table[key]`` when present."""
    if key in table:
        del table[key]
        return True
    return False


def _plain(value: Any) -> Any:
    unwrap = getattr(value, "unwrap", None)
    return unwrap() if unwrap is not None else value


def plain(value: Any) -> Any:
    """A tomlkit item as a plain Python value."""
    return _plain(value)


def new_table(values: dict[str, Any]) -> Any:
    """A new table for an array of tables."""
    import tomlkit

    table = tomlkit.table()
    for key, value in values.items():
        table[key] = value
    return table


def arrange(array: Any, wanted: Sequence[Any]) -> bool:
    """Make the array of tables hold exactly ``wanted``, in that order; whether it changed.

    Tables are moved whole, their comments with them.
    """
    current = list(array)
    if len(current) == len(wanted) and all(a is b for a, b in zip(current, wanted, strict=True)):
        return False
    while len(array):
        del array[0]
    for table in wanted:
        array.append(table)
    return True


@dataclass(slots=True)
class Source:
    """One ``[[...index]]`` / ``[[...source]]`` table and what it points at."""

    table: Any
    role: Role
    name: str | None
    url: str | None


def read_sources(
    array: Any,
    options: RewriteOptions,
    *,
    pypi_names: Callable[[str], bool] = lambda name: False,
) -> list[Source]:
    """Classify each table of an index array by its name and URL."""
    sources = []
    for table in array:
        raw_name, raw_url = plain(table.get("name")), plain(table.get("url"))
        name = raw_name if isinstance(raw_name, str) else None
        url = raw_url if isinstance(raw_url, str) else None
        if url is not None:
            role = role_of(url, options)
        elif name is not None and pypi_names(name):
            role = Role.PYPI
        else:
            role = Role.OTHER
        if name is not None and role is Role.OTHER:
            lowered = name.lower()
            if lowered == "chainguard":
                role = Role.CHAINGUARD
            elif lowered == "chainguard-remediated":
                role = Role.REMEDIATED
        sources.append(Source(table=table, role=role, name=name, url=url))
    return sources


def first(sources: Sequence[Source], role: Role) -> Source | None:
    """The first source with this role."""
    return next((s for s in sources if s.role is role), None)


def set_url(table: Any, url: str, *, expands_env: bool = False) -> bool:
    """Point ``table["url"]`` at ``url``; the user's spelling stays when it names the same index.

    Literal credentials are dropped; ``${VAR}`` user-info is kept where the tool expands it.
    """
    old = plain(table.get("url"))
    if (
        isinstance(old, str)
        and same_index(old, url)
        and not has_secret(old)
        and (expands_env or userinfo_of(old) is None)
    ):
        return False
    new = target_url(url, old if isinstance(old, str) else None, expands_env=expands_env)
    return set_value(table, "url", new)


def ensure_table_array(container: Any, key: str, where: str) -> Any:
    """``container[key]`` as an array of tables, created when missing or an empty array."""
    import tomlkit

    from cg_action._errors import RewriteError

    value = container.get(key)
    if value is None or (not is_table_array(value) and plain(value) == []):
        container[key] = tomlkit.aot()
        return container[key]
    if not is_table_array(value):
        raise RewriteError(
            f"{where}: '{key}' is written as an inline array; write it as [[...]] tables "
            "(or edit it by hand) and run the rewrite again"
        )
    return value
