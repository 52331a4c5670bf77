"""Lockfile markers on install targets: PEP 751's ``extras`` and ``dependency_groups``.

A lock marker may name the extras and dependency groups an install selects
(``'dev' in dependency_groups``, ``'security' in extras``): pipenv writes them in its
Pipfile.lock and pylock.toml, pdm and uv in their pylock.toml. A target evaluates them for the
selection it was given: every extra and group unless told otherwise.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.markers import Marker
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from cg_action._cli import main
from cg_action._markers import ALL_VERSIONS, ALWAYS, Condition, Versions, python_versions
from cg_action._sources._dispatch import parse_file
from cg_action._targets import ALL, Selection, parse_target
from tests._chainguard_like import chainguard_like, served
from tests._servers import pypiserver
from tests._wheels import make_wheel
from tests.lockgen._marker_grid import Selected, differences, environments
from tests.lockgen._pdm import pdm_works
from tests.lockgen._pdm_markers import compare as compare_with_pdm
from tests.lockgen._pdm_markers import pdm_pylock
from tests.lockgen._uv_markers import build_index

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


PYLOCK = """\
lock-version = "1.0"
created-by = "hand"

[[packages]]
name = "alpha"
version = "1.0.0"
marker = "'security' in extras"
wheels = [{{ url = "{url}alpha-1.0.0-{tag}.whl", hashes = {{ sha256 = "{alpha}" }} }}]

[[packages]]
name = "beta"
version = "1.0.0"
marker = "('dev' in dependency_groups) and (sys_platform == 'win32')"
wheels = [{{ url = "{url}beta-1.0.0-{tag}.whl", hashes = {{ sha256 = "{beta}" }} }}]

