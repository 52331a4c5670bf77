"""Text a repository controls, made safe to print: on a terminal and in a GitHub Actions log.

File names, package names, messages quoting a file's lines: a pull request chooses them all.
On a terminal, ``printable`` shows their control characters escaped (``\\n``, ``\\x1b``), so a
name cannot move the cursor, recolour the screen or start a line of its own. In a GitHub
Actions log, every line the runner reads is also a possible workflow command (``::add-mask::``,
``::stop-commands::``, ``##[...]`` anywhere in a line): ``LineGuard`` wraps the process's
streams so that only the commands cg-action itself built (``workflow_command``) reach the
runner as commands, and any other line that would be one is written neutralised.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import TextIO

# C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the bidirectional
# overrides and isolates that reorder what a terminal shows (tab is kept: it moves nothing).
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_BUT_NEWLINE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with its control characters written as escapes, the way ``repr`` shows them.

    ``keep_newlines`` keeps ``\\n`` (a multi-line diagnostic); every other control character,
    ``\\r`` included, is escaped. A text without control characters is returned as it is.
    """
    pattern = _CONTROL_BUT_NEWLINE if keep_newlines else _CONTROL
    return pattern.sub(_escape, text) if pattern.search(text) else text


# What the runner would take as a command: "::" at the start of a line once leading
# whitespace is trimmed (the current syntax), or "##[" anywhere in it (the legacy syntax).
_COMMAND_START = re.compile(r"^(\s*)::")
_LEGACY_COMMAND = "##["
_issued: set[str] = set()


def issue_command(line: str) -> str:
    """Record ``line`` as a workflow command cg-action built on purpose; return it."""
    _issued.add(line)
    return line


def neutralise_line(line: str) -> str:
    """One log line (no line break in it) that the runner cannot read as a command.

    Commands recorded by ``issue_command`` pass as they are. Anywhere else a leading ``::``
    becomes ``\\::``, ``##[`` becomes ``#\\u0023[`` (which a JSON report reads back as
    ``##[``, so JSON on standard output stays JSON), and a carriage return (which the runner
    takes as a line break) is shown as ``\\r``.
    """
    if line in _issued:
        return line
    if "\r" in line:
        line = line.replace("\r", "\\r")
    if _LEGACY_COMMAND in line:
        line = line.replace(_LEGACY_COMMAND, "#\\u0023[")
    return _COMMAND_START.sub(r"\1\\::", line) if "::" in line else line


def neutralise_log_line(line: str) -> str:
    """A diagnostic or log line for a GitHub Actions log: ``printable``, then neutralised."""
    if line in _issued:
        return line
    return neutralise_line(printable(line))


class LineGuard(io.TextIOBase, TextIO):
    """A text stream that passes everything on, line by line, through ``transform``.

    A line is held until its end is written, so a command cannot be assembled from several
    writes: ``flush`` passes on the complete lines only, ``close`` the rest too.
    """

    def __init__(self, stream: TextIO, transform: Callable[[str], str]) -> None:
        super().__init__()
        self._stream = stream
        self._transform = transform
        self._pending = ""

    @property
    def encoding(self) -> str:  # type: ignore[override]  # read-only on TextIOBase
        return getattr(self._stream, "encoding", None) or "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._stream.isatty()

    def write(self, text: str) -> int:
        data = self._pending + text
        complete, newline, rest = data.rpartition("\n")
        if newline:
            self._stream.write(
                "\n".join(self._transform(line) for line in complete.split("\n")) + "\n"
            )
        self._pending = rest
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def close(self) -> None:
        """Pass on what is left; the wrapped stream belongs to the caller and stays open."""
        if self._pending:
            self._stream.write(self._transform(self._pending))
            self._pending = ""
        self._stream.flush()
        super().close()


_BACKTICKS = re.compile("`+")


def code_span(text: str, *, in_table: bool = True) -> str:
    """One line of text a repository controls as one Markdown inline code span.

    ``text`` is already one printable line. The fence is one backtick longer than the longest
    run inside (padded with a space when the text starts or ends with one), so no backtick
    ends it early; in a table a ``|`` is escaped (GitHub takes ``\\|`` as a pipe inside a cell,
    in code too). Nothing inside a code span is a mention, a link, an image or HTML.
    """
    if in_table:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
