"""Report renderers: one module per output format (text, json, markdown, github, sarif).

Every renderer is a pure function of a ``Report``; only ``_github.write_outputs`` and
``append_step_summary`` write files, and only to the paths the CLI passes in.
"""

from cg_action._report._json import render_json, report_to_json
from cg_action._report._text import render_text

__all__ = ["render_json", "render_text", "report_to_json"]
