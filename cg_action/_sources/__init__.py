"""Readers of dependency files: one module per format, and discovery.

Each reader is a function ``parse_<format>(path: Path, text: str | None = None) -> SourceFile``.
It reads ``path`` when ``text`` is None. A reader raises only ``ParseError``: for a file it
cannot read at all; problems with single entries are collected in ``SourceFile.problems`` and
the rest of the file is still returned.
"""
