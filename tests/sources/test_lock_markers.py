"""Lockfile markers on install targets: PEP 751's ``extras`` and ``dependency_groups``.

A lock marker may name the extras and dependency groups an install selects
(``'dev' in dependency_groups``, ``'security' in extras``): pipenv writes them in its
Pipfile.lock and pylock.toml, pdm and uv in their pylock.toml. A target evaluates them for the
selection it was given: every extra and group unless told otherwise.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.utils import canonicalize_name

from cg_action._sources._dispatch import parse_file
from cg_action._targets import ALL, Selection, parse_target

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus" / "realworld"
PIPENV = CORPUS / "pypa+pipenv@3f1b272abd51"

LINUX = parse_target("linux-x86_64@3.12")
WINDOWS = parse_target("windows-amd64@3.12")


def _names(*names: str) -> frozenset[str]:
    return frozenset(canonicalize_name(n) for n in names)


@pytest.mark.parametrize(
    ("marker", "selection", "linux", "windows"),
    [
        ("'dev' in dependency_groups", ALL, True, True),
        ("'dev' in dependency_groups", Selection(groups=_names()), False, False),
        ("'dev' in dependency_groups", Selection(groups=_names("dev")), True, True),
        ("'dev' in dependency_groups", Selection(groups=_names("test")), False, False),
        ("'dev' not in dependency_groups", ALL, False, False),
        ("'dev' not in dependency_groups", Selection(groups=_names()), True, True),
        ("('dev' in dependency_groups) and (sys_platform == 'win32')", ALL, False, True),
        ("'Security' in extras", ALL, True, True),
        ("'security' in extras", Selection(extras=_names("Security")), True, True),
        ("'security' in extras", Selection(extras=_names("socks")), False, False),
        ("'dev' in dependency_groups or 'test' in dependency_groups", ALL, True, True),
        (
            "'dev' in dependency_groups or 'test' in dependency_groups",
            Selection(groups=_names("test")),
            True,
            True,
        ),
        ("'crypto' in extras and python_version < '3.10'", ALL, False, False),
        ("extra == 'cli'", ALL, True, True),
        ("extra == 'cli'", Selection(extras=_names()), False, False),
        ("extra == 'cli'", Selection(extras=_names("cli")), True, True),
        ("sys_platform == 'linux'", Selection(extras=_names(), groups=_names()), True, False),
    ],
)
def test_lock_markers_follow_the_selection(
    marker: str, selection: Selection, linux: bool, windows: bool
) -> None:
    parsed = Marker(marker)
    assert LINUX.with_selection(selection).accepts_marker(parsed) is linux
    assert WINDOWS.with_selection(selection).accepts_marker(parsed) is windows


def test_a_marker_that_cannot_be_evaluated_is_taken_to_install() -> None:
    # a set-valued name compared as a version: packaging refuses it; the pin is still checked
    assert LINUX.accepts_marker(Marker("dependency_groups >= '1'")) is True


def test_selection_is_described() -> None:
    assert ALL.describe() == "extras: all; dependency groups: all"
    chosen = Selection(extras=_names("Security", "cli"), groups=_names())
    assert chosen.describe() == "extras: cli, security; dependency groups: none"


@pytest.mark.parametrize(
    "path",
    [PIPENV / "Pipfile.lock", PIPENV / "pylock.toml", PIPENV / "examples" / "pylock.toml"],
    ids=lambda p: str(p.relative_to(CORPUS)),
)
def test_every_marker_of_pipenv_locks_evaluates(path: Path) -> None:
    dependencies = parse_file(path).dependencies
    dev_only = [d for d in dependencies if d.marker and "dependency_groups" in str(d.marker)]
    assert dev_only, "the file has markers that name dependency groups"
    for target in (LINUX, WINDOWS):
        for selection in (ALL, Selection(groups=_names(), extras=_names())):
            for dependency in dependencies:
                target.with_selection(selection).accepts_marker(dependency.marker)
    # with no group selected, a package installed only for 'dev' is not asked for
    none = LINUX.with_selection(Selection(groups=_names(), extras=_names()))
    assert not any(none.accepts_marker(d.marker) for d in dev_only if "or" not in str(d.marker))
    # with every group selected, what packaging says for the groups the file names
    env: dict[str, str | frozenset[str]] = {
        **LINUX.environment,
        "dependency_groups": _names("dev", "test"),
        "extras": _names(),
    }
    for dependency in dev_only:
        assert dependency.marker is not None
        expected = dependency.marker.evaluate(env, context="lock_file")
        assert LINUX.accepts_marker(dependency.marker) is expected, dependency.marker
