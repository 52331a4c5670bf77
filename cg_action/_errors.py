"""The exceptions of cg-action: one root, one base per role.

Every error carries a ``diagnostics()`` text that says what happened and what to do about it.
Only ``_cli`` turns them into messages and exit codes. A dependency that an index does not
serve is a finding, never an exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class CgActionError(Exception):
    """Root of every error cg-action raises on purpose."""

    hint: str = ""

    def diagnostics(self) -> str:
        """The message, then what to do about it."""
        text = str(self)
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class UsageError(CgActionError):
    """The command line or configuration asks for something that cannot be done (exit 2)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One thing wrong with an input file, at a place in it."""

    path: Path
    line: int | None
    message: str  # user-info of any URL in it is removed on creation
    key: str | None = None

    def __post_init__(self) -> None:
        # Messages quote the offending text; a URL in it may carry credentials.
        if "@" in self.message:
            from cg_action._urls import redact_text

            object.__setattr__(self, "message", redact_text(self.message))

    def __str__(self) -> str:
        from cg_action._report._escape import printable  # a file name may hold a line break

        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
        if self.key:
            where += f": {self.key}"
        return printable(f"{where}: {self.message}")


class InputError(CgActionError):
    """An input file could not be read or understood (exit 2)."""


class ParseError(InputError):
    """One or more problems in one dependency or configuration file."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("ParseError needs at least one problem")
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(
        cls, path: Path, line: int | None, message: str, *, key: str | None = None
    ) -> ParseError:
        """A parse error with a single problem."""
        return cls([Problem(path=path, line=line, message=message, key=key)])


class IndexAccessError(CgActionError):
    """Base of the errors that make an index unusable for the whole run (exit 3)."""


class IndexAuthError(IndexAccessError):
    """The index refused the credentials (401) or the entitlement (403)."""


class IndexUnreachableError(IndexAccessError):
    """No answer could be had from the index at all."""


class RewriteError(CgActionError):
    """A configuration file could not be rewritten safely; nothing was written."""


class GitHubError(CgActionError):
    """A call to the GitHub API failed."""
