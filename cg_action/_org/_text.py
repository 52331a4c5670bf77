"""Escaping for the organisation report: every string in it came from a repository.

Repository names, package names, file paths and messages are shown through these functions
only. Control characters, line and paragraph separators and bidirectional overrides are
written as visible escapes (so a name cannot pose as another or start a line of its own);
HTML gets entity escaping, Markdown one inline code span.
"""

from __future__ import annotations

import html
import re

from cg_action._report._escape import code_span

# C0 and C1 controls, DEL, line and paragraph separators, bidirectional overrides and isolates.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape_control(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str, *, limit: int | None = None) -> str:
    """``text`` with control characters as escapes, cut to ``limit`` characters (with "…")."""
    text = _CONTROL.sub(_escape_control, text)
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return text


def html_text(text: str, *, limit: int | None = None) -> str:
    """``text`` for HTML element content or a quoted attribute value."""
    return html.escape(visible(text, limit=limit), quote=True)


def markdown_code(text: str, *, limit: int | None = None, in_table: bool = True) -> str:
    """``text`` as one inline code span: no link, mention, image or HTML can come out of it.

    Whitespace runs become one space; the fence is one backtick longer than the longest run
    inside, padded with a space when the text starts or ends with a backtick. In a table a
    ``|`` is escaped (GitHub reads ``\\|`` as a pipe inside a cell, in code too).
    """
    text = visible(" ".join(text.split()), limit=limit)
    return code_span(text, in_table=in_table) if text else "` `"


def percent(value: float | None) -> str:
    """A coverage as people read it: one decimal, never 100.0% short of full, "n/a" for None."""
    if value is None:
        return "n/a"
    shown = f"{value:.1f}"
    if shown == "100.0" and value < 100.0:
        shown = "99.9"
    elif shown == "0.0" and value > 0.0:
        shown = "0.1"
    return f"{shown}%"
