"""``-r``/``-c`` includes: which file an include names, and whether it may be read.

``-r`` files are read in place; ``-c`` files give dependencies with ``is_constraint=True`` (a
``-r`` inside a constraints file gives requirements again, as in pip). An include is relative
to the including file. Each included file is read once (pip reads a file included twice
twice).

Every file is hostile, so an include is refused, with the reason as a problem at the
``-r``/``-c`` line, when its value needs a ``${VAR}`` that is unset or refused, when it is not a
local file (remote includes are never fetched), when the files include each other in a cycle or
more than ``MAX_INCLUDE_DEPTH`` files deep, when it lies in a ``.git`` folder or (with
``root``) outside the repository, and when it is not a regular file or cannot be read.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Container
from dataclasses import dataclass, replace
from pathlib import Path

from cg_action._errors import ParseError
from cg_action._sources._pep508 import url_scheme
from cg_action._sources._requirements._files import exists, identity, is_file
from cg_action._sources._requirements._variables import Expanded
from cg_action._sources._typed import in_git_folder, read_text

logger = logging.getLogger(__name__)

MAX_INCLUDE_DEPTH = 50
"""How many requirements files deep ``-r``/``-c`` includes are followed."""


@dataclass(frozen=True, slots=True)
class Including:
    """A file in the chain of includes: who it is, as named, and the line that includes on."""

    identity: Path
    path: Path
    line: int = 0  # the line of its -r/-c that is being followed (0: none yet)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else str(self.path)


Stack = tuple[Including, ...]
"""The chain of files being read, the outermost first."""


@dataclass(frozen=True, slots=True)
class Include:
    """An included file that may be read: its path, its text, and the chain leading to it."""

    path: Path
    text: str
    stack: Stack


def open_include(
    shown: str,
    value: Expanded,
    *,
    stack: Stack,
    line: int,
    is_constraint: bool,
    seen: Container[tuple[Path, bool]],
    root: Path | None,
) -> Include | str | None:
    """Open the file an include names, if it may be read.

    ``shown`` is the option as written, for messages; ``value`` its value with ``${VAR}``
    expanded; ``stack`` the chain of including files, the last one holding the include at
    ``line``; ``seen`` the (identity, is_constraint) of the files already read. Returns the
    file to read, the problem that stops it (a message), or None when it was read already.
    """
    if not value.is_complete:
        return f"{shown}: {value.why_not()}; cg-action cannot read that file"
    target = value.text
    if url_scheme(target):
        return (
            f"{shown} is not a local file; cg-action reads only files in the repository, "
            "so the dependencies it lists are not checked"
        )
    base = stack[-1].path.parent
    included = Path(os.path.normpath(base / target))
    included_identity = identity(included)
    for index, ancestor in enumerate(stack):
        if ancestor.identity == included_identity:
            chain = [str(a.path) for a in stack[index:]] + [str(included)]
            return (
                f"the requirements files include each other in a cycle "
                f"({' -> '.join(chain)}); remove one of these includes"
            )
    stack = (*stack[:-1], replace(stack[-1], line=line))
    if len(stack) >= MAX_INCLUDE_DEPTH:
        shown_chain = [str(a) for a in stack]
        if len(shown_chain) > 6:
            shown_chain[3:-2] = ["..."]
        return (
            f"requirements files include each other nested more than {MAX_INCLUDE_DEPTH} "
            f"deep ({' -> '.join(shown_chain)}); cg-action stops here: include the files "
            "from fewer levels"
        )
    if ".git" in included.parts or in_git_folder(included_identity, root):
        return (
            f"{shown} is inside a .git folder; cg-action never reads git's own files "
            "(they can hold credentials)"
        )
    if (included_identity, is_constraint) in seen:
        logger.debug("%s was already read; not reading it again", included)
        return None
    if root is not None and not included_identity.is_relative_to(root):
        return f"{shown} points outside the repository; cg-action does not read it"
    if exists(included) and not is_file(included):
        return f"{shown} is not a regular file; point it at a requirements file"
    try:
        text = read_text(included, root=root)
    except ValueError:  # e.g. a NUL character in the name; OSError becomes ParseError
        return f"{shown} is not a valid file name; fix the path"
    except ParseError as exc:
        return (
            f"{shown}: {exc.problems[0].message}; fix the path (it is taken relative to "
            f"{base}) or remove the line"
        )
    return Include(path=included, text=text, stack=stack)
