"""Plan a rewrite, show it as a unified diff, and apply it atomically.

A file is read as bytes; its BOM and line endings are remembered and taken off, so that the
format modules work on plain ``\\n`` text, and put back when the new text is encoded. A file
whose line endings are mixed is edited as it is. Writing goes to a temporary file beside the
target, is flushed to disk, takes the target's owner, group and permission bits and replaces
the target with ``os.replace``: an interrupted run leaves either the old file or the new one,
and no temporary file.

A pull request chooses what its files are, so nothing is read or written outside the
repository: a symbolic link whose real path leaves it is refused, and so is a file with other
hard links (replacing it would split it from its other names), a read-only file or folder, and
a file whose owner this process could not keep.
"""

from __future__ import annotations

import difflib
import errno
import logging
import os
import re
import stat
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
    root: Path | None = None  # the repository it was read from (None: found from its place)

    def encode(self, text: str) -> bytes:
        """``text`` (with ``\\n`` line endings) in the file's own encoding and line endings."""
        if self.newline == "\r\n":
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        if self.has_bom:
            text = _BOM + text
        return text.encode("utf-8")


def decode_config(path: Path, raw: bytes, *, root: Path | None = None) -> ConfigText:
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
    return ConfigText(path=path, raw=raw, text=text, has_bom=has_bom, newline=newline, root=root)


def repository_root(path: Path) -> Path:
    """The real path of the repository ``path`` belongs to, when none is given.

    Inside the current directory: the work tree holding it (the nearest folder up from the
    current directory with a ``.git``), else the current directory. Elsewhere: the folder the
    file is in, so that at least a link out of it is refused.
    """
    cwd = Path(os.path.realpath(Path.cwd()))
    absolute = Path(os.path.abspath(path))
    if absolute.is_relative_to(Path.cwd().absolute()) or absolute.is_relative_to(cwd):
        for folder in (cwd, *cwd.parents):
            if (folder / ".git").exists():
                return folder
        return cwd
    return Path(os.path.realpath(absolute.parent))


_OUTSIDE_HINT = "commit the file itself instead of a link, or run on the file it points at"


def _outside(path: Path, root: Path | None) -> tuple[Path, str | None]:
    """The real path, and why it may not be used (None: it lies inside the repository)."""
    top = Path(os.path.realpath(root)) if root is not None else repository_root(path)
    real = Path(os.path.realpath(path))
    if real.is_relative_to(top):
        return real, None
    return real, (
        f"a symbolic link to {_shown(real)}, outside the repository ({_shown(top)}); "
        "cg-action neither reads nor writes through it"
    )


def _inside_root(path: Path, root: Path | None) -> Path:
    """The real path of ``path``; a ``RewriteError`` when it leaves the repository."""
    real, why = _outside(path, root)
    if why is not None:
        err = RewriteError(f"{_shown(path)}: {why}")
        err.hint = _OUTSIDE_HINT
        raise err
    return real


def _shown(path: Path | str) -> str:
    from cg_action._report._escape import printable

    return printable(str(path))


def read_config(path: Path, *, root: Path | None = None) -> ConfigText:
    """Read a configuration file for editing; a link out of ``root`` is refused.

    ``root`` is the repository (default: found by ``repository_root``).
    """
    from cg_action._sources._typed import read_bytes

    _, why = _outside(path, root)
    if why is not None:
        raise ParseError.at(path, None, f"{why}: {_OUTSIDE_HINT}")
    # the rules every input file is read under: a regular file (a FIFO or device is refused
    # without blocking on it, a link loop is named), not in .git, within the size limit
    return decode_config(path, read_bytes(path), root=root)


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


def ensure_writable(path: Path, *, root: Path | None = None) -> os.stat_result:
    """Refuse, with what to do, a file that cannot be replaced safely; its status when it can.

    The file must lie inside ``root`` (symbolic links followed), be a regular file with no
    other hard link, be writable in a writable folder, and keep its owner and group.
    """
    real = _inside_root(path, root)
    shown = _shown(path)
    try:
        status = os.stat(real)
        folder = os.stat(real.parent)
    except OSError as exc:
        raise RewriteError(f"{shown}: cannot write the file: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(status.st_mode):
        raise RewriteError(f"{shown}: not a regular file; cg-action rewrites only files")
    if status.st_nlink > 1:
        err = RewriteError(
            f"{shown}: the file has {status.st_nlink} hard links; replacing it would leave its "
            "other names with the old text, so cg-action does not rewrite it"
        )
        err.hint = (
            "give it a copy of its own (cp FILE FILE.new && mv FILE.new FILE) and run again, or "
            "apply the diff of `cg-action rewrite --diff` by hand"
        )
        raise err
    if not status.st_mode & 0o222 or not os.access(real, os.W_OK):
        err = RewriteError(f"{shown}: the file is read-only; cg-action does not rewrite it")
        err.hint = "make it writable (chmod u+w) if it is meant to change, and run again"
        raise err
    if not folder.st_mode & 0o222 or not os.access(real.parent, os.W_OK | os.X_OK):
        err = RewriteError(
            f"{shown}: its folder {_shown(real.parent)} is read-only; cg-action writes the new "
            "file beside the old one and renames it, so nothing is half-written"
        )
        err.hint = "make the folder writable, or run as a user who may write there"
        raise err
    if hasattr(os, "geteuid") and os.geteuid() not in (0, status.st_uid):
        raise _foreign_owner(path, status)
    return status


def _foreign_owner(path: Path, status: os.stat_result) -> RewriteError:
    err = RewriteError(
        f"{_shown(path)}: the file belongs to another user or group (uid {status.st_uid}, gid "
        f"{status.st_gid}); a rewrite would give it to this user, so cg-action refuses"
    )
    err.hint = "run as the file's owner"
    return err


def write_atomically(path: Path, data: bytes, *, root: Path | None = None) -> None:
    """Replace ``path`` with ``data``: temp file beside it, fsync, same owner and mode, rename.

    A symbolic link inside ``root`` is followed: the file it points at is replaced, the link
    stays. What ``ensure_writable`` refuses is refused. On any failure the temporary file is
    removed and the target is left as it was.
    """
    target = Path(os.path.realpath(path))
    try:
        status: os.stat_result | None = ensure_writable(path, root=root)
    except RewriteError:
        if os.path.lexists(path):
            raise
        _inside_root(path, root)  # a new file: only the place matters
        status = None
    try:
        fd, temp_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
    except OSError as exc:
        raise _write_error(path, exc) from exc
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if status is not None:
            made = os.stat(temp)
            owner = (status.st_uid, status.st_gid)
            if hasattr(os, "chown") and (made.st_uid, made.st_gid) != owner:
                try:
                    os.chown(temp, *owner)
                except PermissionError as exc:  # a group this user is not in
                    raise _foreign_owner(path, status) from exc
            os.chmod(temp, stat.S_IMODE(status.st_mode))  # after chown, which clears set-id bits
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise _write_error(path, exc) from exc
    except BaseException:  # RewriteError, KeyboardInterrupt: nothing is left behind
        temp.unlink(missing_ok=True)
        raise
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


def _write_error(path: Path, exc: OSError) -> RewriteError:
    err = RewriteError(f"{_shown(path)}: cannot write the file: {exc.strerror or exc}")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        err.hint = "the file or its folder is not writable for this user; nothing was changed"
    return err


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
    write_atomically(plan.path, plan.new_bytes, root=plan.source.root)
    logger.info("rewrote %s", plan.path)
    return True
