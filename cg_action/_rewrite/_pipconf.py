"""Rewrite pip configuration files (pip.conf, pip.ini): ``index-url`` and ``extra-index-url``.

The file is edited line by line: only the lines of the index options change, everything else
(comments, other sections and options, spacing around ``=``) stays byte for byte. pip.conf
does not expand ``${VAR}`` and reads no comment after a value, so credentials have no place
here: they go to .netrc.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cg_action._rewrite._interface import RewriteOptions, Rewritten
from cg_action._rewrite._pipindex import (
    desired_pip_indexes,
    pip_notes,
    pypi_reachable,
    removed_secret_note,
)
from cg_action._rewrite._roles import comparable_url, has_secret

_SECTION = re.compile(r"^\s*\[([^\]]+)\]")
_OPTION = re.compile(r"^(?P<key>[^\s#;=:\[][^=:]*?)(?P<sep>\s*[=:]\s*)(?P<value>.*)$")
_INDENT = re.compile(r"^(\s+)\S")

INDEX_URL = "index-url"
EXTRA_INDEX_URL = "extra-index-url"


def normalize_key(key: str) -> str:
    """pip's own spelling of an option name: lower case, dashes."""
    return key.strip().lower().replace("_", "-")


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfEntry:
    """One option in an INI file: its section, its lines [start, end) and its values."""

    section: str
    key: str  # normalized
    head: str  # the key line up to the value: "index-url = "
    start: int  # 0-based line index
    end: int
    values: tuple[str, ...]
    indent: str  # of continuation lines ("    " when there are none)
    values_below: bool  # the key line holds no value: every value is on its own line


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfFile:
    """The sections and options of an INI text."""

    lines: list[str]
    entries: tuple[ConfEntry, ...]
    sections: dict[str, int]  # normalized section name -> header line index (first)


def parse_conf(text: str) -> ConfFile:
    """Read sections and options the way configparser does (values on continuation lines)."""
    lines = text.split("\n")
    entries: list[ConfEntry] = []
    sections: dict[str, int] = {}
    section = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        header = _SECTION.match(line)
        if header:
            section = header.group(1).strip().lower()
            sections.setdefault(section, i)
            i += 1
            continue
        option = _OPTION.match(line)
        if not option or line.lstrip().startswith(("#", ";")):
            i += 1
            continue
        values = option.group("value").split()
        values_below = not values
        end = i + 1
        indent = "    "
        while end < len(lines):
            follow = _INDENT.match(lines[end])
            if not follow or lines[end].lstrip().startswith(("#", ";")):
                break
            indent = follow.group(1)
            values.extend(lines[end].split())
            end += 1
        head = line[: option.start("value")]
        entries.append(
            ConfEntry(
                section=section,
                key=normalize_key(option.group("key")),
                head=head,
                start=i,
                end=end,
                values=tuple(values),
                indent=indent,
                values_below=values_below,
            )
        )
        i = end
    return ConfFile(lines=lines, entries=tuple(entries), sections=sections)


def render_entry(head: str, values: list[str], indent: str, *, below: bool = False) -> list[str]:
    """The lines of an option: the first value on the key line (or none), the others below."""
    if not values or below:
        return [head.rstrip(), *(indent + v for v in values)]
    return [head + values[0], *(indent + v for v in values[1:])]


def _same(values: tuple[str, ...], wanted: list[str]) -> bool:
    return len(values) == len(wanted) and all(
        comparable_url(a) == comparable_url(b) and not has_secret(a)
        for a, b in zip(values, wanted, strict=True)
    )


def rewrite_text(text: str, path: Path, options: RewriteOptions) -> Rewritten:
    """Point a pip configuration file at Chainguard."""
    conf = parse_conf(text)
    index_entries = [e for e in conf.entries if e.key == INDEX_URL]
    extra_entries = [e for e in conf.entries if e.key == EXTRA_INDEX_URL]
    index_urls = [v for e in index_entries for v in e.values]
    extra_urls = [v for e in extra_entries for v in e.values]
    options = options.deciding_fallback(pypi_reachable(index_urls, extra_urls, options))
    desired = desired_pip_indexes(
        index_urls,
        extra_urls,
        options,
    )
    notes: list[str] = []
    for entry in [*index_entries, *extra_entries]:
        notes.extend(
            removed_secret_note(f"{path}:{entry.start + 1}", v)
            for v in entry.values
            if has_secret(v) and not desired.wants_extra(v)
        )
    replacements: dict[int, tuple[int, list[str]]] = {}  # start -> (end, new lines)
    primary_section = (
        index_entries[0].section
        if index_entries
        else ("global" if "global" in conf.sections else None)
    )
    for entry in index_entries:
        wanted = [desired.index_url]
        if not _same(entry.values, wanted):
            replacements[entry.start] = (entry.end, render_entry(entry.head, wanted, entry.indent))
    sections_with_extras = set()
    for entry in extra_entries:
        sections_with_extras.add(entry.section)
        kept = [v for v in entry.values if desired.wants_extra(v)]
        wanted = kept + [
            u
            for u in desired.extra_index_urls
            if comparable_url(u) not in map(comparable_url, kept)
        ]
        if list(entry.values) == wanted:
            continue
        if not wanted:
            replacements[entry.start] = (entry.end, [])
            continue
        replacements[entry.start] = (
            entry.end,
            render_entry(entry.head, wanted, entry.indent, below=entry.values_below),
        )
    insert_after: dict[int, list[str]] = {}
    new_extra = (
        render_entry(f"{EXTRA_INDEX_URL} = ", list(desired.extra_index_urls), "    ")
        if desired.extra_index_urls and primary_section not in sections_with_extras
        else []
    )
    if index_entries:
        if new_extra:
            insert_after[index_entries[0].end - 1] = new_extra
    else:
        block = [f"{INDEX_URL} = {desired.index_url}", *new_extra]
        if primary_section is not None:
            insert_after[conf.sections[primary_section]] = block
        else:
            lead = ["[global]", *block]
            if text.strip():
                lead.append("")
            insert_after[-1] = lead
    out: list[str] = []
    out.extend(insert_after.get(-1, []))
    i = 0
    while i < len(conf.lines):
        if i in replacements:
            end, new_lines = replacements[i]
            out.extend(new_lines)
            if end - 1 in insert_after:
                out.extend(insert_after[end - 1])
            i = end
            continue
        out.append(conf.lines[i])
        out.extend(insert_after.get(i, []))
        i += 1
    new_text = "\n".join(out)
    if not text.strip():
        new_text = new_text.rstrip("\n") + "\n"
    return Rewritten(text=new_text, notes=(*notes, *pip_notes(options, in_requirements=False)))
