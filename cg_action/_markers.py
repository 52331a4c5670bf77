"""Environment markers as sets of environments: combined, compared and simplified.

packaging parses and evaluates markers but cannot combine or simplify them. A lockfile reader
that works out when a package installs (uv.lock records markers on the dependency edges, not
on the packages) needs ``and``, ``or``, "does this add anything new" and a short result.

A ``Condition`` is a marker in disjunctive normal form: an ``or`` of terms, each term an
``and`` of one constraint per variable:

- ``python_full_version`` (``python_version`` is translated to it): a union of intervals;
- the platform names (``sys_platform``, ``platform_system``, ``os_name``,
  ``implementation_name``, ``platform_python_implementation``, ``platform_machine``) compared
  with ``==`` or ``!=``: a finite set of values, or all values but a finite set;
- anything else (``'dev' in dependency_groups``, ``extra == 'cli'``,
  ``platform_release >= '5'``): a proposition of its own that holds or not.

Every operation keeps the meaning exactly. Simplifying merges terms that differ in one
variable (``a < 3.12 or a >= 3.12`` is dropped), drops terms that the others cover
(``A or (A and B)`` is ``A``) and, within a ``requires-python``, drops what it implies.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias, TypeVar

from packaging.markers import Marker
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PYTHON = "python_full_version"
_NAME_VARIABLES = (
    "implementation_name",
    "platform_python_implementation",
    "sys_platform",
    "platform_system",
    "os_name",
    "platform_machine",
)
_ALIASES = {
    "os.name": "os_name",
    "sys.platform": "sys_platform",
    "platform.version": "platform_version",
    "platform.machine": "platform_machine",
    "platform.python_implementation": "platform_python_implementation",
    "python_implementation": "platform_python_implementation",
}
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_NEGATED = {"==": "!=", "in": "not in", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_COVER_LIMIT = 2000  # pieces a coverage test may split into before it answers "not covered"


# -- constraints on one variable --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Bound:
    version: Version
    inclusive: bool


@dataclass(frozen=True, slots=True)
class _Interval:
    low: _Bound | None  # None: no lower bound
    high: _Bound | None  # None: no upper bound

    def is_empty(self) -> bool:
        if self.low is None or self.high is None:
            return False
        if self.low.version != self.high.version:
            return self.low.version > self.high.version
        return not (self.low.inclusive and self.high.inclusive)


def _low_key(bound: _Bound | None) -> tuple[int, Version | None, int]:
    return (0, None, 0) if bound is None else (1, bound.version, 0 if bound.inclusive else 1)


def _high_key(bound: _Bound | None) -> tuple[int, Version | None, int]:
    return (2, None, 0) if bound is None else (1, bound.version, 1 if bound.inclusive else 0)


def _sort_key(interval: _Interval) -> tuple[tuple[int, Version | None, int], ...]:
    return (_low_key(interval.low), _high_key(interval.high))


def _touches(first: _Interval, second: _Interval) -> bool:
    """Whether ``second`` (starting no earlier) overlaps or continues ``first``."""
    if first.high is None or second.low is None:
        return True
    if first.high.version != second.low.version:
        return first.high.version > second.low.version
    return first.high.inclusive or second.low.inclusive


def _later_high(a: _Bound | None, b: _Bound | None) -> _Bound | None:
    return a if _high_key(a) >= _high_key(b) else b


@dataclass(frozen=True, slots=True)
class Versions:
    """A set of versions: sorted, disjoint, non-touching intervals."""

    intervals: tuple[_Interval, ...]

    @classmethod
    def of(cls, intervals: Iterable[_Interval]) -> Versions:
        """The union of ``intervals``, normalized."""
        ordered = sorted((i for i in intervals if not i.is_empty()), key=_sort_key)
        merged: list[_Interval] = []
        for interval in ordered:
            if merged and _touches(merged[-1], interval):
                last = merged[-1]
                merged[-1] = _Interval(last.low, _later_high(last.high, interval.high))
            else:
                merged.append(interval)
        return cls(tuple(merged))

    def is_empty(self) -> bool:
        return not self.intervals

    def is_full(self) -> bool:
        return self.intervals == (_Interval(None, None),)

    def __and__(self, other: Versions) -> Versions:
        found = []
        for a in self.intervals:
            for b in other.intervals:
                low = a.low if _low_key(a.low) >= _low_key(b.low) else b.low
                high = a.high if _high_key(a.high) <= _high_key(b.high) else b.high
                found.append(_Interval(low, high))
        return Versions.of(found)

    def __or__(self, other: Versions) -> Versions:
        return Versions.of(self.intervals + other.intervals)

    def __invert__(self) -> Versions:
        gaps = []
        previous: _Bound | None = None  # the upper bound of the interval before the gap
        for interval in self.intervals:
            if interval.low is not None:
                low = None if previous is None else _Bound(previous.version, not previous.inclusive)
                high = _Bound(interval.low.version, not interval.low.inclusive)
                gaps.append(_Interval(low, high))
            if interval.high is None:
                return Versions.of(gaps)
            previous = interval.high
        low = None if previous is None else _Bound(previous.version, not previous.inclusive)
        gaps.append(_Interval(low, None))
        return Versions.of(gaps)

    def bounds(self) -> int:
        """How many bounds it takes to write (a shorter marker has fewer)."""
        return sum((i.low is not None) + (i.high is not None) for i in self.intervals)


ALL_VERSIONS = Versions((_Interval(None, None),))
NO_VERSIONS = Versions(())


def _at_least(version: Version, *, inclusive: bool = True) -> Versions:
    return Versions((_Interval(_Bound(version, inclusive), None),))


def _below(version: Version, *, inclusive: bool = False) -> Versions:
    return Versions((_Interval(None, _Bound(version, inclusive)),))


def _between(low: Version, high: Version) -> Versions:
    return Versions.of([_Interval(_Bound(low, True), _Bound(high, False))])


@dataclass(frozen=True, slots=True)
class _Names:
    """The values a name variable may take: ``values``, or all but ``values`` (``negated``)."""

    values: frozenset[str]
    negated: bool

    def is_empty(self) -> bool:
        return not self.negated and not self.values

    def is_full(self) -> bool:
        return self.negated and not self.values

    def __and__(self, other: _Names) -> _Names:
        match (self.negated, other.negated):
            case (False, False):
                return _Names(self.values & other.values, False)
            case (False, True):
                return _Names(self.values - other.values, False)
            case (True, False):
                return _Names(other.values - self.values, False)
            case _:
                return _Names(self.values | other.values, True)

    def __or__(self, other: _Names) -> _Names:
        return ~(~self & ~other)

    def __invert__(self) -> _Names:
        return _Names(self.values, not self.negated)


@dataclass(frozen=True, slots=True)
class _Truth:
    """Whether a proposition of its own holds (``{True}``), fails (``{False}``), or either."""

    values: frozenset[bool]

    def is_empty(self) -> bool:
        return not self.values

    def is_full(self) -> bool:
        return len(self.values) == 2

    def __and__(self, other: _Truth) -> _Truth:
        return _Truth(self.values & other.values)

    def __or__(self, other: _Truth) -> _Truth:
        return _Truth(self.values | other.values)

    def __invert__(self) -> _Truth:
        return _Truth(frozenset({True, False}) - self.values)


Domain: TypeAlias = Versions | _Names | _Truth


def _meet(a: Domain, b: Domain) -> Domain:
    match a, b:
        case Versions(), Versions():
            return a & b
        case _Names(), _Names():
            return a & b
        case _Truth(), _Truth():
            return a & b
    raise TypeError(f"cannot combine {a!r} with {b!r}")  # pragma: no cover - keys fix the type


def _join(a: Domain, b: Domain) -> Domain:
    match a, b:
        case Versions(), Versions():
            return a | b
        case _Names(), _Names():
            return a | b
        case _Truth(), _Truth():
            return a | b
    raise TypeError(f"cannot combine {a!r} with {b!r}")  # pragma: no cover - keys fix the type


def _within(a: Domain, b: Domain) -> bool:
    return _meet(a, ~b).is_empty()


# -- terms and conditions ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Term:
    """An ``and`` of constraints, at most one per variable, none of them empty or full."""

    parts: tuple[tuple[str, Domain], ...]

    @staticmethod
    def of(parts: Iterable[tuple[str, Domain]]) -> _Term | None:
        """The term of these constraints, None when they exclude every environment."""
        merged: dict[str, Domain] = {}
        for key, domain in parts:
            merged[key] = _meet(merged[key], domain) if key in merged else domain
            if merged[key].is_empty():
                return None
        return _Term(tuple(sorted((k, d) for k, d in merged.items() if not d.is_full())))

    def get(self, key: str) -> Domain | None:
        for k, domain in self.parts:
            if k == key:
                return domain
        return None

    def __and__(self, other: _Term) -> _Term | None:
        return _Term.of(self.parts + other.parts)

    def implies(self, other: _Term) -> bool:
        for key, domain in other.parts:
            mine = self.get(key)
            if mine is None or not _within(mine, domain):
                return False
        return True

    def without(self, key: str) -> tuple[tuple[str, Domain], ...]:
        return tuple(p for p in self.parts if p[0] != key)


def _subtract(term: _Term, other: _Term) -> list[_Term]:
    """``term and not other``, as disjoint terms."""
    if term.implies(other):
        return []
    for key, domain in other.parts:
        mine = term.get(key)
        if mine is not None and _meet(mine, domain).is_empty():
            return [term]  # they never hold together: all of ``term`` is left
    pieces: list[_Term] = []
    current = term
    for key, domain in other.parts:
        outside = _narrowed(current, key, ~domain)
        if outside is not None:
            pieces.append(outside)
        inside = _narrowed(current, key, domain)
        if inside is None:
            break
        current = inside
    return pieces


def _narrowed(term: _Term, key: str, domain: Domain) -> _Term | None:
    """``term`` with the constraint ``domain`` on ``key`` added (``_Term.of`` for one more
    part, without merging the others again): None when nothing is left."""
    parts = list(term.parts)
    for index, (known, current) in enumerate(parts):
        if known == key:
            met = _meet(current, domain)
            if met.is_empty():
                return None
            if met.is_full():  # pragma: no cover - a part is never full, nor made so by a meet
                del parts[index]
            else:
                parts[index] = (key, met)
            return _Term(tuple(parts))
        if known > key:
            break
    if domain.is_empty():
        return None
    if domain.is_full():
        return term
    parts.append((key, domain))
    parts.sort(key=_part_key)
    return _Term(tuple(parts))


def _part_key(part: tuple[str, Domain]) -> str:
    return part[0]


def _covers(terms: Iterable[_Term], term: _Term) -> bool:
    """Whether the ``or`` of ``terms`` holds wherever ``term`` holds (False when unsure)."""
    remaining = [term]
    for other in terms:
        remaining = [piece for r in remaining for piece in _subtract(r, other)]
        if not remaining:
            return True
        if len(remaining) > _COVER_LIMIT:
            return False
    return not remaining


@dataclass(frozen=True, slots=True)
class Condition:
    """A marker as an ``or`` of terms: no term is "never", one empty term is "always"."""

    terms: frozenset[_Term]

    @classmethod
    def parse(cls, marker: Marker | str) -> Condition:
        """The condition of a marker (as packaging writes it, or any PEP 508 marker text)."""
        return _Parser(str(marker)).parse()

    @classmethod
    def parse_wide(cls, marker: Marker | str) -> Condition:
        """The condition of a marker; one this code cannot read holds everywhere (more, never
        less: what it guards is then checked everywhere)."""
        try:
            return cls.parse(marker)
        except ValueError:
            return ALWAYS

    @classmethod
    def selected(cls, variable: str, name: str) -> Condition:
        """``'name' in extras`` or ``'name' in dependency_groups`` (the name normalized)."""
        return cls.parse(f"'{canonicalize_name(name)}' in {variable}")

    @classmethod
    def python(cls, versions: Versions) -> Condition:
        """Python versions: ``python_full_version`` in ``versions``."""
        term = _Term.of([(PYTHON, versions)])
        return cls(frozenset([term] if term is not None else []))

    @property
    def is_always(self) -> bool:
        return _Term(()) in self.terms

    @property
    def is_never(self) -> bool:
        return not self.terms

    def __and__(self, other: Condition) -> Condition:
        if self.is_always:
            return other
        if other.is_always:
            return self
        found = []
        for a in self.terms:
            for b in other.terms:
                both = a & b
                if both is not None:
                    found.append(both)
        return Condition(_simplified(found))

    def __or__(self, other: Condition) -> Condition:
        if self.is_always or other.is_never:
            return self
        if other.is_always or self.is_never:
            return other
        return Condition(_simplified([*self.terms, *other.terms]))

    def implies(self, other: Condition) -> bool:
        """Whether ``other`` holds wherever this holds (False when it cannot tell)."""
        if other.is_always or self.is_never or self.terms <= other.terms:
            return True
        return all(_covers(other.terms, term) for term in self.terms)

    def assuming(self, proposition: str) -> Condition:
        """The condition where ``proposition`` holds: one comparison that is neither about
        the Python version nor a platform name, such as ``'default' in dependency_groups``."""
        (fact,) = Condition.parse(proposition).terms
        ((key, holds),) = fact.parts
        if not isinstance(holds, _Truth):
            raise ValueError(f"not a proposition of its own: {proposition!r}")
        found = []
        for term in self.terms:
            domain = term.get(key)
            if domain is not None and _meet(domain, holds).is_empty():
                continue  # the term needs the proposition to fail
            rest = _Term.of(term.without(key))
            if rest is not None:
                found.append(rest)
        return Condition(_simplified(found))

    def to_marker(self, python: Versions = ALL_VERSIONS) -> Marker | None:
        """The shortest marker this code finds that means the same within ``python``.

        None for "always"; raises ValueError for "never", which no marker should say.
        """
        relaxed = [_relaxed(term, python) for term in self.terms]
        terms = _simplified((t for t in relaxed if t is not None), expand=True)
        if not terms:
            raise ValueError("the condition never holds")
        if _Term(()) in terms:
            return None
        ordered = sorted(terms, key=_term_order)
        texts = [_term_text(term, grouped=len(ordered) > 1) for term in ordered]
        return Marker(" or ".join(texts))

    def __str__(self) -> str:
        if self.is_never:
            return "<never>"
        marker = self.to_marker()
        return "<always>" if marker is None else str(marker)


ALWAYS = Condition(frozenset([_Term(())]))
NEVER = Condition(frozenset())

Node = TypeVar("Node", bound=Hashable)


def reached(
    starts: Mapping[Node, Condition],
    step: Callable[[Node, Condition], Iterable[tuple[Node, Condition]]],
    *,
    widest: Condition = ALWAYS,
    max_updates: int = 200,
) -> dict[Node, Condition]:
    """Where each node of a dependency graph is reached from ``starts``: the ``or``, over the
    paths to it, of the ``and`` of the conditions along each path.

    ``step(node, condition)`` gives the nodes ``node`` leads to, each with the condition it is
    reached with when ``node`` is reached under ``condition`` (the edge's marker added). A node
    is visited again only when a path widens its condition; one widened more than
    ``max_updates`` times is given ``widest`` (a safety net: more, never less).
    """
    conditions = dict(starts)
    updates: dict[Node, int] = {}
    queue = deque(conditions)
    queued = set(queue)
    while queue:
        node = queue.popleft()
        queued.discard(node)
        for child, via in step(node, conditions[node]):
            if via.is_never:
                continue
            known = conditions.get(child, NEVER)
            if via.implies(known):
                continue
            updates[child] = updates.get(child, 0) + 1
            widened = known | via
            if updates[child] > max_updates:  # pragma: no cover - a safety net
                widened = widest
            conditions[child] = widened
            if child not in queued:
                queued.add(child)
                queue.append(child)
    return conditions


def _simplified(terms: Iterable[_Term], *, expand: bool = False) -> frozenset[_Term]:
    """The same ``or`` of terms with fewer terms: merges and absorption; with ``expand``,
    shorter terms too (costlier: done when a marker is written)."""
    current = set(terms)
    if _Term(()) in current:
        return frozenset([_Term(())])
    while True:
        merged = _merged(current)
        if _Term(()) in merged:
            return frozenset([_Term(())])
        reduced = _absorbed(merged)
        if expand:
            reduced = _expanded(reduced)
        if reduced == current:
            return frozenset(reduced)
        current = reduced


def _merged(terms: set[_Term]) -> set[_Term]:
    """Terms that differ only in one variable's constraint become one term."""
    current = set(terms)
    changed = True
    while changed:
        changed = False
        keys = sorted({key for term in current for key, _ in term.parts})
        for key in keys:
            groups: dict[tuple[tuple[str, Domain], ...], list[_Term]] = {}
            for term in sorted(current, key=_term_order):
                groups.setdefault(term.without(key), []).append(term)
            for rest, members in groups.items():
                if len(members) < 2:
                    continue
                joined = _joined([m.get(key) for m in members])
                new = _Term.of(rest if joined is None else (*rest, (key, joined)))
                if new is None:  # pragma: no cover - a union of non-empty sets is not empty
                    continue
                current.difference_update(members)
                current.add(new)
                changed = True
            if changed:
                break
    return current


def _joined(domains: Sequence[Domain | None]) -> Domain | None:
    """The union of constraints on one variable; None (no constraint) if one is None."""
    joined: Domain | None = None
    for domain in domains:
        if domain is None:
            return None
        joined = domain if joined is None else _join(joined, domain)
    return joined


def _absorbed(terms: set[_Term]) -> set[_Term]:
    """Without the terms that the other terms cover."""
    ordered = sorted(terms, key=lambda t: (-len(t.parts), _term_order(t)))
    kept = list(ordered)
    for term in ordered:
        others = [t for t in kept if t != term]
        if any(term.implies(o) for o in others) or (len(others) <= 64 and _covers(others, term)):
            kept.remove(term)
    return set(kept)


def _expanded(terms: set[_Term]) -> set[_Term]:
    """Each term without the constraints it does not need: what dropping one adds, the
    other terms cover already (``A or (not A and B)`` is ``A or B``)."""
    if len(terms) < 2 or len(terms) > 64:
        return terms
    current = sorted(terms, key=_term_order)
    for i, term in enumerate(current):
        others = current[:i] + current[i + 1 :]
        wider = term
        for key, _ in term.parts:
            candidate = _Term.of(wider.without(key))
            if candidate is not None and all(
                _covers(others, piece) for piece in _subtract(candidate, wider)
            ):
                wider = candidate
        current[i] = wider
    return set(current)


def _relaxed(term: _Term, python: Versions) -> _Term | None:
    """The term within ``python``, with what ``python`` implies left out."""
    versions = term.get(PYTHON)
    inside = (versions if isinstance(versions, Versions) else ALL_VERSIONS) & python
    if inside.is_empty():
        return None
    outside = ~python
    below = Versions(tuple(i for i in outside.intervals if i.low is None))
    above = Versions(tuple(i for i in outside.intervals if i.high is None))
    candidates = [inside, inside | below, inside | above, inside | below | above, inside | outside]
    best = min(candidates, key=lambda v: (len(v.intervals), v.bounds()))
    return _Term.of((*term.without(PYTHON), (PYTHON, best)))


# -- writing ----------------------------------------------------------------------------------


def _quoted(value: str) -> str:
    return f'"{value}"' if "'" in value else f"'{value}'"


def _key_order(key: str) -> tuple[int, str]:
    if key == PYTHON:
        return (0, key)
    if key in _NAME_VARIABLES:
        return (1 + _NAME_VARIABLES.index(key), key)
    return (10, key)


def _term_order(term: _Term) -> tuple[tuple[tuple[int, str], str], ...]:
    """A fixed order of terms (set order changes from run to run)."""
    return tuple((_key_order(k), _domain_key(d)) for k, d in term.parts)


def _domain_key(domain: Domain) -> str:
    match domain:
        case Versions(intervals=intervals):
            return ";".join(f"{_low_key(i.low)}{_high_key(i.high)}" for i in intervals)
        case _Names(values=values, negated=negated):
            return f"{'!' if negated else '='}{sorted(values)}"
        case _Truth(values=values):
            return str(sorted(values))
    raise TypeError(f"unknown constraint {domain!r}")  # pragma: no cover - the types above


def _term_text(term: _Term, *, grouped: bool) -> str:
    parts = [
        _part_text(key, domain)
        for key, domain in sorted(term.parts, key=lambda p: _key_order(p[0]))
    ]
    texts = [f"({text})" if " or " in text and len(parts) > 1 else text for text in parts]
    joined = " and ".join(texts)
    return f"({joined})" if grouped and len(texts) > 1 else joined


def _part_text(key: str, domain: Domain) -> str:
    match domain:
        case Versions():
            return _versions_text(domain)
        case _Names(values=values, negated=False):
            return " or ".join(f"{key} == {_quoted(v)}" for v in sorted(values))
        case _Names(values=values, negated=True):
            return " and ".join(f"{key} != {_quoted(v)}" for v in sorted(values))
        case _Truth(values=values):
            return key if True in values else _negated_text(key)
    raise TypeError(f"unknown constraint {domain!r}")  # pragma: no cover - the types above


def _negated_text(proposition: str) -> str:
    for op, negated in _NEGATED.items():
        marker = f" {op} "
        if marker in proposition:
            left, _, right = proposition.partition(marker)
            return f"{left} {negated} {right}"
    raise ValueError(f"no marker says 'not {proposition}'")  # pragma: no cover - never built


def _versions_text(versions: Versions) -> str:
    complement = ~versions
    if len(complement.intervals) == 1:
        (gap,) = complement.intervals
        if gap.low is not None and gap.high is not None and gap.low == gap.high:
            return f"{PYTHON} != {_quoted(str(gap.low.version))}"
    texts = [_interval_text(interval) for interval in versions.intervals]
    return " or ".join(texts)


def _interval_text(interval: _Interval) -> str:
    low, high = interval.low, interval.high
    if low is not None and high is not None:
        if low == high:
            return f"{PYTHON} == {_quoted(str(low.version))}"
        wildcard = _wildcard(low, high)
        if wildcard is not None:
            return f"{PYTHON} == {_quoted(wildcard)}"
    parts = []
    if low is not None:
        parts.append(f"{PYTHON} {'>=' if low.inclusive else '>'} {_quoted(str(low.version))}")
    if high is not None:
        parts.append(f"{PYTHON} {'<=' if high.inclusive else '<'} {_quoted(str(high.version))}")
    return " and ".join(parts)


def _wildcard(low: _Bound, high: _Bound) -> str | None:
    """``3.11.*`` for [3.11, 3.12)."""
    if not low.inclusive or high.inclusive:
        return None
    a, b = low.version, high.version
    if a.epoch or b.epoch or a.pre or a.post or a.dev or a.local or b.pre or b.post or b.dev:
        return None
    if len(a.release) != 2 or len(b.release) != 2 or b.local:
        return None
    if b.release != (a.release[0], a.release[1] + 1):
        return None
    return f"{a.release[0]}.{a.release[1]}.*"


# -- reading ----------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:(?P<paren>[()])|(?P<string>'[^']*'|"[^"]*")"""
    r"""|(?P<op>===|==|!=|<=|>=|~=|<|>)|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"""
)

