"""Rewrite a Pipfile's ``[[source]]`` tables and the per-package ``index`` that names them.

Pipenv installs a package without ``index = ...`` from the first source, so Chainguard
(``name = "chainguard"``, ``verify_ssl = true``) goes first; the remediated index follows it
(packages opt in with ``index = "chainguard-remediated"``); PyPI, when a fallback is wanted,
stays as a later source that packages can name. Packages whose ``index`` named a PyPI source
are moved to Chainguard. Pipenv expands ``${VAR}`` in source URLs, so such user-info is kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cg_action._rewrite._interface import RewriteOptions, Rewritten
from cg_action._rewrite._pipindex import removed_secret_note
from cg_action._rewrite._roles import CHAINGUARD_NAME, REMEDIATED_NAME, Role, has_secret
from cg_action._rewrite._tomledit import (
    arrange,
    dump_document,
    ensure_table_array,
    first,
    load_document,
    new_table,
    plain,
    read_sources,
    set_url,
    set_value,
)
from cg_action._urls import host_of

_NOT_PACKAGES = frozenset({"source", "requires", "pipenv", "scripts"})


def rewrite_text(text: str, path: Path, options: RewriteOptions) -> Rewritten:
    """Point a Pipfile at Chainguard."""

    document = load_document(text, path)
    where = str(path)
    notes: list[str] = []
    array = ensure_table_array(document, "source", where)
    sources = read_sources(array, options)
    # pipenv uses PyPI when the Pipfile names no source
    options = options.deciding_fallback(not sources or any(s.role is Role.PYPI for s in sources))
    notes.extend(
        removed_secret_note(where, s.url)
        for s in sources
        if s.url and has_secret(s.url) and s.role is not Role.OTHER
    )
    chainguard = first(sources, Role.CHAINGUARD)
    cg_table = chainguard.table if chainguard else new_table({"name": CHAINGUARD_NAME})
    set_url(cg_table, options.index_url, expands_env=True)
    set_value(cg_table, "verify_ssl", True)
    cg_name = str(plain(cg_table.get("name")))

    remediated = first(sources, Role.REMEDIATED)
    rem_table = remediated.table if remediated else None
    if options.remediated:
        if rem_table is None:
            rem_table = new_table({"name": REMEDIATED_NAME})
        set_url(rem_table, options.remediated_index_url, expands_env=True)
        set_value(rem_table, "verify_ssl", True)

    pypi_sources = [s for s in sources if s.role is Role.PYPI]
    pypi_names = {s.name for s in pypi_sources if s.name}
    pypi_tables = [s.table for s in pypi_sources] if options.fallback else []
    if options.fallback and not pypi_tables:
        pypi_tables = [
            new_table({"name": "pypi", "url": options.fallback_index_url, "verify_ssl": True})
        ]
    others = [
        s.table
        for s in sources
        if s.table is not cg_table and s.table is not rem_table and s.role is not Role.PYPI
    ]
    wanted = [cg_table, *([rem_table] if rem_table is not None else []), *others, *pypi_tables]
    arrange(array, wanted)

    moved = _move_package_indexes(document, pypi_names, cg_name)
    if moved:
        notes.append(f"{where}: {moved} package(s) that named a PyPI source now use '{cg_name}'")
    notes.append(
        "pipenv: credentials are not written into files; use ~/.netrc "
        f"('machine {host_of(options.index_url)}'), or ${{VAR}} references in the source URL "
        "(Pipenv expands them; a Chainguard username's '/' must then be written as '_')"
    )
    return Rewritten(text=dump_document(document, text), notes=tuple(notes))


def _move_package_indexes(document: Any, pypi_names: set[str], cg_name: str) -> int:
    moved = 0
    for category, packages in document.items():
        if category in _NOT_PACKAGES or not hasattr(packages, "items"):
            continue
        for _name, spec in packages.items():
            if not hasattr(spec, "get"):
                continue
            index = plain(spec.get("index"))
            if isinstance(index, str) and index in pypi_names:
                set_value(spec, "index", cg_name)
                moved += 1
    return moved
