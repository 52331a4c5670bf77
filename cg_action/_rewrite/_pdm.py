"""Rewrite PDM's package sources: ``[[tool.pdm.source]]`` in pyproject.toml.

PDM treats a source named ``pypi`` as the replacement of PyPI. Without a fallback that
source points at Chainguard, so PyPI is never asked. With a fallback a ``chainguard`` source
comes first, a ``pypi`` source pointing at PyPI after it, and
``[tool.pdm.resolution] respect-source-order = true`` makes PDM take a package from the first
source that has it (otherwise PDM merges all sources and picks the best version anywhere).
With the remediated index that setting is not written: the ``+cgr.N`` builds live only there
and must be compared with the plain versions. PDM expands ``${VAR}`` in source URLs, so such
user-info is kept; literal credentials are dropped.
"""

from __future__ import annotations

from typing import Any

from cg_action._rewrite._interface import RewriteOptions
from cg_action._rewrite._pipindex import removed_secret_note
from cg_action._rewrite._roles import CHAINGUARD_NAME, REMEDIATED_NAME, Role, has_secret
from cg_action._rewrite._tomledit import (
    arrange,
    ensure_path,
    ensure_table_array,
    first,
    new_table,
    plain,
    read_sources,
    set_url,
    set_value,
)

PYPI_NAME = "pypi"


def _is_one_of(table: Any, *candidates: Any) -> bool:
    return any(table is c for c in candidates)


def rewrite_pdm(pdm: Any, options: RewriteOptions, where: str) -> list[str]:
    """Edit a ``[tool.pdm]`` table in place; the notes."""

    notes: list[str] = []
    array = ensure_table_array(pdm, "source", where)
    sources = read_sources(array, options)
    notes.extend(
        removed_secret_note(where, s.url)
        for s in sources
        if s.url and has_secret(s.url) and s.role is not Role.OTHER
    )
    named_pypi = next((s for s in sources if s.name == PYPI_NAME), None)
    # a source named "pypi" replaces PyPI in PDM; otherwise PyPI stays in use
    options = options.deciding_fallback(named_pypi is None or named_pypi.role is Role.PYPI)
    pypi_table = named_pypi.table if named_pypi else None
    remediated = first(sources, Role.REMEDIATED)
    rem_table = remediated.table if remediated else None
    if options.remediated:
        if rem_table is None:
            rem_table = new_table({"name": REMEDIATED_NAME, "url": options.remediated_index_url})
        set_url(rem_table, options.remediated_index_url, expands_env=True)

    if options.fallback:
        chainguard = next(
            (s for s in sources if s.role is Role.CHAINGUARD and s.table is not pypi_table), None
        )
        cg_table = chainguard.table if chainguard else new_table({"name": CHAINGUARD_NAME})
        set_url(cg_table, options.index_url, expands_env=True)
        if pypi_table is None:
            pypi_table = new_table({"name": PYPI_NAME})
        set_url(pypi_table, options.fallback_index_url, expands_env=True)
        tail = [pypi_table]
        if not options.remediated:
            resolution = ensure_path(pdm, ("resolution",))
            set_value(resolution, "respect-source-order", True)
        others = [
            s.table
            for s in sources
            if not _is_one_of(s.table, cg_table, rem_table, pypi_table) and s.role is not Role.PYPI
        ]
        head = [cg_table]
    else:
        if pypi_table is None:
            pypi_table = new_table({"name": PYPI_NAME})
        set_url(pypi_table, options.index_url, expands_env=True)
        cg_table = pypi_table
        tail = []
        others = [
            s.table
            for s in sources
            if not _is_one_of(s.table, pypi_table, rem_table) and s.role is not Role.PYPI
        ]
        head = [pypi_table]
    wanted = [*([rem_table] if rem_table is not None else []), *head, *others, *tail]
    arrange(array, wanted)

    name = str(plain(cg_table.get("name")))
    credentials = (
        "PDM_PYPI_USERNAME / PDM_PYPI_PASSWORD"
        if name == PYPI_NAME
        else f"'pdm config pypi.{name}.username' / 'pypi.{name}.password' (user config)"
    )
    notes.append(
        f"pdm: credentials are not written into files; set {credentials}, or write "
        "${VAR} references in the source URL (PDM expands them)"
    )
    if options.fallback and options.remediated:
        notes.append(
            "pdm: with the remediated index PDM compares versions across all sources, PyPI "
            "included: a newer PyPI version can win"
        )
    return notes
