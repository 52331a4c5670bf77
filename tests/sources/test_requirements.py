"""Tests of the requirements-file reader, checked against pip's own parser where pip has a say.

pip is used as an oracle at test time only (``pip._internal.req``), run in the file's folder
so that pip's cwd-relative paths mean what cg-action's file-relative paths mean.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

from cg_action._errors import ParseError
from cg_action._models import Dependency, DependencyKind, FileFormat, SourceFile
from cg_action._sources._requirements import parse_requirements

SHA_A = "a" * 64
SHA_B = "b" * 64
SHA_C = "c" * 64


# --- pip as an oracle -------------------------------------------------------------------------


@dataclass(frozen=True)
class PipEntry:
    """What pip makes of one requirement line."""

    name: str | None
    specifier: str
    marker: str | None
    hashes: frozenset[str]
    editable: bool
    constraint: bool


@dataclass(frozen=True)
class PipView:
    accepted: dict[tuple[Path, int], PipEntry]
    rejected: set[tuple[Path, int]]
    error: str | None  # pip stopped reading the file with this error


def pip_view(path: Path, monkeypatch: pytest.MonkeyPatch) -> PipView:
    """Read ``path`` with pip's parser (in the file's folder), keyed by (resolved file, line)."""
    from pip._internal.network.session import PipSession
    from pip._internal.req.constructors import install_req_from_parsed_requirement
    from pip._internal.req.req_file import parse_requirements as pip_parse

    accepted: dict[tuple[Path, int], PipEntry] = {}
    rejected: set[tuple[Path, int]] = set()
    error = None
    session = PipSession()
    with monkeypatch.context() as patch:
        patch.chdir(path.parent)
        try:
            for parsed in pip_parse(path.name, session=session):
                found = re.match(r"^-[rc] (.*) \(line (\d+)\)$", parsed.comes_from)
                assert found is not None
                key = (Path(found.group(1)).resolve(), int(found.group(2)))
                try:
                    ireq = install_req_from_parsed_requirement(parsed)
                except Exception:
                    rejected.add(key)
                    continue
                accepted[key] = PipEntry(
                    name=canonicalize_name(ireq.req.name) if ireq.req else None,
                    specifier=str(ireq.req.specifier) if ireq.req else "",
                    marker=str(ireq.markers) if ireq.markers else None,
                    hashes=frozenset(
                        f"{alg}:{d.lower()}" for alg, ds in ireq.hash_options.items() for d in ds
                    ),
                    editable=ireq.editable,
                    constraint=ireq.constraint,
                )
        except Exception as exc:
            error = str(exc)
        finally:
            session.close()
    return PipView(accepted, rejected, error)


def pip_options(path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[int, dict[str, object]]:
    """The option values pip reads on each option line of ``path`` (not following includes).

    ``--use-feature`` is left out: pip's default list for it is shared between lines, so pip
    reports a feature on every line after the one that names it.
    """
    from pip._internal.network.session import PipSession
    from pip._internal.req.req_file import RequirementsFileParser, get_line_parser

    wanted = {
        "index_url": "index-url",
        "extra_index_urls": "extra-index-url",
        "find_links": "find-links",
        "trusted_hosts": "trusted-host",
        "no_index": "no-index",
        "pre": "pre",
        "prefer_binary": "prefer-binary",
        "require_hashes": "require-hashes",
    }
    lines: dict[int, dict[str, object]] = {}
    session = PipSession()
    with monkeypatch.context() as patch:
        patch.chdir(path.parent)
        try:
            for parsed in RequirementsFileParser(session, get_line_parser(None)).parse(
                path.name, constraint=False
            ):
                if parsed.requirement is not None:
                    continue
                values = {}
                for dest, name in wanted.items():
                    value = getattr(parsed.opts, dest, None)
                    if value:
                        values[name] = value
                lines[parsed.lineno] = values
        finally:
            session.close()
    return lines


def ours_by_line(source: SourceFile) -> dict[tuple[Path, int], Dependency]:
    return {(d.location.path.resolve(), d.location.line or 0): d for d in source.dependencies}


def problem_lines(source: SourceFile) -> set[tuple[Path, int]]:
    return {(p.path.resolve(), p.line or 0) for p in source.problems}


def assert_agrees_with_pip(
    source: SourceFile, view: PipView, *, allow_unnamed_problem: bool = False
) -> int:
    """Every requirement pip accepts is ours at the same file and line, with the same meaning.

    Where pip rejects a line, cg-action has a problem there or keeps it as a direct reference
    (a path pip cannot find from here). Returns how many lines were compared.
    """
    ours = ours_by_line(source)
    problems = problem_lines(source)
    for key, entry in view.accepted.items():
        dependency = ours.get(key)
        if dependency is None:
            # A URL with no project name at all: pip builds it to learn the name; we ask
            # the user to name it.
            assert allow_unnamed_problem, key
            assert entry.name is None, key
            assert key in problems, key
            continue
        if entry.name is not None:
            assert dependency.name == entry.name, key
        if dependency.is_index_checkable:
            assert str(dependency.specifier) == entry.specifier, key
        assert (str(dependency.marker) if dependency.marker else None) == entry.marker, key
        if key not in problems:
            assert frozenset(str(h) for h in dependency.hashes) == entry.hashes, key
        assert (dependency.kind is DependencyKind.EDITABLE) == entry.editable, key
        assert dependency.is_constraint == entry.constraint, key
    for key in view.rejected:
        dependency = ours.get(key)
        assert key in problems or (dependency is not None and not dependency.is_index_checkable), (
            key
        )
    return len(view.accepted)


def write(path: Path, text: str, *, newline: str = "\n", bom: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.replace("\n", newline).encode()
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def only(source: SourceFile, name: str) -> Dependency:
    found = [d for d in source.dependencies if d.name == name]
    assert len(found) == 1, [d.name for d in source.dependencies]
    return found[0]


# --- lines, comments, continuations ------------------------------------------------------------


@pytest.mark.parametrize(("newline", "bom"), [("\n", False), ("\r\n", True), ("\r\n", False)])
def test_lines_comments_and_continuations_match_pip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, newline: str, bom: bool
) -> None:
    text = (
        "# a full-line comment \\\n"
        "alpha==1.0  # an inline comment\n"
        "\n"
        "beta>=2,\\\n"
        "<3\n"
        "gamma#not-a-comment==1.0\n"
        "delta==4.0 \\\n"
        "    # via comment joined to delta\n"
        "epsilon==5.0 # comment \\\n"
        "zeta==6.0\n"
        "   \t\n"
        "eta[fast,Extra_Two] >= 1.0 ; python_version >= '3.10'\n"
        "theta==1.0 \\"
    )
    path = write(tmp_path / "requirements.txt", text, newline=newline, bom=bom)
    source = parse_requirements(path, environ={})
    view = pip_view(path, monkeypatch)
    assert view.error is None
    # gamma#not-a-comment is one token: pip (and we) read it as a bad requirement.
    assert assert_agrees_with_pip(source, view) == 6
    lines = {d.name: d.location.line for d in source.dependencies}
    # zeta sits inside epsilon's comment once the backslash joins them, as pip reads it.
    assert lines == {"alpha": 2, "beta": 4, "delta": 7, "epsilon": 9, "eta": 12, "theta": 13}
    assert str(only(source, "beta").specifier) == "<3,>=2"
    assert only(source, "eta").extras == {"fast", "extra-two"}
    assert [p.line for p in source.problems] == [6]
    assert source.format is FileFormat.REQUIREMENTS


def test_text_argument_is_read_instead_of_the_file(tmp_path: Path) -> None:
    source = parse_requirements(tmp_path / "absent.txt", "\ufeffalpha==1\n", environ={})
    assert [d.name for d in source.dependencies] == ["alpha"]


def test_unreadable_files_raise_parse_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="cannot read the file"):
        parse_requirements(tmp_path / "absent.txt")
    bad = tmp_path / "latin1.txt"
    bad.write_bytes(b"alpha==1\nbeta==2 # caf\xe9\n")
    with pytest.raises(ParseError) as caught:
        parse_requirements(bad)
    assert caught.value.problems[0].line == 2


# --- hashes -----------------------------------------------------------------------------------


def test_hashes_in_every_spelling_match_pip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (
        f"alpha==1.0 --hash=sha256:{SHA_A}\n"
        f"beta==2.0 --hash sha256:{SHA_A} --hash=sha256:{SHA_B}\n"
        "gamma==3.0 \\\n"
        f"    --hash=sha256:{SHA_A} \\\n"
        f"    --hash=sha384:{'d' * 96} \\\n"
        f"    --hash=sha512:{'E' * 128}\n"
        f'delta==4.0 --hash="sha256:{SHA_C}"\n'
    )
    path = write(tmp_path / "requirements.txt", text)
    source = parse_requirements(path, environ={})
    view = pip_view(path, monkeypatch)
    assert view.error is None
    assert assert_agrees_with_pip(source, view) == 4
    assert source.problems == ()
    gamma = only(source, "gamma")
    assert [h.algorithm for h in gamma.hashes] == ["sha256", "sha384", "sha512"]
    assert gamma.hashes[2].value == "e" * 128
    assert gamma.location.line == 3


def test_bad_hashes_are_problems_at_their_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (
        f"alpha==1.0 --hash=md5:{'a' * 32}\n"
        "beta==1.0 --hash=sha256:123\n"
        "gamma==1.0 --hash=nocolon\n"
        f"--hash=sha256:{SHA_A}\n"
    )
    path = write(tmp_path / "requirements.txt", text)
    source = parse_requirements(path, environ={})
    assert [d.name for d in source.dependencies] == ["alpha", "beta", "gamma"]
    assert all(d.hashes == () for d in source.dependencies)
    messages = {p.line: p.message for p in source.problems}
    assert "only sha256, sha384 and sha512" in messages[1]
    assert "64 hexadecimal characters" in messages[2]
    assert "like --hash=sha256:" in messages[3]
    assert "no requirement" in messages[4]
    # pip agrees on lines 1 and 3: it stops at the first with its own message.
    view = pip_view(path, monkeypatch)
    assert view.error is not None
    assert "Allowed hash algorithms for --hash are sha256, sha384, sha512" in view.error


# --- options ----------------------------------------------------------------------------------


def test_option_lines_match_pip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        "-i https://libraries.cgr.dev/python/simple/\n"
        "--index-url=https://one.example/simple\n"
        "--index-url https://two.example/simple\n"
        "-ihttps://three.example/simple\n"
        "--extra-index-url https://libraries.cgr.dev/python-remediated/simple/\n"
        "--extra-index https://abbreviated.example/simple\n"
        "-f ./wheels\n"
        "--find-links=https://links.example/\n"
        "--trusted-host host.example\n"
        "--no-index\n"
        "--pre\n"
        "--prefer-binary\n"
        "--require-hashes\n"
        "--use-feature fast-deps\n"
        "--only-binary :all:\n"
        "--no-binary=alpha,beta\n"
        "--config-settings key=value\n"
        "--pypi-url https://old.example/simple --trusted-host other.example\n"
        "alpha==1.0\n"
    )
    path = write(tmp_path / "requirements.txt", text)
    source = parse_requirements(path, environ={})
    assert source.problems == ()
    ours = [(o.location.line, o.name, o.value) for o in source.options]
    assert ours == [
        (1, "index-url", "https://libraries.cgr.dev/python/simple/"),
        (2, "index-url", "https://one.example/simple"),
        (3, "index-url", "https://two.example/simple"),
        (4, "index-url", "https://three.example/simple"),
        (5, "extra-index-url", "https://libraries.cgr.dev/python-remediated/simple/"),
        (6, "extra-index-url", "https://abbreviated.example/simple"),
        (7, "find-links", "./wheels"),
        (8, "find-links", "https://links.example/"),
        (9, "trusted-host", "host.example"),
        (10, "no-index", None),
        (11, "pre", None),
        (12, "prefer-binary", None),
        (13, "require-hashes", None),
        (14, "use-feature", "fast-deps"),
        (15, "only-binary", ":all:"),
        (16, "no-binary", "alpha,beta"),
        (17, "config-settings", "key=value"),
        (18, "index-url", "https://old.example/simple"),
        (18, "trusted-host", "other.example"),
    ]
    # The same names and values, line by line, as pip's own option parser reads them.
    for line, values in pip_options(path, monkeypatch).items():
        mine: dict[str, list[str | None]] = {}
        for option in source.options:
            if option.location.line == line:
                mine.setdefault(option.name, []).append(option.value)
        for name, value in values.items():
            if isinstance(value, list):
                assert mine[name] == value, (line, name)
            elif value is True:
                assert mine[name] == [None], (line, name)
            else:
                assert mine[name][-1] == value, (line, name)


def test_unknown_and_misplaced_options_are_problems_like_pip_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (
        "alpha==1.0 --global-option=--quiet\n"
        "--no\n"
        "--index-url\n"
        "--pre=yes\n"
        "beta==1.0 --index-url https://ignored.example/simple\n"
        "gamma==1.0 --no-binary gamma\n"
        "-r more.txt --pre\n"
        "delta==1.0 --hash='sha256:unclosed\n"
    )
    path = write(tmp_path / "requirements.txt", text)
    write(tmp_path / "more.txt", "epsilon\n")
    source = parse_requirements(path, environ={})
    assert [d.name for d in source.dependencies] == ["alpha", "beta", "gamma", "epsilon", "delta"]
    messages = {p.line: p.message for p in source.problems}
    assert "no such option: --global-option" in messages[1]
    assert "ambiguous option: --no (--no-binary, --no-index, --no-require-hashes?)" in messages[2]
    assert "--index-url option requires 1 argument" in messages[3]
    assert "--pre option does not take a value" in messages[4]
    assert "pip ignores --index-url on a requirement line" in messages[5]
    assert 6 not in messages  # --no-binary applies wherever it stands
    assert [(o.name, o.value, o.location.line) for o in source.options] == [
        ("no-binary", "gamma", 6)
    ]
    assert "pip ignores --pre on a line that includes another file" in messages[7]
    assert "cannot split the options" in messages[8]
    # pip's own words for the first two lines:
    for line in ("alpha==1.0 --global-option=--quiet\n", "--no\n"):
        single = write(tmp_path / "single.txt", line)
        error = pip_view(single, monkeypatch).error
        assert error is not None
        expected = messages[1 if line.startswith("alpha") else 2].split(": ", 1)[1]
        assert expected.split(";")[0] in error


# --- environment variables --------------------------------------------------------------------


def test_environment_variables_expand_like_pip_and_never_leak(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "fake-token-not-a-secret"
    text = (
        "--index-url https://user:${CG_TOKEN}@libraries.cgr.dev/python/simple/\n"
        "alpha==${ALPHA_VERSION}\n"
        "beta @ https://${CG_TOKEN}@files.example/beta-1.0-py3-none-any.whl\n"
        "gamma==$ALPHA_VERSION\n"
        "delta==${lower_case}\n"
        "epsilon==${UNSET_VARIABLE}\n"
        "zeta==${EMPTY_ONE}\n"
        "eta>=1 ; python_version == '${CG_TOKEN}'x\n"
    )
    environ = {
        "CG_TOKEN": secret,
        "ALPHA_VERSION": "1.2.3",
        "lower_case": "9",
        "EMPTY_ONE": "",
    }
    path = write(tmp_path / "requirements.txt", text)
    source = parse_requirements(path, environ=environ)
    # a literal user name is part of a credential: dropped; ${VAR} references alone are kept
    assert source.options[0].value == "https://libraries.cgr.dev/python/simple/"
    # unlike pip, cg-action never expands ${VAR} in a name, version or marker: a problem
    assert "alpha" not in {d.name for d in source.dependencies}
    beta = only(source, "beta")
    assert beta.url == "https://files.example/beta-1.0-py3-none-any.whl"  # user-info dropped
    assert beta.version == Version("1.0")
    assert {p.line for p in source.problems} == {2, 4, 5, 6, 7, 8}
    assert all(secret not in str(p) for p in source.problems)
    assert all(secret not in repr(d) for d in source.dependencies)
    # pip expands the same way, and in line 2's version too (its environment is the process's).
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("UNSET_VARIABLE", raising=False)
    view = pip_view(path, monkeypatch)
    resolved = path.resolve()
    assert view.accepted[(resolved, 2)].specifier == "==1.2.3"
    assert view.accepted[(resolved, 3)].name == "beta"
    assert {(resolved, n) for n in (4, 5, 6, 7, 8)} <= view.rejected


# --- requirement kinds ------------------------------------------------------------------------


KINDS = [
    # line, name, kind, version, url, extras
    ("alpha==1.0", "alpha", "pinned", "1.0", None, set()),
    ("alpha===1.0", "alpha", "pinned", "1.0", None, set()),
    ("alpha===custom-build", "alpha", "pinned", None, None, set()),
    ("alpha==1.*", "alpha", "range", None, None, set()),
    ("alpha>=1", "alpha", "range", None, None, set()),
    ("alpha", "alpha", "range", None, None, set()),
    ("alpha==1.0,!=1.1", "alpha", "range", None, None, set()),
    ("Alpha_Beta.gamma[X] ==2.0", "alpha-beta-gamma", "pinned", "2.0", None, {"x"}),
    (
        "pkg @ git+https://github.com/org/pkg.git@v1.0",
        "pkg",
        "vcs",
        None,
        "git+https://github.com/org/pkg.git@v1.0",
        set(),
    ),
    (
        "pkg[cli] @ https://files.example/pkg-2.0-py3-none-any.whl",
        "pkg",
        "url",
        "2.0",
        "https://files.example/pkg-2.0-py3-none-any.whl",
        {"cli"},
    ),
    ("pkg @ file:///opt/src/pkg", "pkg", "path", None, "file:///opt/src/pkg", set()),
    (
        "git+https://github.com/org/repo.git@main#egg=Some_Pkg",
        "some-pkg",
        "vcs",
        None,
        "git+https://github.com/org/repo.git@main#egg=Some_Pkg",
        set(),
    ),
    (
        "hg+https://hg.example/repo#egg=hgpkg",
        "hgpkg",
        "vcs",
        None,
        "hg+https://hg.example/repo#egg=hgpkg",
        set(),
    ),
    (
        "https://files.example/archive/sdist_pkg-3.1.tar.gz",
        "sdist-pkg",
        "url",
        "3.1",
        "https://files.example/archive/sdist_pkg-3.1.tar.gz",
        set(),
    ),
    ("Wheel_Pkg-1.0-py3-none-any.whl", "wheel-pkg", "path", "1.0", None, set()),
    ("./dist/tar_pkg-0.9.tar.gz", "tar-pkg", "path", "0.9", "./dist/tar_pkg-0.9.tar.gz", set()),
    ("./local/dir[extra]", "declared-name", "path", None, "./local/dir", {"extra"}),
    ("./plain", "plain", "path", None, "./plain", set()),
]


@pytest.mark.parametrize(("line", "name", "kind", "version", "url", "extras"), KINDS)
def test_requirement_kinds(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    line: str,
    name: str,
    kind: str,
    version: str | None,
    url: str | None,
    extras: set[str],
) -> None:
    write(tmp_path / "local" / "dir" / "pyproject.toml", '[project]\nname = "Declared_Name"\n')
    write(tmp_path / "plain" / "setup.py", "")
    path = write(tmp_path / "requirements.txt", line + "\n")
    source = parse_requirements(path, environ={})
    assert source.problems == ()
    dependency = only(source, name)
    assert dependency.kind == kind
    assert dependency.version == (Version(version) if version else None)
    assert dependency.url == (url if url is not None else dependency.url)
    if url is None and kind in ("pinned", "range"):
        assert dependency.url is None
    assert dependency.extras == extras
    assert dependency.is_index_checkable == (kind in ("pinned", "range"))
    view = pip_view(path, monkeypatch)
    entry = view.accepted[(path.resolve(), 1)]
    # pip names local trees only by building them; everything else it names itself.
    if entry.name is not None:
        assert entry.name == name
    assert_agrees_with_pip(source, view)


def test_editable_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "Our-App"\n')
    write(tmp_path / "libs" / "helper" / "setup.cfg", "[metadata]\nname = helper_lib\n")
    text = (
        "-e .\n"
        "-e libs/helper[dev]\n"
        "--editable=git+https://github.com/org/tool.git@v2#egg=tool\n"
        "-e git://github.com/org/old.git#egg=old\n"
        "-e git+https://github.com/org/unnamed.git\n"
        "-e https://files.example/x.tar.gz#egg=x\n"
    )
    path = write(tmp_path / "requirements.txt", text)
    source = parse_requirements(path, environ={})
    assert [(d.name, d.kind, d.location.line) for d in source.dependencies] == [
        ("our-app", DependencyKind.EDITABLE, 1),
        ("helper-lib", DependencyKind.EDITABLE, 2),
        ("tool", DependencyKind.EDITABLE, 3),
        ("old", DependencyKind.EDITABLE, 4),
        ("unnamed", DependencyKind.EDITABLE, 5),
        ("x", DependencyKind.EDITABLE, 6),
    ]
    assert only(source, "helper-lib").extras == {"dev"}
    assert only(source, "tool").url == "git+https://github.com/org/tool.git@v2#egg=tool"
    messages = {p.line: p.message for p in source.problems}
    assert set(messages) == {5, 6}
    assert "cannot tell the project name" in messages[5]
    assert "not a valid editable requirement" in messages[6]
    view = pip_view(path, monkeypatch)
    resolved = path.resolve()
    assert {(resolved, 5), (resolved, 6)} <= view.rejected
    assert view.accepted[(resolved, 3)].name == "tool"
    assert view.accepted[(resolved, 4)].name == "old"
    assert all(view.accepted[(resolved, n)].editable for n in (1, 2, 3, 4))


def test_egg_fragment_that_pip_rejects_still_names_the_dependency(tmp_path: Path) -> None:
    path = write(tmp_path / "r.txt", "git+https://github.com/org/x.git#egg=Name[extra]==1.0\n")
    source = parse_requirements(path, environ={})
    dependency = only(source, "name")
    assert dependency.extras == {"extra"}
    assert dependency.kind is DependencyKind.VCS
    assert "write 'name @ URL' instead" in source.problems[0].message


def test_bad_requirements_are_problems_and_the_rest_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.txt",
        "alpha=1.0\nbeta>>2\n<<<<<<< HEAD\ngamma==1.0\nhttps://user:pw@host.example/#frag\n",
    )
    source = parse_requirements(path, environ={})
    assert [d.name for d in source.dependencies] == ["gamma"]
    messages = {p.line: str(p) for p in source.problems}
    assert "did you mean '=='?" in messages[1]
    assert messages[2].startswith(f"{path}:2: not a valid requirement 'beta>>2'")
    assert 3 in messages
    assert "cannot tell which project" in messages[5]
    assert "pw" not in messages[5]


# --- inline ignores ---------------------------------------------------------------------------


def test_inline_ignore_comments(tmp_path: Path) -> None:
    text = (
        "alpha==1.0  # cg-action: ignore[fallback, missing] vendored fork, see ADR-12\n"
        "beta==1.0  # cg-action: ignore built in-house\n"
        "gamma==1.0  # cg-action: ignore[missing]\n"
        "delta==1.0  # cg-action: ignore[sometimes] reason\n"
        "# cg-action: ignore[missing] on a line of its own\n"
        "epsilon==1.0 \\\n"
        f"    --hash=sha256:{SHA_A}  # cg-action: ignore[blocked] -- waiting on policy\n"
        "zeta==1.0  # ordinary comment\n"
    )
    source = parse_requirements(write(tmp_path / "r.txt", text), environ={})
    alpha = only(source, "alpha").inline_ignore
    assert alpha is not None
    assert alpha.statuses == {"fallback", "missing"}
    assert alpha.reason == "vendored fork, see ADR-12"
    beta = only(source, "beta").inline_ignore
    assert beta is not None
    assert beta.statuses == frozenset()
    assert beta.reason == "built in-house"
    epsilon = only(source, "epsilon").inline_ignore
    assert epsilon is not None
    assert epsilon.reason == "waiting on policy"
    assert only(source, "gamma").inline_ignore is None
    assert only(source, "zeta").inline_ignore is None
    messages = {p.line: p.message for p in source.problems}
    assert messages[3].startswith("say why")
    assert "unknown statuses sometimes" in messages[4]
    assert "move it to the end of that line" in messages[5]
    assert set(messages) == {3, 4, 5}


# --- includes ---------------------------------------------------------------------------------


def test_includes_and_constraints_match_pip(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    top = data_dir / "requirements" / "includes" / "requirements.txt"
    source = parse_requirements(top, environ={})
    assert source.problems == ()
    assert [
        (d.name, d.location.path.name, d.location.line, d.is_constraint)
        for d in source.dependencies
    ] == [
        ("requests", "common.txt", 1, False),
        ("rich", "extra.txt", 2, False),
        ("urllib3", "constraints.txt", 2, True),
        ("flask", "requirements.txt", 6, False),
    ]
    assert [p.name for p in source.includes] == ["common.txt", "extra.txt", "constraints.txt"]
    assert source.includes[0] == top.parent / "base" / "common.txt"
    flask = only(source, "flask").inline_ignore
    assert flask is not None
    assert flask.statuses == {"fallback"}
    # pip reads extra.txt twice (once per include); the lines it yields are the same ones.
    view = pip_view(top, monkeypatch)
    assert view.error is None
    assert assert_agrees_with_pip(source, view) == 4


def test_include_cycle_names_the_files(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    top = data_dir / "requirements" / "cycle" / "a.txt"
    source = parse_requirements(top, environ={})
    assert [d.name for d in source.dependencies] == ["alpha", "beta"]
    (problem,) = source.problems
    assert problem.path.name == "b.txt"
    assert problem.line == 2
    assert re.search(r"a\.txt -> .*b\.txt -> .*a\.txt", problem.message)
    error = pip_view(top, monkeypatch).error
    assert error is not None
    assert "recursively references itself" in error


def test_missing_and_refused_includes_are_problems_at_the_include_line(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside.txt", "secret-project==1.0\n")
    repo = tmp_path / "repo"
    (repo / "folder.txt").mkdir(parents=True)
    text = (
        "-r missing.txt\n"
        "-c ../outside.txt\n"
        "-r folder.txt\n"
        "-r https://example.com/remote.txt\n"
        "--requirement=${INCLUDE_DIR}/x.txt\n"
        "alpha==1\n"
    )
    path = write(repo / "requirements.txt", text)
    write(repo / "sub" / "x.txt", "beta==2\n")
    source = parse_requirements(path, environ={"INCLUDE_DIR": "sub"}, root=repo)
    messages = {p.line: p.message for p in source.problems}
    assert set(messages) == {1, 2, 3, 4}
    assert "No such file" in messages[1]
    assert "outside the repository" in messages[2]
    assert "not a regular file" in messages[3] or "Is a directory" in messages[3]
    assert "not a local file" in messages[4]
    assert [d.name for d in source.dependencies] == ["beta", "alpha"]
    assert source.includes == (repo / "sub" / "x.txt",)
    # Without a root the file outside is read, as pip would.
    unrestricted = parse_requirements(path, environ={"INCLUDE_DIR": "sub"})
    assert "secret-project" in [d.name for d in unrestricted.dependencies]
    assert outside in unrestricted.includes


# --- pip-compile output -----------------------------------------------------------------------


def test_pip_compile_output_via_annotations(tmp_path: Path) -> None:
    text = (
        "#\n"
        "# This file is autogenerated by pip-compile with Python 3.12\n"
        "# by the following command:\n"
        "#\n"
        "#    pip-compile --generate-hashes requirements.in\n"
        "#\n"
        "--index-url https://libraries.cgr.dev/python/simple/\n"
        "\n"
        "blinker==1.8.2 \\\n"
        f"    --hash=sha256:{SHA_A}\n"
        "    # via flask\n"
        "flask==3.0.3 \\\n"
        f"    --hash=sha256:{SHA_B} \\\n"
        f"    --hash=sha256:{SHA_C}\n"
        "    # via\n"
        "    #   -r requirements.in\n"
        "    #   flask-login\n"
        "itsdangerous==2.2.0 \\\n"
        f"    --hash=sha256:{SHA_A} \\\n"
        "    # via flask, -r requirements.in\n"
        "jinja2==3.1.4  # via flask\n"
        "\n"
        "# The following packages are considered to be unsafe in a requirements file:\n"
        "setuptools==70.0.0\n"
    )
    source = parse_requirements(write(tmp_path / "requirements.txt", text), environ={})
    assert source.format is FileFormat.PIP_COMPILE
    assert source.is_lock
    assert source.problems == ()
    assert all(d.is_locked and d.is_pinned for d in source.dependencies)
    groups = {d.name: d.groups for d in source.dependencies}
    assert groups == {
        "blinker": ("via:flask",),
        "flask": ("via:-r requirements.in", "via:flask-login"),
        "itsdangerous": ("via:flask", "via:-r requirements.in"),
        "jinja2": ("via:flask",),
        "setuptools": (),
    }
    assert [len(d.hashes) for d in source.dependencies] == [1, 2, 1, 0, 0]


def test_via_comments_outside_pip_compile_output_are_plain_comments(tmp_path: Path) -> None:
    source = parse_requirements(write(tmp_path / "r.txt", "flask==3.0\n    # via x\n"), environ={})
    assert source.format is FileFormat.REQUIREMENTS
    assert only(source, "flask").groups == ()
    assert not only(source, "flask").is_locked


WAREHOUSE = [
    "pypa+warehouse@5f4a04652f19/requirements/main.txt",
    "pypa+warehouse@5f4a04652f19/requirements/deploy.txt",
    "pypi+warehouse@6b62157124ab/requirements/main.txt",
    "pypi+warehouse@6b62157124ab/requirements/tests.txt",
]


@pytest.mark.parametrize("relative", WAREHOUSE)
def test_real_pip_compile_outputs(
    corpus_dir: Path, monkeypatch: pytest.MonkeyPatch, relative: str
) -> None:
    path = corpus_dir / "realworld" / relative
    text = path.read_text(encoding="utf-8")
    source = parse_requirements(path, environ={})
    assert source.format is FileFormat.PIP_COMPILE
    assert source.problems == ()
    assert source.dependencies
    assert all(d.is_locked and d.is_pinned for d in source.dependencies)
    assert sum(len(d.hashes) for d in source.dependencies) == text.count("--hash=sha256:")
    assert all(any(g.startswith("via:") for g in d.groups) for d in source.dependencies)
    lines = text.splitlines()
    for dependency in source.dependencies[:: max(1, len(source.dependencies) // 7)]:
        written = lines[(dependency.location.line or 0) - 1]
        assert re.match(rf"^{re.escape(dependency.display_name)}(\[[^\]]*\])?==", written)
        assert written.split("==")[1].split()[0] == str(dependency.version)
    # The parents: every "#   name" below "# via" and every "# via a, b" entry, counted.
    expected_parents = sum(
        len([p for p in line.split("# via", 1)[1].split(",") if p.strip()])
        if "# via" in line
        else (1 if re.match(r"^\s+#\s{3}\S", line) else 0)
        for line in lines
    )
    assert sum(len(d.groups) for d in source.dependencies) == expected_parents
    view = pip_view(path, monkeypatch)
    assert view.error is None
    assert assert_agrees_with_pip(source, view) == len(source.dependencies)


@pytest.mark.tools
@pytest.mark.parametrize("tool", ["pip-compile", "uv"])
def test_output_of_real_compilers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tool: str
) -> None:
    """pip-compile and uv pip compile, offline against local wheels, with hashes."""
    import sys

    from tests._wheels import sha256_file
    from tests.lockgen._pip_compile import make_demo_packages, offline_env, run

    packages = make_demo_packages(tmp_path / "packages")
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.in").write_text(
        "alpha==1.0.0\ngamma-pkg>=0.3 ; sys_platform != 'win32'\ndevtool\n"
    )
    common = ["--no-index", "--find-links", str(packages), "--generate-hashes"]
    if tool == "uv":
        command = ["uv", "pip", "compile", *common, "-o", "requirements.txt", "requirements.in"]
    else:
        command = [sys.executable, "-m", "piptools", "compile", *common, "--quiet"]
        command += ["--output-file", "requirements.txt", "requirements.in"]
    run(command, project, offline_env(tmp_path / "home"))
    path = project / "requirements.txt"
    source = parse_requirements(path, environ={})
    assert source.format is FileFormat.PIP_COMPILE
    assert source.problems == ()
    assert {d.name: str(d.version) for d in source.dependencies} == {
        "alpha": "1.0.0",
        "beta": "2.1.0",
        "devtool": "5.0.0",
        "gamma-pkg": "0.3.0",
    }
    assert all(d.is_locked and d.is_pinned for d in source.dependencies)
    digests: dict[str, set[str]] = {}
    for file in packages.iterdir():
        if file.suffix == ".whl":
            name = parse_wheel_filename(file.name)[0]
        else:
            name = parse_sdist_filename(file.name)[0]
        digests.setdefault(name, set()).add(sha256_file(file))
    text = path.read_text(encoding="utf-8")
    assert sum(len(d.hashes) for d in source.dependencies) == text.count("--hash=sha256:")
    for dependency in source.dependencies:
        found = {h.value for h in dependency.hashes}
        # pip-compile lists every file; uv lists the files it would pick from --find-links.
        assert found
        assert found <= digests[dependency.name]
        if tool == "pip-compile":
            assert found == digests[dependency.name]
    groups: dict[str, set[str]] = {d.name: set(d.groups) for d in source.dependencies}
    assert groups["beta"] == {"via:alpha", "via:gamma-pkg"}
    assert groups["alpha"] == {"via:-r requirements.in"}
    view = pip_view(path, monkeypatch)
    assert view.error is None
    assert assert_agrees_with_pip(source, view) == 4


# --- the corpus -------------------------------------------------------------------------------


def corpus_files(corpus_dir: Path) -> Iterator[Path]:
    folders = [
        corpus_dir / "osv-scalibr" / "requirements",
        corpus_dir / "pip-requirements-parser",
        corpus_dir / "chainguard",
        *sorted((corpus_dir / "realworld").glob("*warehouse*")),
    ]
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".txt", ".in", ".pip") and path.is_file():
                yield path


def test_every_corpus_requirements_file_parses_and_agrees_with_pip(
    corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Measured when written: 125 files, 1595 dependencies, 38 files with problems
    # (80 problems: missing includes, hashes that are not digests, pip-rejected options and
    # #egg= fragments, invalid lines such as merge-conflict markers); 1418 of pip's own
    # requirement lines compared one by one.
    files = list(corpus_files(corpus_dir))
    dependencies = compared = 0
    with_problems = 0
    for path in files:
        source = parse_requirements(path, environ={})
        dependencies += len(source.dependencies)
        with_problems += bool(source.problems)
        for problem in source.problems:
            assert problem.line is not None
            assert re.match(rf"^{re.escape(str(problem.path))}:\d+: \S", str(problem))
        compared += assert_agrees_with_pip(
            source, pip_view(path, monkeypatch), allow_unnamed_problem=True
        )
    assert len(files) == 125
    assert dependencies == 1595
    assert with_problems == 38
    # pip 23.2 accepted 1418 of these lines, pip 26.3 accepts 1422: each one it accepts is compared.
    assert compared >= 1418


# --- robustness -------------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "alpha==1.0",
        "-r",
        "-c",
        "-e",
        "--hash=sha256:",
        "--index-url",
        "${TOKEN}",
        "\\",
        "#",
        " # cg-action: ignore[",
        "]",
        "git+https://x/y.git#egg=",
        "./",
        ".whl",
        ".tar.gz",
        "@",
        ";",
        "python_version<'3'",
        "[",
        "'",
        '"',
        "\n",
        "\r\n",
        " ",
        "\t",
        "(",
        "file:",
        "==",
        "===",
        "\x00",
        "requirements.txt",
        "../",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), st.lists(FRAGMENTS | st.text(max_size=5)).map("".join)))
def test_arbitrary_text_never_raises_anything_but_parse_error(text: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "requirements.txt"
        path.write_text("alpha==1\n-r requirements.txt\n", encoding="utf-8")
        try:
            source = parse_requirements(path, text, environ={"TOKEN": "fake-token"})
        except ParseError:
            return
        assert all(p.path is not None for p in source.problems)
        assert all("fake-token" not in str(p) for p in source.problems)
