"""The lexer of requirements files: lines, comments, and the options pip reads on a line.

It follows pip's own rules (``pip install -r``):

* Lines are split as ``str.splitlines`` does; a line ending in ``\\`` is joined with the next
  (not when it is a full-line comment), and the joined line takes the number of its first
  physical line. ``#`` starts a comment at the start of a line or after whitespace.
* A line's words up to the first one starting with ``-`` are its requirement; the rest are
  split as a POSIX shell does (``shlex``) and read as pip's options, under their long names.

Every file is hostile: each function here takes time linear in the text it is given, whatever
it holds (long runs of spaces, backslashes, quotes or brackets), and a large file is split into
lines a chunk at a time. ``tests/security/test_input_lexing.py`` holds both properties.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

_SHELL_SPECIAL = re.compile(r"[\"'\\]")
_SHELL_SPACE = re.compile(r"[ \t\r\n]+")
_SHELL_PLAIN = re.compile(r"[^ \t\r\n\"'\\]+")
_SHELL_DOUBLE_QUOTED = re.compile(r'[^"\\]+')
_CHUNK = 1 << 16  # lines are split 64 KiB of text at a time


@dataclass(frozen=True, slots=True)
class _OptionSpec:
    """One option pip accepts inside a requirements file."""

    name: str  # the long name without dashes
    takes_value: bool


_SPECS: dict[str, _OptionSpec] = {
    spec.name: spec
    for spec in (
        _OptionSpec("index-url", True),
        _OptionSpec("extra-index-url", True),
        _OptionSpec("no-index", False),
        _OptionSpec("constraint", True),
        _OptionSpec("requirement", True),
        _OptionSpec("editable", True),
        _OptionSpec("find-links", True),
        _OptionSpec("no-binary", True),
        _OptionSpec("only-binary", True),
        _OptionSpec("prefer-binary", False),
        _OptionSpec("require-hashes", False),
        _OptionSpec("no-require-hashes", False),
        _OptionSpec("pre", False),
        _OptionSpec("all-releases", True),
        _OptionSpec("only-final", True),
        _OptionSpec("trusted-host", True),
        _OptionSpec("use-feature", True),
        _OptionSpec("hash", True),
        _OptionSpec("config-settings", True),
    )
}
_LONG: dict[str, _OptionSpec] = {f"--{name}": spec for name, spec in _SPECS.items()}
_LONG["--pypi-url"] = _SPECS["index-url"]
_SHORT: dict[str, _OptionSpec] = {
    "-i": _SPECS["index-url"],
    "-c": _SPECS["constraint"],
    "-r": _SPECS["requirement"],
    "-e": _SPECS["editable"],
    "-f": _SPECS["find-links"],
    "-C": _SPECS["config-settings"],
}
OPTION_NAMES = frozenset(_SPECS)
"""The long names (without dashes) of every option pip reads in a requirements file."""
# -r and -c: a line that holds one includes another file
INCLUDES = frozenset({"requirement", "constraint"})
# pip applies these wherever they stand, even on a requirement or include line (they change
# the finder's shared format and release controls as they are read).
ANYWHERE = frozenset({"no-binary", "only-binary", "all-releases", "only-final"})


@dataclass(frozen=True, slots=True)
class Option:
    """An option as read from one line: long name, value as written, and the spelling used."""

    name: str
    value: str | None
    spelling: str


def physical_lines(text: str) -> Iterator[str]:
    """``text.splitlines()``, a chunk at a time: a large file is not copied line by line at once.

    A chunk ends just after a ``\\n``, which always ends a line (alone or in ``\\r\\n``), so the
    lines are exactly those ``str.splitlines`` gives (``\\f``, ``\\x1c``, ... end lines too).
    """
    start = 0
    while start < len(text):
        cut = text.find("\n", start + _CHUNK)
        end = len(text) if cut < 0 else cut + 1
        yield from text[start:end].splitlines()
        start = end


def logical_lines(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Join backslash continuations; yield (number of the first physical line, text).

    A run of empty lines is yielded once, as its first line: they all mean the same.
    """
    pending: list[str] = []
    first = 0
    after_empty = False
    for number, line in enumerate(lines, start=1):
        if not line:
            if pending:  # the empty line ends a continuation: it is not a line of its own
                pending.append(line)
                yield first, "".join(pending)
                pending = []
                continue
            if not after_empty:
                yield number, line
            after_empty = True
            continue
        after_empty = False
        is_comment = line.lstrip().startswith("#")
        if is_comment or not line.endswith("\\"):
            text = " " + line if is_comment else line  # a joined comment stays a comment
            if pending:
                pending.append(text)
                yield first, "".join(pending)
                pending = []
            else:
                yield number, text
        else:
            if not pending:
                first = number
            pending.append(line.strip("\\"))
    if pending:
        yield first, "".join(pending)


def _comment_start(line: str) -> int:
    """Where pip's comment starts: the first ``#`` at the line start or after whitespace.

    -1 when there is none. One pass over the line, whatever it holds (pip's regular expression
    ``(^|\\s+)#.*$`` takes quadratic time on a long run of spaces).
    """
    position = line.find("#")
    while position > 0 and not line[position - 1].isspace():
        position = line.find("#", position + 1)
    return position


