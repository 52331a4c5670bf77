"""Point a ``Pipfile.lock``'s digests at the files Chainguard serves.

Each locked entry (``"name": {"hashes": [...], "version": "==X", ...}`` in ``default``,
``develop`` or a custom category) lists the digests of every file of the release; the list
becomes Chainguard's digests of that version, or with ``append`` gains them beside the
recorded ones; digests that stay keep their place, and a sorted list (as pipenv writes it)
stays sorted. A list whose digests are all served already is left as it is. Entries without
a ``==`` version or with ``file``, ``path`` or ``git`` are not from an index and are skipped.

The JSON text is edited, not re-serialized: only the ``hashes`` arrays are replaced, written
with the indentation the file already uses, so key order, spacing and everything else stay.

Left as they are, on purpose: ``_meta.hash`` (it hashes the Pipfile, which does not change)
and ``_meta.sources`` and each entry's ``index`` (they mirror the Pipfile's ``[[source]]``
tables, which ``cg-action rewrite`` points at Chainguard; a source added only here would not
match the Pipfile).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from cg_action._errors import ParseError
from cg_action._models import ProjectAnswer
from cg_action._rewrite._hashes import (
    HashJob,
    HashUpdate,
    is_unchanged,
    new_order,
    release_files,
    sha256_of,
)

_WHITESPACE = re.compile(r"[ \t\r\n]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")


@dataclass(frozen=True, slots=True)
class _Span:
    start: int  # the opening bracket
    end: int  # one past the closing bracket


def update_pipfile_lock(
    text: str,
    path: Path,
    answers: Mapping[NormalizedName, ProjectAnswer],
    *,
    append: bool,
) -> HashUpdate:
    """Chainguard's digests for every index entry of a Pipfile.lock."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError.at(path, exc.lineno, f"invalid JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise ParseError.at(path, 1, "expected a JSON object at the top")
    spans = _hash_spans(text)
    result = HashUpdate(text=text)
    edits: list[tuple[_Span, list[str]]] = []
    for section, entries in data.items():
        if section == "_meta" or not isinstance(entries, dict):
            continue
        for raw_name, entry in entries.items():
            release = _release(raw_name, entry)
            span = spans.get((section, raw_name))
            if release is None or span is None:
                continue
            pin = f"{release[0]}=={release[1]}"
            digests = [f"sha256:{sha256_of(f)}" for f in release_files(answers, *release)]
            if not digests:
                result.left.append(f"{section}.{raw_name}: {pin}: not served by Chainguard")
                continue
            old = [h for h in entry["hashes"] if isinstance(h, str)]
            if is_unchanged(old, digests, set(digests), append=append):
                continue
            edits.append((span, new_order(old, digests, append=append)))
            result.updated.append(pin)
    out = text
    for span, digests in sorted(edits, key=lambda edit: edit[0].start, reverse=True):
        out = out[: span.start] + _format_array(text, span, digests) + out[span.end :]
    result.text = out
    return result


def _release(raw_name: str, entry: object) -> tuple[NormalizedName, Version] | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("hashes"), list):
        return None
    if any(key in entry for key in ("file", "path", "git", "hg", "svn", "bzr")):
        return None
    version = entry.get("version")
    if not isinstance(version, str) or not version.startswith("=="):
        return None
    try:
        return canonicalize_name(raw_name), Version(version[2:].strip())
    except InvalidVersion:
        return None


def _format_array(text: str, span: _Span, digests: list[str]) -> str:
    """The new array, indented the way the old one was."""
    line_start = text.rfind("\n", 0, span.start) + 1
    outer = _WHITESPACE.match(text, line_start).group(0)  # type: ignore[union-attr]  # always matches
    inner_match = re.search(r"\n([ \t]*)\S", text[span.start : span.end])
    body = text[span.start + 1 : span.end - 1]
    if inner_match is None or body.strip() == "":
        if "\n" not in text[span.start : span.end] and body.strip():
            return "[" + ", ".join(json.dumps(d) for d in digests) + "]"
        unit = re.search(r"\n([ \t]+)\S", text)
        inner = outer + (unit.group(1) if unit else "    ")
    else:
        inner = inner_match.group(1)
    outer = outer.strip("\r\n")
    items = (",\n").join(f"{inner}{json.dumps(d)}" for d in digests)
    return f"[\n{items}\n{outer}]"


def _hash_spans(text: str) -> dict[tuple[str, str], _Span]:
    """Where each ``section.entry.hashes`` array is in the text."""
    spans: dict[tuple[str, str], _Span] = {}
    _value(text, _skip(text, 0), (), spans)
    return spans


def _skip(text: str, pos: int) -> int:
    return _WHITESPACE.match(text, pos).end()  # type: ignore[union-attr]  # always matches


def _string(text: str, pos: int) -> tuple[str, int]:
    """The JSON string at ``pos`` and the position after it."""
    match = _STRING.match(text, pos)
    if match is None:  # pragma: no cover - json.loads accepted the text
        raise ValueError(f"expected a JSON string at offset {pos}")
    value: str = json.loads(match.group(0))
    return value, match.end()


def _value(text: str, pos: int, keys: tuple[str, ...], spans: dict[tuple[str, str], _Span]) -> int:
    """Scan the JSON value at ``pos`` (already valid JSON); return the position after it."""
    char = text[pos]
    if char == '"':
        return _string(text, pos)[1]
    if char == "{":
        pos = _skip(text, pos + 1)
        if text[pos] == "}":
            return pos + 1
        while True:
            key, pos = _string(text, pos)
            pos = _skip(text, _skip(text, pos) + 1)  # past the colon
            pos = _skip(text, _value(text, pos, (*keys, key), spans))
            if text[pos] == "}":
                return pos + 1
            pos = _skip(text, pos + 1)  # past the comma
    if char == "[":
        start = pos
        pos = _skip(text, pos + 1)
        if text[pos] != "]":
            while True:
                pos = _skip(text, _value(text, pos, (*keys, "[]"), spans))
                if text[pos] == "]":
                    break
                pos = _skip(text, pos + 1)
        if len(keys) == 3 and keys[2] == "hashes" and keys[0] != "_meta":
            spans[(keys[0], keys[1])] = _Span(start, pos + 1)
        return pos + 1
    match = _SCALAR.match(text, pos)
    if match is None:  # pragma: no cover - json.loads accepted the text
        raise ValueError(f"unexpected JSON at offset {pos}")
    return match.end()


def for_pipfile_lock(job: HashJob) -> HashUpdate:
    """``update_pipfile_lock`` for ``update-hashes``."""
    return update_pipfile_lock(job.text, job.path, job.answers, append=job.append)
