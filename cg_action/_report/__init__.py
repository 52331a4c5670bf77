"""Report renderers: one module per output format (text, json, markdown, github, sarif).

Every renderer is a pure function of a ``Report``; only ``write_outputs`` and
``append_step_summary`` write files, and only to the paths the CLI passes in.
"""

from cg_action._report._github import append_step_summary, render_github_commands, write_outputs
from cg_action._report._json import render_json, report_to_json
from cg_action._report._markdown import (
    COMMENT_MARKER,
    needs_attention,
    render_markdown,
    render_pr_comment,
)
from cg_action._report._sarif import render_sarif, report_to_sarif
from cg_action._report._text import render_text

__all__ = [
    "COMMENT_MARKER",
    "append_step_summary",
    "needs_attention",
    "render_github_commands",
    "render_json",
    "render_markdown",
    "render_pr_comment",
    "render_sarif",
    "render_text",
    "report_to_json",
    "report_to_sarif",
    "write_outputs",
]