[[packages]]
name = "gamma"
version = "1.0.0"
wheels = [{{ url = "{url}gamma-1.0.0-{tag}.whl", hashes = {{ sha256 = "{gamma}" }} }}]
"""


LINUX_TAG = "cp312-cp312-manylinux_2_28_x86_64"


@pytest.fixture(scope="module")
def linux_only_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LinuxOnly]:
    """An index holding one Linux-only wheel of alpha, beta and gamma 1.0.0."""
    folder = tmp_path_factory.mktemp("linux-only")
    for name in ("alpha", "beta", "gamma"):
        make_wheel(folder, name, "1.0.0", tag=LINUX_TAG)
    files = served(folder)
    with chainguard_like(files) as index:
        yield LinuxOnly(url=index.url, digests={f.name: f.sha256 for f in files})


@dataclass(frozen=True)
class LinuxOnly:
    """The index's URL and the sha256 of each project's one wheel."""

    url: str
    digests: dict[str, str]


def _check_on_windows(
    project: Path, index: LinuxOnly, *options: str, env: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], str]:
    (project / "pylock.toml").write_text(
        PYLOCK.format(url="https://files.example.invalid/", tag=LINUX_TAG, **index.digests)
    )
    out, err = io.StringIO(), io.StringIO()
    argv = [
        "check", str(project), "--root", str(project), "--index-url", index.url, "--no-fallback",
        "--no-cache", "--no-netrc", "--format", "json", "--target", "windows-amd64@3.12",
        *options,
    ]  # fmt: skip
    code = main(argv, env=env or {}, out=out, err=err)
    assert "Traceback" not in err.getvalue()
    return code, json.loads(out.getvalue() or "{}"), err.getvalue()


def _gaps(report: dict[str, Any]) -> dict[str, bool]:
    return {r["name"]: bool(r["platform_gaps"]) for r in report["results"]}


def test_check_asks_for_the_selected_extras_and_groups(
    tmp_path: Path, linux_only_index: LinuxOnly
) -> None:
    code, report, err = _check_on_windows(tmp_path, linux_only_index)
    assert code == 0, err
    assert _gaps(report) == {"alpha": True, "beta": True, "gamma": True}
    assert report["notes"] == [
        "markers that name extras or dependency groups were evaluated for extras: all; "
        "dependency groups: all (choose with --extras and --groups)"
    ]
    _, report, _ = _check_on_windows(tmp_path, linux_only_index, "--extras", "none")
    assert _gaps(report) == {"alpha": False, "beta": True, "gamma": True}
    assert "extras: none; dependency groups: all" in report["notes"][0]
    _, report, _ = _check_on_windows(
        tmp_path, linux_only_index, "--extras", "Security", env={"CG_ACTION_GROUPS": "test,docs"}
    )
    assert _gaps(report) == {"alpha": True, "beta": False, "gamma": True}
    assert "extras: security; dependency groups: docs, test" in report["notes"][0]
    _, report, _ = _check_on_windows(
        tmp_path, linux_only_index, "--groups", "dev", env={"CG_ACTION_GROUPS": "none"}
    )  # the option wins over the variable
    assert _gaps(report) == {"alpha": True, "beta": True, "gamma": True}
    # the pre-commit hook's command line
    code, report, err = _check_on_windows(tmp_path, linux_only_index, "--network-errors=warn")
    assert code == 0, err
    assert _gaps(report) == {"alpha": True, "beta": True, "gamma": True}


def test_all_or_none_go_alone(tmp_path: Path, linux_only_index: LinuxOnly) -> None:
    code, _, err = _check_on_windows(tmp_path, linux_only_index, "--groups", "dev,none")
    assert code == 2
    assert "--groups: give names, or 'all' or 'none' alone" in err


# -- the marker algebra: every operation keeps the meaning -------------------------------------

ATOMS = (
    "python_version < '3.11'",
    "python_version <= '3.10'",
    "python_version > '3.12'",
    "python_version >= '3.9'",
    "python_version == '3.11'",
    "python_version != '3.12'",
    "'3.10' <= python_version",
    "python_version >= '3.9.2'",
    "python_full_version < '3.11.2'",
    "python_full_version >= '3.12'",
    "python_full_version == '3.11.*'",
    "python_full_version != '3.10.0'",
    "python_full_version == '3.13.5'",
    "python_full_version ~= '3.10.2'",
    "sys_platform == 'linux'",
    "sys_platform == 'win32'",
    "sys_platform != 'darwin'",
    "platform_system == 'Windows'",
    "implementation_name != 'pypy'",
    "implementation_name == 'cpython'",
    "platform_python_implementation == 'PyPy'",
    "platform_machine == 'x86_64'",
    "platform_machine != 'aarch64'",
    "'dev' in dependency_groups",
    "'dev' not in dependency_groups",
    "'cli' in extras",
    "extra == 'cli'",
    "extra != 'cli'",
    "platform_release >= '5'",
    "'linux' in sys_platform",
)
GRID = environments(
    selections=[
        Selected(),
        Selected(extras=frozenset({"cli"})),
        Selected(extras=frozenset({"cli"}), groups=frozenset({"dev"})),
    ],
    releases=("6.1", "4.0"),
)


def _markers() -> st.SearchStrategy[str]:
    atoms = st.sampled_from(ATOMS)
    return st.recursive(
        atoms,
        lambda inner: st.tuples(inner, st.sampled_from([" and ", " or "]), inner).map(
            lambda t: f"({t[0]}){t[1]}({t[2]})"
        ),
        max_leaves=8,
    )


def _meaning(condition: Condition, python: Versions = ALL_VERSIONS) -> Marker | None:
    """The condition as a marker; "never" as a marker that no grid environment meets."""
    if condition.is_never:
        return Marker("python_full_version < '1'")
    return condition.to_marker(python)


@settings(max_examples=60, deadline=None)
@given(_markers())
def test_a_condition_means_what_its_marker_means(text: str) -> None:
    marker = Marker(text)
    condition = Condition.parse(marker)
    assert differences(marker, _meaning(condition), GRID) == []
    if not condition.is_never:  # read back, the marker is the same condition
        meaning = _meaning(condition)
        again = ALWAYS if meaning is None else Condition.parse(meaning)
        assert again.implies(condition)
        assert condition.implies(again)


@settings(max_examples=30, deadline=None)
@given(_markers(), _markers())
def test_and_or_and_implies_keep_the_meaning(first: str, second: str) -> None:
    a, b = Condition.parse(first), Condition.parse(second)
    both = Marker(f"({first}) and ({second})")
    either = Marker(f"({first}) or ({second})")
    assert differences(both, _meaning(a & b), GRID) == []
    assert differences(either, _meaning(a | b), GRID) == []
    if a.implies(b):  # implies may say "no" when unsure, never "yes" wrongly
        assert differences(either, Marker(second), GRID) == []


@settings(max_examples=60, deadline=None)
@given(_markers(), st.sampled_from([">=3.9", ">=3.10,<3.13", ">=3.11", "~=3.12", ">=3.8,!=3.9.*"]))
def test_within_requires_python_the_meaning_is_kept(text: str, requires: str) -> None:
    within = python_versions(requires)
    condition = Condition.parse(text) & Condition.python(within)
    grid = [
        (s, env) for s, env in GRID if SpecifierSet(requires).contains(env["python_full_version"])
    ]
    assert differences(Marker(text), _meaning(condition, within), grid) == []


@pytest.mark.parametrize(
    ("text", "requires", "expected"),
    [
        ("sys_platform == 'win32' or (sys_platform == 'win32' and python_version >= '3.8')",
         None, "sys_platform == 'win32'"),
        ("python_full_version < '3.12' or python_full_version >= '3.12'", None, None),
        ("python_full_version < '3.12' or (python_full_version >= '3.12' and "
         "platform_machine == 'x86_64')", None,
         "python_full_version < '3.12' or platform_machine == 'x86_64'"),
        ("python_version == '3.11'", None, "python_full_version == '3.11.*'"),
        ("python_version >= '3.9' and sys_platform == 'linux'", ">=3.10",
         "sys_platform == 'linux'"),
        ("python_full_version >= '3.10' and python_full_version < '3.12'", ">=3.10",
         "python_full_version < '3.12'"),
        ("python_version < '3.11' or implementation_name != 'pypy'", ">=3.11",
         "implementation_name != 'pypy'"),
        ("('dev' in dependency_groups) and (python_version >= '3.10')", ">=3.10",
         "'dev' in dependency_groups"),
    ],
)  # fmt: skip
def test_simplified_markers(text: str, requires: str | None, expected: str | None) -> None:
    python = python_versions(requires) if requires else ALL_VERSIONS
    result = (Condition.parse(text) & Condition.python(python)).to_marker(python)
    assert result == (Marker(expected) if expected else None)


def test_a_condition_outside_requires_python_never_holds() -> None:
    python = python_versions(">=3.10")
    condition = Condition.parse("python_version < '3.8'") & Condition.python(python)
    assert condition.is_never
    with pytest.raises(ValueError, match="never holds"):
        condition.to_marker(python)


# -- PEP 751 default-groups: installed whatever groups are chosen ------------------------------

DEFAULT_GROUPS_LOCK = """\
lock-version = "1.0"
dependency-groups = ["default", "test"]
default-groups = ["default"]
created-by = "pdm"