_Operand: TypeAlias = tuple[bool, str]  # (is a variable, name or value)


class _Parser:
    """A PEP 508 marker's text to a Condition (the text is already known to be valid)."""

    def __init__(self, text: str) -> None:
        self.tokens = list(self._tokens(text))
        self.position = 0

    @staticmethod
    def _tokens(text: str) -> Iterator[tuple[str, str]]:
        position = 0
        text = text.rstrip()
        while position < len(text):
            found = _TOKEN.match(text, position)
            if found is None or found.end() == position:
                raise ValueError(f"not a marker: {text!r}")
            kind = found.lastgroup or ""
            yield kind, found.group(kind)
            position = found.end()

    def parse(self) -> Condition:
        condition = self._or()
        if self.position != len(self.tokens):
            raise ValueError(f"unexpected {self.tokens[self.position][1]!r} in a marker")
        return condition

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise ValueError("a marker ends too early")
        self.position += 1
        return token

    def _or(self) -> Condition:
        condition = self._and()
        while self._peek() == ("word", "or"):
            self.position += 1
            condition = condition | self._and()
        return condition

    def _and(self) -> Condition:
        condition = self._atom()
        while self._peek() == ("word", "and"):
            self.position += 1
            condition = condition & self._atom()
        return condition

    def _atom(self) -> Condition:
        if self._peek() == ("paren", "("):
            self.position += 1
            condition = self._or()
            if self._take() != ("paren", ")"):
                raise ValueError("a marker misses a ')'")
            return condition
        left = self._operand()
        kind, op = self._take()
        if kind == "word" and op == "not":
            if self._take() != ("word", "in"):
                raise ValueError("'not' must be followed by 'in' in a marker")
            op = "not in"
        elif kind not in ("op", "word") or (kind == "word" and op != "in"):
            raise ValueError(f"expected a comparison in a marker, found {op!r}")
        return _comparison(left, op, self._operand())

    def _operand(self) -> _Operand:
        kind, value = self._take()
        if kind == "string":
            return (False, value[1:-1])
        if kind == "word":
            return (True, _ALIASES.get(value, value))
        raise ValueError(f"expected a name or a string in a marker, found {value!r}")


