"""Releases: one version everywhere, the changelog convention, and the release workflow.

docs/releasing.md is the convention these tests hold: the version of pyproject.toml and
cg_action/__init__.py is the one the docs name (``@v<major>`` for ``uses:``, ``rev:
v<version>`` for pre-commit); ``## [Unreleased]`` comes first in CHANGELOG.md and the next
section, if any, is the current version's. The release workflow's own check step is run in
bash on a throw-away git repository with fake tags.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scripts import release

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
RELEASE_WORKFLOW = WORKFLOWS / "release.yml"
# the Action, and the reusable workflows (cg-action/cg-action/.github/workflows/NAME.yml@REF)
USES_ACTION = re.compile(r"uses:\s*['\"]?cg-action/cg-action(?:/[^@\s'\"`]+)?@([^\s'\"`]+)")
PRECOMMIT_REV = re.compile(
    r"repo:\s*['\"]?https://github\.com/cg-action/cg-action(?:\.git)?['\"]?\s*\n\s*rev:\s*"
    r"['\"]?([^\s'\"`]+)"
)
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<comment>\s+#\s*(?P<version>\S+))?")
PINNED_REF = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}")
# The third-party actions the workflows and the Action use, at these commits only.
KNOWN_PINS = {
    "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683": "v4.2.2",
    "actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065": "v5.6.0",
    "actions/cache@5a3ec84eff668545956fd18022155c47e93e2684": "v4.2.3",
    "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02": "v4.6.2",
    "actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093": "v4.3.0",
    "pypa/gh-action-pypi-publish@76f52bc884231f62b9a034ebfe128415bbaabdfc": "v1.12.4",
}


def _version() -> str:
    return release.project_version(ROOT)


def _documents() -> list[Path]:
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    examples = [p for p in sorted((ROOT / "examples").rglob("*")) if p.is_file()]
    return docs + examples


def _load(path: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


# -- one version everywhere --------------------------------------------------------------------


def test_the_package_and_the_project_have_one_version() -> None:
    assert release.package_version(ROOT) == _version()
    import cg_action

    assert cg_action.__version__ == _version()


def test_docs_and_examples_use_the_current_major_tag_and_release() -> None:
    version = _version()
    major = version.split(".", 1)[0]
    uses: list[tuple[str, str]] = []
    revs: list[tuple[str, str]] = []
    for path in _documents():
        text = path.read_text(encoding="utf-8", errors="replace")
        where = str(path.relative_to(ROOT))
        uses += [(where, ref) for ref in USES_ACTION.findall(text)]
        revs += [(where, rev) for rev in PRECOMMIT_REV.findall(text)]
    # Both forms are documented (README.md has each): a pattern that stopped matching fails here.
    assert uses, "no 'uses: cg-action/cg-action@...' found in README.md, docs/ or examples/"
    assert revs, "no pre-commit 'rev:' for cg-action found in README.md, docs/ or examples/"
    wrong_uses = [(where, ref) for where, ref in uses if ref != f"v{major}"]
    assert not wrong_uses, f"use cg-action/cg-action@v{major} (docs/releasing.md): {wrong_uses}"
    wrong_revs = [(where, rev) for where, rev in revs if rev != f"v{version}"]
    assert not wrong_revs, f"pre-commit needs rev: v{version} (docs/releasing.md): {wrong_revs}"


def test_the_patterns_find_what_they_are_meant_to() -> None:
    text = (
        "      - uses: cg-action/cg-action@v7\n"
        "    uses: cg-action/cg-action/.github/workflows/org-report.yml@v7\n"
        "  - repo: https://github.com/cg-action/cg-action\n    rev: v7.1.0\n"
        "  - repo: https://github.com/other/hooks\n    rev: v1.0.0\n"
    )
    assert USES_ACTION.findall(text) == ["v7", "v7"]
    assert PRECOMMIT_REV.findall(text) == ["v7.1.0"]


def test_the_changelog_starts_with_unreleased_then_the_current_version() -> None:
    sections = release.changelog_sections((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    names = [name for name, _date, _body in sections]
    assert names[:1] == [release.UNRELEASED], f"CHANGELOG.md must start with [Unreleased]: {names}"
    versions = names[1:]
    if versions:  # before the first release there is no version section at all
        assert versions[0] == _version(), (
            f"the newest released section is {versions[0]}, the code says {_version()}: "
            "docs/releasing.md"
        )
        assert release.changelog_section(
            (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), _version()
        )
    for name, date, _body in sections[1:]:
        assert release.RELEASE_VERSION.fullmatch(name), name
        assert date is not None, f"## [{name}] needs its date: ## [{name}] - YYYY-MM-DD"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", date), (name, date)


# -- the changelog section ---------------------------------------------------------------------

CHANGELOG = """\
# Changelog