[[packages]]
name = "alpha"
version = "1.0"
marker = "\\"default\\" in dependency_groups"
wheels = [{ url = "https://x.invalid/alpha-1.0-py3-none-any.whl", hashes = { sha256 = "00" } }]

[[packages]]
name = "beta"
version = "1.0"
marker = "\\"default\\" in dependency_groups and os_name == \\"nt\\""
wheels = [{ url = "https://x.invalid/beta-1.0-py3-none-any.whl", hashes = { sha256 = "00" } }]

[[packages]]
name = "gamma"
version = "1.0"
marker = "\\"default\\" in dependency_groups or \\"test\\" in dependency_groups"
wheels = [{ url = "https://x.invalid/gamma-1.0-py3-none-any.whl", hashes = { sha256 = "00" } }]

[[packages]]
name = "delta"
version = "1.0"
marker = "\\"test\\" in dependency_groups and python_version < \\"3.11\\""
wheels = [{ url = "https://x.invalid/delta-1.0-py3-none-any.whl", hashes = { sha256 = "00" } }]
"""


def test_default_groups_of_a_pylock_are_always_selected() -> None:
    from cg_action._sources._pylock import parse_pylock

    source = parse_pylock(Path("pylock.toml"), DEFAULT_GROUPS_LOCK)
    assert source.problems == ()
    found = {d.name: (str(d.marker) if d.marker else None, d.groups) for d in source.dependencies}
    assert found == {
        "alpha": (None, ("default",)),
        "beta": (str(Marker("os_name == 'nt'")), ("default",)),
        "gamma": (None, ("default", "test")),
        "delta": (
            str(Marker("'test' in dependency_groups and python_version < '3.11'")),
            ("test",),
        ),
    }
    nothing = WINDOWS.with_selection(Selection(groups=_names(), extras=_names()))
    assert [d.name for d in source.dependencies if nothing.accepts_marker(d.marker)] == [
        "alpha",
        "beta",
        "gamma",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'default' in dependency_groups", None),
        ("'default' in dependency_groups and os_name == 'nt'", "os_name == 'nt'"),
        ("'default' not in dependency_groups or os_name == 'nt'", "os_name == 'nt'"),
        ("'test' in dependency_groups", "'test' in dependency_groups"),
    ],
)
def test_assuming_a_proposition(text: str, expected: str | None) -> None:
    result = Condition.parse(text).assuming("'default' in dependency_groups")
    assert result.to_marker() == (Marker(expected) if expected else None)


def test_assuming_needs_a_proposition_of_its_own() -> None:
    with pytest.raises(ValueError, match="not a proposition of its own"):
        Condition.parse("'x' in extras").assuming("sys_platform == 'win32'")


def test_pdm_pylock_markers_mean_what_pdm_export_says(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    base = tmp_path_factory.mktemp("pdm-pylock")
    home = base / "home"
    why = pdm_works(home)
    if why is not None:
        pytest.skip(f"pdm cannot run here: {why}")
    with pypiserver(build_index(base / "index")) as index:
        pdm_pylock(base / "project", index.url, home)
    compared, differing = compare_with_pdm(base / "project", home)
    assert compared >= 60
    assert differing == []
