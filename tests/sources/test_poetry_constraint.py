"""Poetry constraint translation, checked against poetry-core (a test-only oracle)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from poetry.core.constraints.version import Version as PoetryVersion
from poetry.core.constraints.version import parse_constraint

from cg_action._sources._poetry_constraint import (
    InvalidPoetryConstraint,
    is_union,
    poetry_alternatives,
    poetry_to_specifier,
)

# The examples Poetry's documentation gives, with the PEP 440 ranges it states for them.
DOCUMENTED = [
    ("^1.2.3", ">=1.2.3,<2.0.0"),
    ("^1.2", ">=1.2,<2.0"),
    ("^1", ">=1,<2"),
    ("^0.2.3", ">=0.2.3,<0.3.0"),
    ("^0.0.3", ">=0.0.3,<0.0.4"),
    ("^0.0", ">=0.0,<0.1"),
    ("^0", ">=0,<1"),
    ("~1.2.3", ">=1.2.3,<1.3.0"),
    ("~1.2", ">=1.2,<1.3"),
    ("~1", ">=1,<2"),
    ("~=1.2", ">=1.2,<2.0"),
    ("~=1.2.3", ">=1.2.3,<1.3.0"),
    ("*", ""),
    ("", ""),
    ("1.2.*", "==1.2.*"),
    ("1.*", "==1.*"),
    ("1.2.3", "==1.2.3"),
    ("=1.2.3", "==1.2.3"),
    (">= 1.2, < 1.5", ">=1.2,<1.5"),
    (">=1.2 <1.5", ">=1.2,<1.5"),
    (">=1.2,<1.5,", ">=1.2,<1.5"),
    ("!=1.2.*", "!=1.2.*"),
    (">=1.2.*", ">=1.2"),
]


@pytest.mark.parametrize(("constraint", "expected"), DOCUMENTED)
def test_documented_examples(constraint: str, expected: str) -> None:
    assert poetry_to_specifier(constraint) == SpecifierSet(expected)
    assert not is_union(constraint)


def test_union_is_any_version_but_alternatives_are_exact() -> None:
    assert poetry_to_specifier("^1.2 || ^3.0") == SpecifierSet()
    assert is_union("^1.2 || ^3.0")
    assert poetry_alternatives("^1.2 || ^3.0") == (
        SpecifierSet(">=1.2,<2.0"),
        SpecifierSet(">=3.0,<4.0"),
    )
    assert poetry_alternatives("1.2|2.0") == (SpecifierSet("==1.2"), SpecifierSet("==2.0"))


@pytest.mark.parametrize(
    "constraint", ["latest", "1.2.x", "||1.2", "1.2 ||", ">=1.2,,<2", "===1.2", "^1.2.*", ">=1;<2"]
)
def test_rejects_what_poetry_rejects(constraint: str) -> None:
    with pytest.raises(InvalidPoetryConstraint):
        poetry_alternatives(constraint)
    with pytest.raises(ValueError, match="Could not parse"):
        parse_constraint(constraint)


# Versions: 1-4 release components, small numbers so that bounds get hit, with optional
# pre, post and dev parts.
_release = st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=4).map(
    lambda parts: ".".join(map(str, parts))
)
_suffix = st.sampled_from(
    ["", "", "", "a1", "b2", "rc1", ".post1", ".dev0", "a1.dev1", ".post1.dev2"]
)
_version = st.builds(lambda r, s: r + s, _release, _suffix)
_candidate = st.one_of(
    _version, st.builds(lambda v, loc: f"{v}+{loc}", _version, st.sampled_from(["local", "1"]))
)
_clause = st.one_of(
    st.builds(
        lambda op, v: f"{op}{v}",
        st.sampled_from(["^", "~", "~=", ">=", ">", "<=", "<", "==", "=", "!=", "", ">= ", "^ "]),
        _version,
    ),
    st.builds(
        lambda op, r: f"{op}{r}.*",
        st.sampled_from(["", "==", "!=", ">=", "<", "<=", ">"]),
        _release,
    ),
    st.just("*"),
)
_alternative = st.lists(_clause, min_size=1, max_size=3).flatmap(
    lambda clauses: st.sampled_from([",", ", ", " "]).map(lambda sep: sep.join(clauses))
)
_constraint = st.lists(_alternative, min_size=1, max_size=3).map(" || ".join)


_CLAUSE_SPLIT = re.compile(r"(?<=[\d*])\s*,\s*|(?<=[\d*])\s+")


def _poetry_allows(constraint: str, raw: str) -> bool:
    """Poetry-core's answer, clause by clause.

    Each clause is asked separately and the answers combined (all of a ``,`` list, any of a
    ``||`` union): poetry-core's own intersection of a ``>`` bound with a range that starts at
    a post- or dev-release can admit a version that one of its clauses refuses
    (``>1.*,^1.post1.dev2`` admits ``1.post1.dev2`` though ``>1.*`` does not).
    """
    version = PoetryVersion.parse(raw)
    return any(
        all(parse_constraint(clause).allows(version) for clause in _CLAUSE_SPLIT.split(alt.strip()))
        for alt in constraint.split("||")
    )


def _allowed(alternatives: tuple[SpecifierSet, ...], version: Version) -> bool:
    return any(spec.contains(version, prereleases=True) for spec in alternatives)


@settings(max_examples=3000, suppress_health_check=[HealthCheck.too_slow])
@given(constraint=_constraint, candidates=st.lists(_candidate, min_size=1, max_size=8))
@example(constraint="^0.0.3a1", candidates=["0.0.4a1", "0.0.3", "0.0.3a0"])
@example(constraint=">1.2", candidates=["1.2.post1", "1.2+local", "1.2.1"])
@example(constraint="<2.0", candidates=["2.0a1", "2.0.dev0", "1.9.post1"])
@example(constraint="0.* || >1.*,^1.post1.dev2", candidates=["1.post1.dev2"])
def test_agrees_with_poetry_core(constraint: str, candidates: list[str]) -> None:
    """Poetry-core and the translation allow the same versions (pre-releases included: Poetry's
    constraints allow them, and whether to install one is a resolver setting, not the range)."""
    alternatives = poetry_alternatives(constraint)
    single = poetry_to_specifier(constraint)
    for raw in candidates:
        version = Version(raw)
        expected = _poetry_allows(constraint, raw)
        assert _allowed(alternatives, version) == expected, (constraint, raw, alternatives)
        if len(alternatives) == 1:
            assert single.contains(version, prereleases=True) == expected
        else:
            assert single == SpecifierSet()


@given(st.text(max_size=40))
def test_arbitrary_text_raises_only_invalid_constraint(text: str) -> None:
    try:
        alternatives = poetry_alternatives(text)
    except InvalidPoetryConstraint:
        return
    assert all(isinstance(spec, SpecifierSet) for spec in alternatives)