def _comparison(left: _Operand, op: str, right: _Operand) -> Condition:
    if not left[0] and right[0] and op in _FLIPPED:  # '3.8' <= python_version
        left, op, right = right, _FLIPPED[op], left
    if left[0] and not right[0]:
        variable, value = left[1], right[1]
        if variable in ("python_version", "python_full_version"):
            versions = _python_versions(variable, op, value)
            if versions is not None:
                return Condition.python(versions)
        if variable in _NAME_VARIABLES and op in ("==", "!="):
            names = _Names(frozenset([value]), op == "!=")
            return Condition(frozenset([_Term(((variable, names),))]))
    return _opaque(left, op, right)


def _opaque(left: _Operand, op: str, right: _Operand) -> Condition:
    positive = {"!=": "==", "not in": "in"}.get(op, op)
    text = f"{_operand_text(left)} {positive} {_operand_text(right)}"
    holds = _Truth(frozenset([positive == op]))
    return Condition(frozenset([_Term(((text, holds),))]))


def _operand_text(operand: _Operand) -> str:
    is_variable, value = operand
    return value if is_variable else _quoted(value)


def _python_versions(variable: str, op: str, text: str) -> Versions | None:
    """The ``python_full_version`` values for which ``variable op text`` holds (None: unsure)."""
    wildcard = text.endswith(".*")
    try:
        version = Version(text[:-2] if wildcard else text)
    except InvalidVersion:
        return None
    if version.epoch or version.pre or version.post or version.dev or version.local:
        return None
    if wildcard:
        if op not in ("==", "!=") or variable != PYTHON:
            return None
        prefix = _between(version, _next(version.release))
        return prefix if op == "==" else ~prefix
    if variable == "python_version":
        return _minor_versions(op, version.release)
    return _full_versions(op, version)


