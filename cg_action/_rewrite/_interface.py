"""The contract of the rewrite role: what a rewrite is asked to do, and what it gives back.

Every format module exposes ``rewrite_text(text, path, options) -> Rewritten``: a pure function
from the file's text (line endings normalized to ``\\n``, no BOM) to the new text, with notes
for the user. ``ConfigFinding`` is what the lint reports about a configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from cg_action._compat import StrEnum
from cg_action._models import Location
from cg_action._urls import CHAINGUARD_INDEX, CHAINGUARD_REMEDIATED_INDEX, PYPI_INDEX


class ConfigFormat(StrEnum):
    """The kinds of file that hold index configuration."""

    PIP_CONF = "pip.conf"
    REQUIREMENTS = "requirements"
    PYPROJECT = "pyproject"
    UV_TOML = "uv.toml"
    PIPFILE = "Pipfile"
    LOCK = "lock"  # read by the lint only (committed credentials), never rewritten


@dataclass(frozen=True, slots=True, kw_only=True)
class RewriteOptions:
    """Where the rewritten configuration points.

    ``index_url`` is Chainguard's standard index or a repository manager in front of it;
    ``remediated`` puts the remediated index in front of it; ``fallback`` says whether PyPI (at
    ``fallback_index_url``) is a lower-priority source, where the tool allows one: True adds or
    keeps it, False removes it, None (the default) keeps it only where the file already let
    PyPI in (explicitly, or as the tool's implicit default): a Chainguard-only configuration
    never gains a fallback it did not have.
    """

    index_url: str = CHAINGUARD_INDEX
    remediated: bool = False
    remediated_index_url: str = CHAINGUARD_REMEDIATED_INDEX
    fallback: bool | None = None
    fallback_index_url: str = PYPI_INDEX

    def deciding_fallback(self, pypi_reachable: bool) -> RewriteOptions:
        """These options with ``fallback`` decided for one file, given whether PyPI was in it."""
        if self.fallback is not None:
            return self
        return replace(self, fallback=pypi_reachable)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rewritten:
    """The new text of one file and what the user should know about it."""

    text: str
    notes: tuple[str, ...] = ()


class Rewriter(Protocol):
    """A format module's entry point, ``rewrite_text``: ``_files.plan_rewrite`` calls each
    module's through this type, so mypy holds every module to it."""

    def __call__(self, text: str, path: Path, options: RewriteOptions) -> Rewritten:
        """The rewritten text of ``path`` (given as ``text``)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigFinding:
    """A trap in an index configuration, at its place: what is wrong and how to fix it.

    ``message`` and ``hint`` never contain a secret: URLs in them are redacted.
    """

    location: Location
    code: str
    message: str
    hint: str

    def __str__(self) -> str:
        where = str(self.location)
        message = self.message.removeprefix(f"{where}: ")
        return f"{where}: {self.code}: {message}"
