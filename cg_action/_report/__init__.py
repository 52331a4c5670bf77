"""Report renderers: one module per output format, each named by a ``ReportFormat`` member.

``_formats.renderer(fmt)`` gives the module that writes a format (the ``Renderer`` contract of
``_interface``); that is how reports are dispatched, and all a new format needs besides its
module. Every renderer is a pure function of a ``Report``; only ``write_outputs`` and
``append_step_summary`` write files, and only to the paths the CLI passes in. The names below
are shortcuts to helpers of some formats, each imported from its module on first use, so a run
that writes JSON imports no other format.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cg_action._report._formats import ReportFormat, renderer
    from cg_action._report._github import (
        append_step_summary,
        render_github_commands,
        write_outputs,
    )
    from cg_action._report._interface import Renderer
    from cg_action._report._json import render_json, report_to_json
    from cg_action._report._markdown import (
        COMMENT_MARKER,
        needs_attention,
        render_markdown,
        render_pr_comment,
    )
    from cg_action._report._sarif import render_sarif, report_to_sarif
    from cg_action._report._text import render_text

_MODULES = {
    "ReportFormat": "_formats",
    "renderer": "_formats",
    "Renderer": "_interface",
    "append_step_summary": "_github",
    "render_github_commands": "_github",
    "write_outputs": "_github",
    "render_json": "_json",
    "report_to_json": "_json",
    "COMMENT_MARKER": "_markdown",
    "needs_attention": "_markdown",
    "render_markdown": "_markdown",
    "render_pr_comment": "_markdown",
    "render_sarif": "_sarif",
    "report_to_sarif": "_sarif",
    "render_text": "_text",
}

__all__ = [
    "COMMENT_MARKER",
    "Renderer",
    "ReportFormat",
    "append_step_summary",
    "needs_attention",
    "render_github_commands",
    "render_json",
    "render_markdown",
    "render_pr_comment",
    "render_sarif",
    "render_text",
    "renderer",
    "report_to_json",
    "report_to_sarif",
    "write_outputs",
]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
