"""Which reader reads which file, by the table of file kinds; readers are imported only when
needed."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from cg_action._formats_table import (
    FileKind,
    kind_of_format,
    kind_of_named,
    kind_of_path,
    load,
    unknown_file_message,
)
from cg_action._models import FileFormat, SourceFile


def detect_format(path: Path) -> FileFormat | None:
    """The format of a file found by discovery, from its name alone (None: not ours)."""
    kind = kind_of_path(path)
    return kind.reads if kind is not None else None


def detect_given_format(path: Path) -> FileFormat | None:
    """The format of a file named on the command line: its ``:FORMAT``, else by its name, a
    bit more leniently than discovery (see ``cg_action._formats_table``)."""
    kind = kind_of_named(path)
    return kind.reads if kind is not None else None


def parse_file(
    path: Path,
    text: str | None = None,
    fmt: FileFormat | None = None,
    *,
    root: Path | None = None,
    secrets: Collection[str] = (),
    environ: Mapping[str, str] | None = None,
) -> SourceFile:
    """Read ``path`` (or ``text`` as its content) with the reader for its format.

    ``root`` bounds what is read: a file whose real path lies outside it (a committed symbolic
    link to ``/etc/passwd``) is refused, and so are includes outside it (``-r ../../x``), so
    that a pull request cannot make the tool read and quote files from elsewhere on the
    runner. ``secrets`` are the credentials the run holds: a requirements file's ``${VAR}``
    holding one is never expanded; ``environ`` is where its ``${VAR}`` values come from (None:
    none). Raises ParseError when the file cannot be read at all, and
    UsageError for a file whose format cannot be told from its name (nor its ``:FORMAT``) and
    for a configuration file, which holds no dependencies.
    """
    from cg_action._errors import UsageError
    from cg_action._sources._typed import read_text

    kind: FileKind | None = kind_of_format(fmt) if fmt is not None else kind_of_named(path)
    if kind is None:
        raise UsageError(unknown_file_message(path, reading=True))
    if kind.reader is None:
        raise UsageError(
            f"{path}: a {kind.name} file holds index configuration, not dependencies: "
            "`cg-action rewrite` reads it, list and check do not"
        )
    if text is None:
        text = read_text(path, root=root)
    reader = load(kind.reader)
    if kind.reads is FileFormat.REQUIREMENTS:
        source: SourceFile = reader(path, text, root=root, secrets=secrets, environ=environ)
    elif kind.reads is FileFormat.POETRY_LOCK:  # reads the pyproject.toml beside it too
        source = reader(path, text, root=root)
    else:
        source = reader(path, text)
    return source