def _next(release: Sequence[int]) -> Version:
    """The first version after every version starting with ``release``: 3.11 -> 3.12."""
    return Version(".".join(str(n) for n in (*release[:-1], release[-1] + 1)))


def _minor_versions(op: str, release: tuple[int, ...]) -> Versions | None:
    """``python_version op X.Y[.Z]`` (python_version is X.Y) as full versions."""
    padded = (*release, 0)[:2]
    minor = Version(f"{padded[0]}.{padded[1]}")
    after = _next(padded)
    exact = all(n == 0 for n in release[2:])
    match op:
        case ">=":
            return _at_least(minor if exact else after)
        case ">":
            return _at_least(after)
        case "<":
            return _below(minor if exact else after)
        case "<=":
            return _below(after)
        case "==" if exact:
            return _between(minor, after)
        case "!=" if exact:
            return ~_between(minor, after)
        case "~=" if len(release) == 2:
            return _between(minor, _next(release[:1]))
    return None


def _full_versions(op: str, version: Version) -> Versions | None:
    match op:
        case ">=":
            return _at_least(version)
        case ">":
            return _at_least(version, inclusive=False)
        case "<":
            return _below(version)
        case "<=":
            return _below(version, inclusive=True)
        case "==":
            return Versions((_Interval(_Bound(version, True), _Bound(version, True)),))
        case "!=":
            return ~Versions((_Interval(_Bound(version, True), _Bound(version, True)),))
        case "~=" if len(version.release) >= 2:
            return _at_least(version) & _below(_next(version.release[:-1]))
    return None


def python_versions(requires_python: str) -> Versions:
    """The Python versions a ``requires-python`` specifier admits (all, if it cannot tell)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        specifiers = SpecifierSet(requires_python)
    except InvalidSpecifier:
        return ALL_VERSIONS
    found = ALL_VERSIONS
    for specifier in specifiers:
        versions = _python_versions(PYTHON, specifier.operator, specifier.version)
        if versions is not None:
            found = found & versions
    return found
