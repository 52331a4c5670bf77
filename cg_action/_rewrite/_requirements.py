"""Rewrite the index options of a requirements file (``-i``/``--index-url``/``--extra-index-url``).

Only files that already name an index are changed: a requirements file without index options
takes its index from pip.conf or the environment. Lines are edited in place: the option's
spelling (``-i URL``, ``--index-url=URL``), a trailing comment and every other line stay.
pip expands ``${VAR}`` here, so user-info made only of such references is kept.
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
from cg_action._rewrite._roles import comparable_url, has_secret, target_url

_COMMENT = re.compile(r"(^|\s+)#.*$")
_OPTION = re.compile(
    r"^\s*(?P<opt>-i|--index-url|--extra-index-url)(?:\s*=\s*|\s+|(?<=-i))(?P<url>\S+)"
)

INDEX_URL = "index-url"
EXTRA_INDEX_URL = "extra-index-url"


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexLine:
    """An index option in a requirements file: lines [start, end), which option, its URL."""

    start: int  # 0-based
    end: int
    option: str  # "index-url" or "extra-index-url"
    url: str
    url_span: tuple[int, int] | None  # where the URL stands in the first line, when it does


def find_index_lines(lines: list[str]) -> list[IndexLine]:
    """The index options of a requirements file, one per logical line."""
    found: list[IndexLine] = []
    i = 0
    while i < len(lines):
        start = i
        logical = lines[i]
        while logical.endswith("\\") and i + 1 < len(lines):
            i += 1
            logical = logical[:-1] + lines[i]
        i += 1
        stripped = _COMMENT.sub("", logical)
        match = _OPTION.match(stripped)
        if not match:
            continue
        option = EXTRA_INDEX_URL if match.group("opt") == "--extra-index-url" else INDEX_URL
        first = lines[start]
        direct = _OPTION.match(first)
        span = direct.span("url") if direct and direct.group("url") == match.group("url") else None
        found.append(
            IndexLine(start=start, end=i, option=option, url=match.group("url"), url_span=span)
        )
    return found


def _replace_url(lines: list[str], entry: IndexLine, url: str) -> list[str]:
    if entry.url_span is not None and entry.end == entry.start + 1:
        line = lines[entry.start]
        begin, stop = entry.url_span
        return [line[:begin] + url + line[stop:]]
    flag = "--index-url" if entry.option == INDEX_URL else "--extra-index-url"
    return [f"{flag} {url}"]


def rewrite_text(text: str, path: Path, options: RewriteOptions) -> Rewritten:
    """Point a requirements file's index options at Chainguard (no change when it has none)."""
    lines = text.split("\n")
    entries = find_index_lines(lines)
    if not entries:
        return Rewritten(text=text)
    index_entries = [e for e in entries if e.option == INDEX_URL]
    extra_entries = [e for e in entries if e.option == EXTRA_INDEX_URL]
    index_urls = [e.url for e in index_entries]
    extra_urls = [e.url for e in extra_entries]
    options = options.deciding_fallback(pypi_reachable(index_urls, extra_urls, options))
    desired = desired_pip_indexes(index_urls, extra_urls, options)
    notes = [
        removed_secret_note(f"{path}:{e.start + 1}", e.url)
        for e in entries
        if has_secret(e.url) and not desired.wants_extra(e.url)
    ]
    replacements: dict[int, tuple[int, list[str]]] = {}
    for number, entry in enumerate(index_entries):
        if number:
            replacements[entry.start] = (entry.end, [])  # pip keeps only one index URL
            continue
        if comparable_url(entry.url) == comparable_url(desired.index_url) and not has_secret(
            entry.url
        ):
            continue
        new_url = target_url(desired.index_url, entry.url, expands_env=True)
        replacements[entry.start] = (entry.end, _replace_url(lines, entry, new_url))
    present: set[str] = set()
    for entry in extra_entries:
        key = comparable_url(entry.url)
        if desired.wants_extra(entry.url) and key not in present:
            present.add(key)
            continue
        replacements[entry.start] = (entry.end, [])
    missing = [
        f"--extra-index-url {url}"
        for url in desired.extra_index_urls
        if comparable_url(url) not in present
    ]
    insert_before: dict[int, list[str]] = {}
    if index_entries:
        anchor = index_entries[-1].end
    else:
        anchor = entries[0].start
        missing.insert(0, f"--index-url {desired.index_url}")
    if missing:
        insert_before[anchor] = missing
    out: list[str] = []
    i = 0
    while i <= len(lines):
        out.extend(insert_before.get(i, []))
        if i == len(lines):
            break
        if i in replacements:
            end, new_lines = replacements[i]
            out.extend(new_lines)
            i = end
            continue
        out.append(lines[i])
        i += 1
    return Rewritten(text="\n".join(out), notes=(*notes, *pip_notes(options, in_requirements=True)))
