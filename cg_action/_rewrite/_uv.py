"""Rewrite uv's indexes: ``[[tool.uv.index]]`` in pyproject.toml, ``[[index]]`` in uv.toml.

uv asks its indexes in the order they are listed and asks the *default* index last, whatever
its place (with the default ``first-index`` strategy it stops at the first index that has the
project). So the layout written here is:

* no fallback: the ``chainguard`` index with ``default = true``; PyPI entries are removed, so
  nothing can come from PyPI;
* fallback (the default): ``chainguard`` listed first and not default, and PyPI declared
  explicitly as the default index (``name = "pypi"``, ``default = true``) after it. Projects
  Chainguard serves come from Chainguard only; projects it does not serve at all come from
  PyPI. A PyPI index listed without ``default = true`` would be asked *before* a default
  Chainguard index, which is the trap the lint reports;
* remediated: ``chainguard-remediated`` listed first and ``index-strategy =
  "unsafe-best-match"``, so a ``+cgr.N`` build wins over the plain version. With that strategy
  uv compares versions across every index, PyPI included, so a fallback is then no longer
  lower-priority: the notes say so.

uv does not expand ``${VAR}`` in URLs; credentials come from ``UV_INDEX_<NAME>_USERNAME`` /
``_PASSWORD`` or .netrc and are never written.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from cg_action._rewrite._interface import RewriteOptions, Rewritten
from cg_action._rewrite._pipindex import removed_secret_note
from cg_action._rewrite._roles import (
    CHAINGUARD_NAME,
    REMEDIATED_NAME,
    Role,
    env_name,
    has_secret,
    role_of,
)
from cg_action._rewrite._tomledit import (
    Source,
    arrange,
    dump_document,
    ensure_table_array,
    first,
    load_document,
    new_table,
    plain,
    read_sources,
    remove_key,
    set_url,
    set_value,
)
from cg_action._urls import host_of


def referenced_indexes(sources_table: Any) -> set[str]:
    """Index names that ``[tool.uv.sources]`` pins packages to (``{ index = "name" }``)."""
    names: set[str] = set()
    if sources_table is None:
        return names
    for value in plain(sources_table).values():
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, dict) and isinstance(entry.get("index"), str):
                names.add(entry["index"])
    return names


def _secret_notes(where: str, sources: list[Source], keep: set[int]) -> list[str]:
    return [
        removed_secret_note(where, s.url)
        for s in sources
        if s.url is not None and has_secret(s.url) and id(s.table) not in keep
    ]


def rewrite_uv(
    container: Any,
    options: RewriteOptions,
    where: str,
    referenced: Collection[str] = frozenset(),
) -> list[str]:
    """Edit a uv settings table (``tool.uv`` or a uv.toml document) in place; the notes."""

    notes: list[str] = []
    array = ensure_table_array(container, "index", where)
    sources = read_sources(array, options)
    # PyPI is uv's default index unless another index is declared the default
    options = options.deciding_fallback(
        any(s.role is Role.PYPI for s in sources)
        or not any(plain(s.table.get("default")) is True for s in sources)
    )
    kept_as_is = {id(s.table) for s in sources if s.role is Role.OTHER}
    notes.extend(_secret_notes(where, sources, kept_as_is))

    chainguard = first(sources, Role.CHAINGUARD)
    cg_table = chainguard.table if chainguard else new_table({"name": CHAINGUARD_NAME})
    set_url(cg_table, options.index_url)
    set_value(cg_table, "authenticate", "always")
    remove_key(cg_table, "explicit")
    if options.fallback:
        remove_key(cg_table, "default")
    else:
        set_value(cg_table, "default", True)

    remediated = first(sources, Role.REMEDIATED)
    rem_table = remediated.table if remediated else None
    if options.remediated:
        if rem_table is None:
            rem_table = new_table({"name": REMEDIATED_NAME})
        set_url(rem_table, options.remediated_index_url)
        set_value(rem_table, "authenticate", "always")
        remove_key(rem_table, "default")
        remove_key(rem_table, "explicit")
        set_value(container, "index-strategy", "unsafe-best-match")

    pypi_tables: list[Any] = []
    pypi_sources = [s for s in sources if s.role is Role.PYPI]
    if options.fallback:
        pypi = pypi_sources[0].table if pypi_sources else new_table({"name": "pypi"})
        set_url(pypi, options.fallback_index_url)
        set_value(pypi, "default", True)
        remove_key(pypi, "explicit")
        pypi_tables.append(pypi)
    else:
        for source in pypi_sources:
            if source.name in referenced:
                set_value(source.table, "explicit", True)
                remove_key(source.table, "default")
                pypi_tables.append(source.table)
                notes.append(
                    f"{where}: kept index '{source.name}' as explicit: [tool.uv.sources] pins "
                    "packages to it"
                )

    others = [
        s.table
        for s in sources
        if s.table is not cg_table and s.table is not rem_table and s.role is not Role.PYPI
    ]
    for table in others:
        if plain(table.get("default")) is True:
            remove_key(table, "default")
            notes.append(
                f"{where}: index '{plain(table.get('name'))}' is no longer the default index"
            )
    wanted = [*([rem_table] if rem_table is not None else []), cg_table, *others, *pypi_tables]
    arrange(array, wanted)
    notes.extend(_legacy_settings(container, options, where))

    cg_name = str(plain(cg_table.get("name")))
    host = host_of(options.index_url)
    names = [cg_name] + (
        [str(plain(rem_table.get("name")))] if options.remediated and rem_table is not None else []
    )
    variables = ", ".join(
        f"UV_INDEX_{env_name(n)}_USERNAME / UV_INDEX_{env_name(n)}_PASSWORD" for n in names
    )
    notes.append(
        f"uv: credentials are not written into files; set {variables} (the username as "
        f"is, with its '/'), or use ~/.netrc ('machine {host}')"
    )
    if options.fallback:
        notes.append(
            "uv: PyPI is declared as the default index, which uv asks last: projects Chainguard "
            "serves come only from Chainguard, projects it lacks come from PyPI"
        )
        if options.remediated:
            notes.append(
                'uv: with index-strategy = "unsafe-best-match" uv compares versions across all '
                "indexes, PyPI included: a newer PyPI version can win; use --no-fallback or a "
                "repository manager to prevent that"
            )
    return notes


def _legacy_settings(container: Any, options: RewriteOptions, where: str) -> list[str]:
    """Drop the pip-style ``index-url`` / ``extra-index-url`` settings that the indexes replace."""
    notes: list[str] = []
    legacy = plain(container.get("index-url"))
    if isinstance(legacy, str) and role_of(legacy, options) is not Role.OTHER:
        remove_key(container, "index-url")
        notes.append(f"{where}: removed 'index-url' (replaced by the [[index]] tables)")
    extras = plain(container.get("extra-index-url"))
    if isinstance(extras, list):
        kept = [u for u in extras if not isinstance(u, str) or role_of(u, options) is Role.OTHER]
        if len(kept) != len(extras):
            if kept:
                container["extra-index-url"] = kept
            else:
                remove_key(container, "extra-index-url")
            notes.append(f"{where}: removed Chainguard/PyPI entries of 'extra-index-url'")
    return notes


def rewrite_text(text: str, path: Path, options: RewriteOptions) -> Rewritten:
    """Point a uv.toml at Chainguard."""
    document = load_document(text, path)
    notes = rewrite_uv(document, options, str(path), referenced_indexes(document.get("sources")))
    return Rewritten(text=dump_document(document, text), notes=tuple(notes))
