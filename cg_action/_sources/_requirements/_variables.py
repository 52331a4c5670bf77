"""``${VAR}`` in requirements files: which variables may expand, and where.

pip expands ``${NAME}`` (upper-case letters, digits, ``_``) from the environment anywhere on a
line. cg-action is stricter, because a requirements file is untrusted and a variable may hold
a credential:

* Where: only in URLs, paths and include values (``-r``/``-c``), never in a name, version or
  marker; the reader asks ``Variables.expand`` only there, and says so when a name, version or
  marker holds a variable (``holds_variable``).
* Which: never a variable that may hold a credential: one whose name starts with
  ``CHAINGUARD_``, ``GITHUB_``, ``ACTIONS_``, ``RUNNER_`` or ``CG_ACTION_``, or one whose value
  is (or holds) a credential the run holds. ``$NAME`` and ``${lower}`` are never expanded.
* An unset, empty or refused variable stays as written; ``Expanded.why_not`` says why, for
  the problem of a line that needed it.
* Expanded text is only used to tell what a line means (URL or path, which local file to
  read); ``IndexOption.value``, ``Dependency.url`` and every message keep the text as written.

The values come from the mapping ``parse_requirements`` is given as its ``environ``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from cg_action._urls import split_credentials

_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")
# Never expanded: these hold the index credentials, GitHub's token and the runner's own.
_HELD_PREFIXES = ("CHAINGUARD_", "GITHUB_", "ACTIONS_", "RUNNER_", "CG_ACTION_")
_CREDENTIAL_VARIABLES = frozenset(
    {
        "CHAINGUARD_PYTHON_TOKEN",
        "CHAINGUARD_PYTHON_IDENTITY_ID",
        "CG_ACTION_PASSWORD",
        "CG_ACTION_USERNAME",
        "GITHUB_TOKEN",
        "ACTIONS_RUNTIME_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    }
)
_SHORTEST_SECRET = 6  # a shorter credential is only matched whole


def holds_variable(text: str) -> bool:
    """Whether ``text`` holds a ``${VAR}`` that pip would expand."""
    return _ENV_VAR.search(text) is not None


@dataclass(frozen=True, slots=True)
class Expanded:
    """Text after ``${VAR}`` expansion, and the variables that stayed as written."""

    text: str
    unset: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()

    @property
    def is_complete(self) -> bool:
        return not self.unset and not self.refused

    def why_not(self) -> str:
        """Why the expansion is incomplete, for a message."""
        reasons = []
        if self.unset:
            reasons.append(f"{_names(self.unset)} {_is_or_are(self.unset)} not set")
        if self.refused:
            reasons.append(
                f"cg-action never expands {_names(self.refused)}: variables that may hold "
                f"credentials ({', '.join(p + '*' for p in _HELD_PREFIXES)}, or whose value is "
                "one) stay as written"
            )
        return "; ".join(reasons)


def _names(names: Sequence[str]) -> str:
    return ", ".join(f"${{{name}}}" for name in names)


def _is_or_are(names: Sequence[str]) -> str:
    return "is" if len(names) == 1 else "are"


class Variables:
    """Where ``${VAR}`` values come from, minus every variable that may hold a credential.

    Never expanded: names starting with one of ``_HELD_PREFIXES`` (the index credentials,
    GitHub's and the runner's tokens), and any variable whose value is, or contains, a
    credential the run holds (``secrets``, and those the held variables carry). The expanded
    text is only ever used to tell what a line means (URL or path, which local file):
    dependencies, options and messages keep the text as written.
    """

    def __init__(self, environ: Mapping[str, str], secrets: Collection[str]) -> None:
        self.environ = environ
        self._given = tuple(secrets)
        self._secrets: frozenset[str] | None = None

    def expand(self, text: str) -> Expanded:
        if "${" not in text:
            return Expanded(text)
        unset: list[str] = []
        refused: list[str] = []

        def value(found: re.Match[str]) -> str:
            name = found.group(1)
            raw = self.environ.get(name) or ""
            if not raw:
                unset.append(name)
            elif not self._may_expand(name, raw):
                refused.append(name)
            else:
                return raw
            return found.group(0)

        expanded = _ENV_VAR.sub(value, text)
        return Expanded(expanded, tuple(dict.fromkeys(unset)), tuple(dict.fromkeys(refused)))

    def _may_expand(self, name: str, value: str) -> bool:
        if name.startswith(_HELD_PREFIXES):
            return False
        if self._secrets is None:
            self._secrets = self._held_secrets()
        return not any(
            secret == value or (len(secret) >= _SHORTEST_SECRET and secret in value)
            for secret in self._secrets
        )

    def _held_secrets(self) -> frozenset[str]:
        values = [*self._given, *(self.environ.get(name, "") for name in _CREDENTIAL_VARIABLES)]
        for name, value in self.environ.items():
            if name.startswith(_HELD_PREFIXES) and "@" in value:  # a URL with user-info
                try:
                    _, user, password = split_credentials(value.strip())
                except ValueError:
                    continue
                values += [user or "", password or ""]
        return frozenset(v for v in values if v)
