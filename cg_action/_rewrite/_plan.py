"""Plan a rewrite, show it as a unified diff, and apply it atomically.

A file is read as bytes; its BOM and line endings are remembered and taken off, so that the
format modules work on plain ``\\n`` text, and put back when the new text is encoded. A file
whose line endings are mixed is edited as it is. Writing goes to a temporary file beside the
target, is flushed to disk, takes the target's permission bits and replaces the target with
``os.replace``: an interrupted run leaves either the old file or the new one.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cg_action._errors import ParseError, RewriteError
from cg_action._rewrite._roles import has_secret
from cg_action._urls import redact_text, redact_url

logger = logging.getLogger(__name__)

_BOM = "\ufeff"


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigText:
    """A configuration file as read: its exact bytes and its text ready for editing."""

    path: Path
    raw: bytes
    text: str  # without BOM; "\n" line endings when the file used "\r\n" throughout
    has_bom: bool
    newline: str  # "\r\n" or "\n": what the file's lines end with

    def encode(self, text: str) -> bytes:
        """``text`` (with ``\\n`` line endings) in the file's own encoding and line endings."""
        if self.newline == "\r\n":
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        if self.has_bom:
            text = _BOM + text
        return text.encode("utf-8")


def decode_config(path: Path, raw: bytes) -> ConfigText:
    """Decode a configuration file's bytes (UTF-8, optional BOM)."""
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ParseError.at(
            path, line, "the file is not UTF-8 text; save it as UTF-8 and try again"
        ) from exc
    has_bom = decoded.startswith(_BOM)
    text = decoded.removeprefix(_BOM)
    crlf = text.count("\r\n")
    newline = "\r\n" if crlf and crlf == text.count("\n") else "\n"
    if newline == "\r\n":
        text = text.replace("\r\n", "\n")
    return ConfigText(path=path, raw=raw, text=text, has_bom=has_bom, newline=newline)


def read_config(path: Path) -> ConfigText:
    """Read a configuration file for editing."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ParseError.at(path, None, f"cannot read the file: {exc.strerror or exc}") from exc
    return decode_config(path, raw)


@dataclass(frozen=True, slots=True, kw_only=True)
class FilePlan:
    """The planned change to one file: its text before and after, and notes for the user."""

    source: ConfigText
    new_text: str
    notes: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        """The file to change."""
        return self.source.path

    @property
    def new_bytes(self) -> bytes:
        """The bytes that will be written."""
        return self.source.encode(self.new_text)

    @property
    def is_change(self) -> bool:
        """Whether applying the plan would change the file."""
        return self.new_bytes != self.source.raw

    def diff(self, label: str | None = None) -> str:
        """A unified diff from the current text to the new one ('' when nothing changes).

        Literal credentials in URLs are shown without their user-info, and control characters
        (in the file's name or lines) escaped: a diff is printed on terminals and in CI logs.
        """
        from cg_action._report._escape import printable

        if not self.is_change:
            return ""
        name = printable(label or self.path.as_posix().lstrip("/"))
        lines = difflib.unified_diff(
            _diff_lines(self.source.text),
            _diff_lines(self.new_text),
            fromfile=f"a/{name}",
            tofile=f"b/{name}",
        )
        return "".join(
            printable(piece) + "\n"
            for line in lines
            for piece in hide_secrets(line).removesuffix("\n").split("\n")
        )


URL_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>,\]\[]+")


_WORD = re.compile(r"[^\s\"'`<>]+")


def hide_secrets(text: str) -> str:
    """``text`` with the user-info of every URL that carries a literal secret removed.

    Diffs are printed in CI logs: a committed credential being removed must not be shown
    again there. ``${VAR}`` references are not secrets and stay visible. User-info written
    without a scheme (``user:secret@host/simple``) or percent-encoded goes too.
    """
    text = URL_PATTERN.sub(
        lambda m: redact_url(m.group(0)) if has_secret(m.group(0)) else m.group(0), text
    )
    if "@" not in text and "%" not in text:
        return text
    return _WORD.sub(lambda m: m.group(0) if "${" in m.group(0) else redact_text(m.group(0)), text)


_NO_NEWLINE = "\n\\ No newline at end of file\n"


def _diff_lines(text: str) -> list[str]:
    """Lines for a diff; a last line without newline is marked the way ``diff`` marks it."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += _NO_NEWLINE
    return lines


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: temp file beside it, fsync, same mode, ``os.replace``.

    A symbolic link is followed: the file it points at is replaced, the link stays.
    """
    target = path.resolve()
    try:
        mode: int | None = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise RewriteError(f"{path}: cannot write the file: {exc.strerror or exc}") from exc
    try:
        dir_fd = os.open(target.parent, os.O_RDONLY)
    except OSError:  # pragma: no cover - directories cannot be opened on Windows
        return
    try:
        os.fsync(dir_fd)
    except OSError:  # pragma: no cover - some file systems refuse to sync a directory
        pass
    finally:
        os.close(dir_fd)


def apply_plan(plan: FilePlan) -> bool:
    """Write the plan's new text if it changes the file; whether it wrote.

    The file must still hold what the plan was made from; otherwise nothing is written.
    """
    if not plan.is_change:
        return False
    try:
        current = plan.path.read_bytes()
    except OSError as exc:
        raise RewriteError(f"{plan.path}: cannot read the file again: {exc}") from exc
    if current != plan.source.raw:
        err = RewriteError(f"{plan.path}: the file changed while it was being rewritten")
        err.hint = "run the rewrite again"
        raise err
    write_atomically(plan.path, plan.new_bytes)
    logger.info("rewrote %s", plan.path)
    return True
