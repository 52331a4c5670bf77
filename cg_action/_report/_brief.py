"""The short terminal report: ``text`` without the dependencies that need nothing.

It lists what needs attention (every status but ``chainguard``, and a ``chainguard`` pin with a
platform gap), says how many served pins it leaves out, and ends with the same summary and next
steps as ``text``. The pre-commit hook shows it on every commit that stages a dependency file,
where a lockfile's hundreds of served pins would bury the few that matter. A ``list`` report is
the same as ``text``.
"""

from __future__ import annotations

from cg_action._models import Report
from cg_action._report._formats import ReportFormat
from cg_action._report._text import render_text

FORMAT = ReportFormat.BRIEF


def render(report: Report, *, path_prefix: str = "") -> str:
    """The ``Renderer`` entry point (paths need no prefix)."""
    return render_text(report, brief=True)