Intro text.

## [Unreleased]

## [1.2.0] - 2025-03-01

### Added
- a thing

### Fixed
- another

## [1.1.0] - 2025-01-01

- old

[1.2.0]: https://github.com/cg-action/cg-action/compare/v1.1.0...v1.2.0
[1.1.0]: https://github.com/cg-action/cg-action/releases/tag/v1.1.0
"""


def test_a_section_is_its_text_between_the_headings() -> None:
    assert release.changelog_section(CHANGELOG, "1.2.0") == (
        "### Added\n- a thing\n\n### Fixed\n- another"
    )
    # the last section ends before the link definitions
    assert release.changelog_section(CHANGELOG, "1.1.0") == "- old"
    with pytest.raises(release.ReleaseError, match="empty"):
        release.changelog_section(CHANGELOG, "Unreleased")
    with pytest.raises(release.ReleaseError, match=r"no '## \[1\.3\.0\]"):
        release.changelog_section(CHANGELOG, "1.3.0")
    with pytest.raises(release.ReleaseError, match="heading"):
        release.changelog_sections("## 1.0.0 (soon)\n")


# -- the tag check -----------------------------------------------------------------------------


def _release_tree(tmp_path: Path, version: str, *, changelog: str | None = None) -> Path:
    """pyproject.toml, cg_action/__init__.py and CHANGELOG.md of a project at ``version``."""
    root = tmp_path / "project"
    (root / "cg_action").mkdir(parents=True)
    (root / "scripts").mkdir()
    shutil.copy2(ROOT / "scripts" / "release.py", root / "scripts" / "release.py")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pyproject = re.sub(r'(?m)^version = ".*"$', f'version = "{version}"', pyproject, count=1)
    (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    init = (ROOT / "cg_action" / "__init__.py").read_text(encoding="utf-8")
    init = re.sub(r'(?m)^__version__ = ".*"$', f'__version__ = "{version}"', init, count=1)
    (root / "cg_action" / "__init__.py").write_text(init, encoding="utf-8")
    if changelog is None:
        changelog = (
            (ROOT / "CHANGELOG.md")
            .read_text(encoding="utf-8")
            .replace("## [Unreleased]\n", f"## [Unreleased]\n\n## [{version}] - 2030-01-02\n", 1)
        )
    (root / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    assert release.project_version(root) == version
    return root


def _run_script(root: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "scripts" / "release.py"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_the_tag_check_passes_a_tag_of_the_version_with_its_section(tmp_path: Path) -> None:
    root = _release_tree(tmp_path, "4.5.6")
    result = _run_script(root, "check", "v4.5.6", "--existing-tags", "-", stdin="v4.5.5\nv3.9.0\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "version=4.5.6",
        "major=4",
        "prerelease=false",
        "move-major=true",
    ]
    notes = _run_script(root, "notes", "4.5.6")
    assert notes.returncode == 0, notes.stderr
    # the notes are what Unreleased held, now the version's section, and nothing after it
    unreleased = (
        (ROOT / "CHANGELOG.md").read_text(encoding="utf-8").split("## [Unreleased]\n", 1)[1]
    )
    assert notes.stdout.strip() == unreleased.split("\n## ", 1)[0].strip()
    assert "## [" not in notes.stdout


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("v4.5.7", "pyproject.toml says 4.5.6; cg_action/__init__.py says 4.5.6"),
        ("4.5.6", "not a release tag"),
        ("v4.5", "not a release tag"),
        ("v4.5.6.1", "not a release tag"),
        ("v4.5.6.post1", "not a release tag"),
        ("v04.5.6", "not a release tag"),
    ],
)
def test_the_tag_check_refuses_a_tag_that_is_not_the_version(
    tmp_path: Path, tag: str, message: str
) -> None:
    root = _release_tree(tmp_path, "4.5.6")
    result = _run_script(root, "check", tag)
    assert result.returncode == 1
    assert message in result.stderr
    assert not result.stdout


def test_the_tag_check_refuses_a_version_without_its_changelog_section(tmp_path: Path) -> None:
    unreleased_only = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    unreleased_only = re.sub(r"(?m)^## \[(?!Unreleased).*$", "## [Unreleased]", unreleased_only)
    root = _release_tree(tmp_path, "4.5.6", changelog=unreleased_only)
    result = _run_script(root, "check", "v4.5.6")
    assert result.returncode == 1
    assert "CHANGELOG.md has no '## [4.5.6] - YYYY-MM-DD' section" in result.stderr
    empty = "# Changelog\n\n## [Unreleased]\n\n## [4.5.6] - 2030-01-02\n\n## [4.5.5] - 2029-01-01\n"
    root = _release_tree(tmp_path / "empty", "4.5.6", changelog=empty + "- x\n")
    result = _run_script(root, "check", "v4.5.6")
    assert result.returncode == 1
    assert "the section for 4.5.6 is empty" in result.stderr


def test_the_tag_check_refuses_when_the_two_versions_differ(tmp_path: Path) -> None:
    root = _release_tree(tmp_path, "4.5.6")
    init = root / "cg_action" / "__init__.py"
    init.write_text(init.read_text().replace('"4.5.6"', '"4.5.5"'), encoding="utf-8")
    result = _run_script(root, "check", "v4.5.6")
    assert result.returncode == 1
    assert "cg_action/__init__.py says 4.5.5" in result.stderr
    assert "pyproject.toml says" not in result.stderr


@pytest.mark.parametrize(
    ("version", "existing", "prerelease", "move"),
    [
        ("4.5.6", [], "false", "true"),  # the first release of the major version
        ("4.5.6", ["v4.5.5", "v4.6.0rc1", "v5.0.0"], "false", "true"),  # newest final of v4
        ("4.5.6", ["v4.6.0"], "false", "false"),  # a fix for an older minor version
        ("4.6.0rc1", ["v4.5.6"], "true", "false"),  # a pre-release never moves it
    ],
)
def test_the_major_tag_moves_only_to_the_newest_final_release(
    tmp_path: Path, version: str, existing: list[str], prerelease: str, move: str
) -> None:
    root = _release_tree(tmp_path, version)
    outputs = release.check_tag(f"v{version}", root, existing)
    assert outputs["prerelease"] == prerelease
    assert outputs["move-major"] == move


# -- the release workflow ----------------------------------------------------------------------


def _workflow_files() -> list[Path]:
    return [
        ROOT / "action.yml",
        *sorted(WORKFLOWS.glob("*.yml")),
        *sorted(WORKFLOWS.glob("*.yaml")),
    ]


def _uses_in_yaml(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [str(v) for k, v in node.items() if k == "uses"]
        return found + [u for v in node.values() for u in _uses_in_yaml(v)]
    if isinstance(node, list):
        return [u for item in node for u in _uses_in_yaml(item)]
    return []


def test_every_action_used_is_local_or_pinned_by_commit() -> None:
    for path in _workflow_files():
        lines = [
            m
            for line in path.read_text(encoding="utf-8").splitlines()
            if (m := USES_LINE.match(line))
        ]
        # every uses: the YAML holds is on a line of its own, as read here
        assert sorted(m["ref"].strip("'\"") for m in lines) == sorted(_uses_in_yaml(_load(path))), (
            path
        )
        for match in lines:
            ref = match["ref"].strip("'\"")
            if ref.startswith("./"):
                continue
            assert PINNED_REF.fullmatch(ref), f"{path.name}: {ref} is not pinned by a commit SHA"
            assert match["version"], f"{path.name}: {ref} needs its version as a comment"
            if ref in KNOWN_PINS:
                assert match["version"] == KNOWN_PINS[ref], (path.name, ref)


def test_the_pin_check_fails_on_a_tag_or_a_branch() -> None:
    for line in ("uses: actions/checkout@v4", "- uses: actions/cache@main # v4"):
        match = USES_LINE.match(line)
        assert match
        assert not PINNED_REF.fullmatch(match["ref"])
    match = USES_LINE.match(
        "      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2"
    )
    assert match
    assert PINNED_REF.fullmatch(match["ref"])
    assert match["version"] == "v4.2.2"


def test_the_release_workflow_runs_on_release_tags_with_least_privilege() -> None:
    workflow = _load(RELEASE_WORKFLOW)
    on = workflow[True] if True in workflow else workflow["on"]
    assert on == {"push": {"tags": ["v*.*.*"]}}
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert set(jobs) == {"check", "build", "publish", "github-release"}
    for name, job in jobs.items():
        permissions = job["permissions"]
        if name == "publish":
            assert permissions == {"id-token": "write"}
            assert job["environment"]["name"] == "pypi"
            assert set(job["needs"]) == {"check", "build"}
        elif name == "github-release":
            assert permissions == {"contents": "write"}
            assert "publish" in job["needs"]
        else:
            assert permissions == {"contents": "read"}, name
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), f"{name}: expressions reach scripts via env"
    publish_uses = [s["uses"].split("@")[0] for s in jobs["publish"]["steps"] if "uses" in s]
    assert "pypa/gh-action-pypi-publish" in publish_uses
    scripts = {
        name: "\n".join(s.get("run", "") for s in job["steps"]) for name, job in jobs.items()
    }
    assert "scripts/release.py check" in scripts["check"]
    assert "--require-hashes" in scripts["build"]
    assert "-r requirements/release.txt" in scripts["build"]
    assert "--no-isolation" in scripts["build"]
    assert "scripts/release.py notes" in scripts["github-release"]
    assert "gh release create" in scripts["github-release"]
    assert "git/refs" in scripts["github-release"]


def _git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True, timeout=60
    ).stdout


@pytest.mark.skipif(
    sys.platform == "win32" or shutil.which("git") is None or shutil.which("bash") is None,
    reason="the release workflow runs on Linux (git and bash)",
)
def test_the_check_step_runs_like_the_runner_on_fake_tags(tmp_path: Path) -> None:
    """The check job's step, in bash, in a repository tagged as a maintainer would tag it."""
    step = next(
        s for s in _load(RELEASE_WORKFLOW)["jobs"]["check"]["steps"] if s.get("id") == "tag"
    )
    assert step["env"] == {"TAG": "${{ github.ref_name }}"}
    root = _release_tree(tmp_path, "4.5.6")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "release 4.5.6")
    _git(root, "tag", "v4.4.0")
    _git(root, "tag", "-a", "v4.5.6", "-m", "cg-action 4.5.6")

    def run(tag: str) -> tuple[subprocess.CompletedProcess[str], str]:
        output = tmp_path / f"output-{tag}"
        output.write_text("")
        env = {**os.environ, "TAG": tag, "GITHUB_OUTPUT": str(output)}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # `python`
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        return result, output.read_text()

    result, output = run("v4.5.6")
    assert result.returncode == 0, result.stderr
    assert output == "version=4.5.6\nmajor=4\nprerelease=false\nmove-major=true\n"
    _git(root, "tag", "v4.5.7")  # a fake tag the code does not have
    result, output = run("v4.5.7")
    assert result.returncode == 1
    assert "pyproject.toml says 4.5.6" in result.stderr
    assert output == ""
