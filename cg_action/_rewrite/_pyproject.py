"""Rewrite the index settings of every tool a pyproject.toml configures: uv, Poetry, PDM.

A tool is configured when its ``[tool.<name>]`` table exists or its lockfile lies beside the
pyproject.toml. The document is parsed once with tomlkit, edited per tool, written once.
A pyproject.toml that configures none of them is left alone.
"""

from __future__ import annotations

from pathlib import Path

from cg_action._rewrite._interface import RewriteOptions, Rewritten
from cg_action._rewrite._pdm import rewrite_pdm
from cg_action._rewrite._poetry import referenced_sources, rewrite_poetry
from cg_action._rewrite._tomledit import dump_document, ensure_path, get_path, load_document
from cg_action._rewrite._uv import referenced_indexes, rewrite_uv


def configured_tools(document: object, path: Path) -> list[str]:
    """Which of uv, poetry and pdm this pyproject.toml is managed by."""
    tool = get_path(document, ("tool",)) or {}
    found = []
    for name, lock in (("uv", "uv.lock"), ("poetry", "poetry.lock"), ("pdm", "pdm.lock")):
        if name in tool or (path.parent / lock).is_file():
            found.append(name)
    return found


def rewrite_text(text: str, path: Path, options: RewriteOptions) -> Rewritten:
    """Point every tool configured in a pyproject.toml at Chainguard."""
    document = load_document(text, path)
    tools = configured_tools(document, path)
    if not tools:
        return Rewritten(text=text)
    notes: list[str] = []
    where = str(path)
    if "uv" in tools:
        uv = ensure_path(document, ("tool", "uv"))
        notes.extend(rewrite_uv(uv, options, where, referenced_indexes(uv.get("sources"))))
    if "poetry" in tools:
        poetry = ensure_path(document, ("tool", "poetry"))
        notes.extend(rewrite_poetry(poetry, options, where, referenced_sources(poetry)))
    if "pdm" in tools:
        notes.extend(rewrite_pdm(ensure_path(document, ("tool", "pdm")), options, where))
    return Rewritten(text=dump_document(document, text), notes=tuple(notes))