def split_comment(line: str) -> tuple[str, str]:
    """(content without the comment, the comment from its ``#``), both stripped."""
    start = _comment_start(line)
    if start < 0:
        return line.strip(), ""
    return line[:start].strip(), line[start:].strip()


def split_extras(target: str) -> tuple[str, str] | None:
    """``./path[extra,...]`` -> (``./path``, ``[extra,...]``); None without trailing extras.

    What ``^(.+?)\\s*(\\[[^\\]]+\\])$`` matches, found in linear time: the bracket is the
    first ``[`` after the last ``]`` but one (and after the first character).
    """
    if not target.endswith("]"):
        return None
    end = len(target) - 1
    opening = target.find("[", max(target.rfind("]", 0, end) + 1, 1), end)
    if opening < 0 or opening + 1 == end:
        return None
    bare = target[:opening].rstrip() or target[:1]
    return bare, target[opening:]


def split_args_options(content: str) -> tuple[str, str]:
    """pip's split: words up to the first one starting with ``-`` are the requirement."""
    words = content.split(" ")
    for index, word in enumerate(words):
        if word.startswith("-"):
            return " ".join(words[:index]), " ".join(words[index:])
    return content, ""


def shell_words(text: str) -> list[str]:
    """``shlex.split(text)`` as pip does it, in time linear in the text.

    Plain text (most lines) is split on whitespace; otherwise the POSIX rules of ``shlex``
    are followed (quotes, backslash escapes, ``''`` as an empty word), one run of characters at
    a time: ``shlex`` itself adds one character at a time to a string, which takes quadratic
    time on a long word. Raises ValueError where ``shlex`` does (an unclosed quote).
    """
    if not _SHELL_SPECIAL.search(text):
        return _SHELL_SPACE.split(text.strip(" \t\r\n")) if text.strip(" \t\r\n") else []
    words: list[str] = []
    parts: list[str] = []
    in_word = False
    position, end = 0, len(text)
    while position < end:
        char = text[position]
        if char in " \t\r\n":
            if in_word:
                words.append("".join(parts))
                parts, in_word = [], False
            space = _SHELL_SPACE.match(text, position)
            position = space.end() if space is not None else position + 1
            continue
        in_word = True
        if char == "'":
            close = text.find("'", position + 1)
            if close < 0:
                raise ValueError("No closing quotation")
            parts.append(text[position + 1 : close])
            position = close + 1
        elif char == '"':
            position = _double_quoted(text, position + 1, parts)
        elif char == "\\":
            if position + 1 >= end:
                raise ValueError("No escaped character")
            parts.append(text[position + 1])
            position += 2
        else:
            run = _SHELL_PLAIN.match(text, position)
            stop = run.end() if run is not None else position + 1
            parts.append(text[position:stop])
            position = stop
    if in_word:
        words.append("".join(parts))
    return words


def _double_quoted(text: str, position: int, parts: list[str]) -> int:
    """Read a double-quoted run after its opening quote into ``parts``; where it ends."""
    end = len(text)
    while True:
        run = _SHELL_DOUBLE_QUOTED.match(text, position)
        if run is not None:
            parts.append(run.group())
            position = run.end()
        if position >= end:
            raise ValueError("No closing quotation")
        if text[position] == '"':
            return position + 1
        if position + 1 >= end:  # a backslash at the very end
            raise ValueError("No escaped character")
        escaped = text[position + 1]
        # Inside double quotes only the quote and the backslash itself are escaped.
        parts.append(escaped if escaped in '"\\' else "\\" + escaped)
        position += 2


def _match_long(option: str) -> _OptionSpec | str:
    """The option a long spelling (or an unambiguous prefix of one) names, or pip's error."""
    if option in _LONG:
        return _LONG[option]
    candidates = sorted(name for name in _LONG if name.startswith(option))
    if len(candidates) == 1:
        return _LONG[candidates[0]]
    if not candidates:
        return f"no such option: {option}"
    return f"ambiguous option: {option} ({', '.join(candidates)}?)"


def parse_options(tokens: Sequence[str]) -> tuple[list[Option], list[str]]:
    """Options from shell-split words, the way optparse reads them; and pip's errors.

    Words that are not options are ignored, as pip ignores them.
    """
    options: list[Option] = []
    errors: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token == "--":  # noqa: S105 - optparse's end of options, not a password
            break
        if token.startswith("--"):
            spelling, has_value, inline = token.partition("=")
            found = _match_long(spelling)
            if isinstance(found, str):
                errors.append(found)
                continue
            if not found.takes_value:
                if has_value:
                    errors.append(f"{spelling} option does not take a value")
                    continue
                options.append(Option(found.name, None, spelling))
                continue
            if has_value:
                options.append(Option(found.name, inline, spelling))
            elif index < len(tokens):
                options.append(Option(found.name, tokens[index], spelling))
                index += 1
            else:
                errors.append(f"{spelling} option requires 1 argument")
        elif token.startswith("-") and len(token) > 1:
            spelling = token[:2]
            spec = _SHORT.get(spelling)
            if spec is None:
                errors.append(f"no such option: {spelling}")
                continue
            if len(token) > 2:
                options.append(Option(spec.name, token[2:], spelling))
            elif index < len(tokens):
                options.append(Option(spec.name, tokens[index], spelling))
                index += 1
            else:
                errors.append(f"{spelling} option requires 1 argument")
    return options, errors
