"""Poetry's version-constraint syntax, translated to PEP 440 specifiers.

Poetry writes ``^1.2.3``, ``~1.2``, ``1.2.*``, bare ``1.2.3``, ``>=1.2 <1.5`` and unions such as
``^1.2 || ^2.0`` where PEP 440 has only comma-joined clauses. The rules follow Poetry's
documentation ("Dependency specification"):

- caret ``^X``: up to the next breaking release: the first non-zero release component is
  bumped (``^1.2.3`` -> ``>=1.2.3,<2.0.0``, ``^0.2.3`` -> ``<0.3.0``, ``^0.0.3`` -> ``<0.0.4``);
  with only zeros, the last given component is (``^0`` -> ``<1``, ``^0.0`` -> ``<0.1``);
- tilde ``~X``: the next minor release, or the next major one when only the major is given
  (``~1.2.3`` -> ``>=1.2.3,<1.3.0``, ``~1`` -> ``>=1,<2``);
- ``~=X`` as PEP 440 (``~=1.2`` -> ``>=1.2,<2.0``), and ``~=1`` is accepted as ``>=1,<2``;
- ``*``, ``x`` (and ``""``) allow any version; ``1.2.*`` is ``==1.2.*``; a bare or ``=`` version
  is ``==``; with an ordering operator a trailing ``.*`` is dropped (``>=1.2.*`` -> ``>=1.2``);
- clauses are joined with ``,`` or white space; ``||`` (or ``|``) separates alternatives.

A ``SpecifierSet`` cannot express a union. ``poetry_to_specifier`` therefore returns an empty
``SpecifierSet`` (any version) for a constraint with more than one alternative: the caller
keeps such a dependency as a range over every version, which is wider than, never narrower
than, what Poetry allows. ``poetry_alternatives`` gives the exact union as a tuple of
specifier sets. Local version labels on an ordering bound (``>=1.2+local``) cannot be written
in PEP 440 and are dropped from that bound.

Anything Poetry would reject raises ``InvalidPoetryConstraint`` (a ``ValueError``).
"""

from __future__ import annotations

import re

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from cg_action._sources._typed import excerpt, parser_message

__all__ = ["InvalidPoetryConstraint", "poetry_alternatives", "poetry_to_specifier"]

_OR = re.compile(r"\s*\|\|?\s*")
# An operator, optional spaces, then the version: split the clauses of one alternative.
_CLAUSE = re.compile(r"(\^|~=|~|===|==|=|!=|<=|>=|<|>)?\s*([^\s,]+)")
_ANY = re.compile(r"^[*xX](\.[*xX])*$")
_WILDCARD = re.compile(r"^(.*?)((?:\.\*)+)$")


class InvalidPoetryConstraint(ValueError):
    """A constraint Poetry would not accept."""


def poetry_to_specifier(constraint: str) -> SpecifierSet:
    """The PEP 440 specifier set for a Poetry constraint; any version for a union (see above)."""
    alternatives = poetry_alternatives(constraint)
    if len(alternatives) == 1:
        return alternatives[0]
    return SpecifierSet()


def is_union(constraint: str) -> bool:
    """Whether the constraint has several ``||`` alternatives."""
    return len(poetry_alternatives(constraint)) > 1


def poetry_alternatives(constraint: str) -> tuple[SpecifierSet, ...]:
    """Each ``||`` alternative of a Poetry constraint as a specifier set; a version allowed by
    any of them is allowed by the constraint."""
    text = constraint.strip()
    if not text:
        return (SpecifierSet(),)
    parts = _OR.split(text)
    if any(not part for part in parts):
        raise InvalidPoetryConstraint(f"empty alternative in {excerpt(constraint)}")
    return tuple(_alternative(part, constraint) for part in parts)


def _alternative(text: str, constraint: str) -> SpecifierSet:
    clauses: list[str] = []
    position = 0
    while position < len(text):
        if text[position] in " \t":
            position += 1
            continue
        found = _CLAUSE.match(text, position)
        if found is None:
            raise InvalidPoetryConstraint(
                f"cannot read {excerpt(constraint)} at {excerpt(text[position:])}"
            )
        clauses.extend(_clause(found.group(1) or "", found.group(2), constraint))
        position = found.end()
        # A single comma (with spaces around it) may separate clauses; a trailing one is allowed.
        rest = text[position:].lstrip(" \t")
        if rest.startswith(","):
            rest = rest[1:].lstrip(" \t")
            if rest.startswith(","):
                raise InvalidPoetryConstraint(f"empty clause in {excerpt(constraint)}")
        position = len(text) - len(rest)
    try:
        return SpecifierSet(",".join(clauses))
    except InvalidSpecifier as exc:  # pragma: no cover - every clause is built valid
        raise InvalidPoetryConstraint(
            f"cannot translate {excerpt(constraint)}: {parser_message(exc)}"
        ) from exc


def _clause(operator: str, raw: str, constraint: str) -> list[str]:
    if _ANY.match(raw):
        if operator in ("", "=", "==", ">=", "<=", "^", "~", "~="):
            return []
        raise InvalidPoetryConstraint(f"{operator}{raw} in {excerpt(constraint)} allows nothing")
    wildcard = _WILDCARD.match(raw)
    if wildcard is not None:
        version = _version(wildcard.group(1), constraint)
        if version.pre or version.post is not None or version.dev is not None or version.local:
            raise InvalidPoetryConstraint(
                f"a wildcard needs a plain release in {excerpt(constraint)}"
            )
        match operator:
            case "" | "=" | "==":
                return [f"=={version}.*"]
            case "!=":
                return [f"!={version}.*"]
            case "<" | "<=" | ">" | ">=":
                return [f"{operator}{version}"]
            case _:
                raise InvalidPoetryConstraint(
                    f"{operator} cannot take a wildcard: {excerpt(constraint)}"
                )
    version = _version(raw, constraint)
    match operator:
        case "^":
            return [f">={_public(version)}", f"<{_caret_bound(version)}"]
        case "~":
            return [f">={_public(version)}", f"<{_tilde_bound(version)}"]
        case "~=":
            return [f">={_public(version)}", f"<{_compatible_bound(version)}"]
        case "" | "=" | "==":
            return [f"=={version}"]
        case "!=":
            return [f"!={version}"]
        case "===":
            raise InvalidPoetryConstraint(f"Poetry does not accept === in {excerpt(constraint)}")
        case _:
            return [f"{operator}{_public(version)}"]


def _version(raw: str, constraint: str) -> Version:
    try:
        return Version(raw)
    except InvalidVersion as exc:
        raise InvalidPoetryConstraint(
            f"{excerpt(raw)} is not a version in {excerpt(constraint)}"
        ) from exc


def _public(version: Version) -> str:
    return version.public


def _bump(version: Version, index: int) -> str:
    """The release with component ``index`` raised by one and later ones zeroed."""
    release = list(version.release)
    release += [0] * (index + 1 - len(release))
    release[index] += 1
    release[index + 1 :] = [0] * (len(release) - index - 1)
    epoch = f"{version.epoch}!" if version.epoch else ""
    return epoch + ".".join(str(part) for part in release)


def _caret_bound(version: Version) -> str:
    release = version.release
    precision = len(release)
    if release[0] > 0 or precision == 1:
        return _bump(version, 0)
    if release[1] > 0 or precision == 2:
        return _bump(version, 1)
    return _bump(version, 2)


def _tilde_bound(version: Version) -> str:
    return _bump(version, 0 if len(version.release) == 1 else 1)


def _compatible_bound(version: Version) -> str:
    precision = len(version.release)
    return _bump(version, 0 if precision == 1 else precision - 2)
