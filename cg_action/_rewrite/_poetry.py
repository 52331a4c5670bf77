"""Rewrite Poetry's package sources: ``[[tool.poetry.source]]`` in pyproject.toml.

Chainguard becomes a source named ``chainguard`` with ``priority = "primary"`` (the remediated
index, when asked for, a primary source listed before it). Poetry asks primary sources first
and supplemental ones only for what the primary sources lack, so a fallback is PyPI declared by
name (``name = "PyPI"``, no URL) with ``priority = "supplemental"``; resolution has been seen
to hang when no PyPI source is declared at all. Without a fallback PyPI sources are removed,
unless a dependency pins itself to one (``source = "pypi"``): that one becomes ``explicit``.
Credentials come from ``POETRY_HTTP_BASIC_<SOURCE>_USERNAME`` / ``_PASSWORD``; never written.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from cg_action._rewrite._interface import RewriteOptions
from cg_action._rewrite._pipindex import removed_secret_note
from cg_action._rewrite._roles import (
    CHAINGUARD_NAME,
    REMEDIATED_NAME,
    Role,
    env_name,
    has_secret,
)
from cg_action._rewrite._tomledit import (
    arrange,
    ensure_table_array,
    first,
    new_table,
    plain,
    read_sources,
    set_url,
    set_value,
)


def referenced_sources(poetry: Any) -> set[str]:
    """Source names that dependencies pin themselves to (``{ source = "name" }``), lower-cased."""
    names: set[str] = set()
    tables = [plain(poetry.get("dependencies") or {}), plain(poetry.get("dev-dependencies") or {})]
    for group in (plain(poetry.get("group") or {})).values():
        if isinstance(group, dict):
            tables.append(group.get("dependencies") or {})
    for table in tables:
        if not isinstance(table, dict):
            continue
        for value in table.values():
            for entry in value if isinstance(value, list) else [value]:
                if isinstance(entry, dict) and isinstance(entry.get("source"), str):
                    names.add(entry["source"].lower())
    return names


def _is_secondary(table: Any) -> bool:
    """Whether a source leaves PyPI in place (supplemental, explicit, or Poetry 1's secondary)."""
    priority = plain(table.get("priority"))
    return priority in ("supplemental", "explicit", "secondary") or (
        priority is None and plain(table.get("secondary")) is True
    )


def rewrite_poetry(
    poetry: Any, options: RewriteOptions, where: str, referenced: Collection[str] = ()
) -> list[str]:
    """Edit a ``[tool.poetry]`` table in place; the notes."""

    notes: list[str] = []
    array = ensure_table_array(poetry, "source", where)
    sources = read_sources(array, options, pypi_names=lambda name: name.lower() == "pypi")
    # Poetry uses PyPI unless a primary source (the default priority) replaces it
    options = options.deciding_fallback(
        any(s.role is Role.PYPI for s in sources) or all(_is_secondary(s.table) for s in sources)
    )
    notes.extend(
        removed_secret_note(where, s.url)
        for s in sources
        if s.url and has_secret(s.url) and s.role is not Role.OTHER
    )
    chainguard = first(sources, Role.CHAINGUARD)
    cg_table = chainguard.table if chainguard else new_table({"name": CHAINGUARD_NAME})
    set_url(cg_table, options.index_url)
    set_value(cg_table, "priority", "primary")

    remediated = first(sources, Role.REMEDIATED)
    rem_table = remediated.table if remediated else None
    if options.remediated:
        if rem_table is None:
            rem_table = new_table({"name": REMEDIATED_NAME})
        set_url(rem_table, options.remediated_index_url)
        set_value(rem_table, "priority", "primary")

    pypi_tables: list[Any] = []
    pypi_sources = [s for s in sources if s.role is Role.PYPI]
    if options.fallback:
        pypi = pypi_sources[0].table if pypi_sources else new_table({"name": "PyPI"})
        set_value(pypi, "priority", "supplemental")
        pypi_tables.append(pypi)
    else:
        for source in pypi_sources:
            if source.name is not None and source.name.lower() in referenced:
                set_value(source.table, "priority", "explicit")
                pypi_tables.append(source.table)
                notes.append(
                    f"{where}: kept source '{source.name}' as explicit: dependencies pin to it"
                )
    others = [
        s.table
        for s in sources
        if s.table is not cg_table and s.table is not rem_table and s.role is not Role.PYPI
    ]
    wanted = [*([rem_table] if rem_table is not None else []), cg_table, *others, *pypi_tables]
    arrange(array, wanted)

    names = [str(plain(cg_table.get("name")))]
    if options.remediated and rem_table is not None:
        names.insert(0, str(plain(rem_table.get("name"))))
    variables = ", ".join(
        f"POETRY_HTTP_BASIC_{env_name(n)}_USERNAME / POETRY_HTTP_BASIC_{env_name(n)}_PASSWORD"
        for n in names
    )
    notes.append(
        f"poetry: credentials are not written into files; set {variables}, or run "
        "'poetry config http-basic.<source> <user> <token>' outside the repository"
    )
    if not options.fallback:
        notes.append(
            "poetry: no PyPI source is declared; Poetry resolution has been seen to hang "
            "without one: keep a supplemental PyPI source (--fallback) if it does"
        )
    return notes
