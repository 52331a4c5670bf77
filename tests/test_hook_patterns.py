"""The hooks' ``files:`` regexes, the table of file kinds and the rule for names agree.

``.pre-commit-hooks.yaml`` is read as pre-commit reads it (YAML, ``re.search`` on each staged
path) and held to ``cg_action._formats_table`` on thousands of paths: every file of the test
corpus, and names as people write them in folders as repositories hold them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from cg_action._formats_table import (
    FILE_KINDS,
    Hook,
    hook_files_regex,
    kind_in_repository,
    load,
    main,
    with_hook_files,
)
from cg_action._rewrite._interface import ConfigFormat

ROOT = Path(__file__).resolve().parent.parent
HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"
CORPUS = ROOT / "tests" / "data" / "corpus"

# Names people give dependency files, and names near them that are not ones.
FILE_NAMES = (
    "requirements.txt",
    "requirements.in",
    "requirements.pip",
    "requirements.lock",
    "requirements-dev.lock",
    "requirements-dev.txt",
    "requirements_dev.txt",
    "requirements.dev.txt",
    "requirements-test.in",
    "dev-requirements.txt",
    "dev-requirements.in",
    "test_requirements.txt",
    "requirements.txt.in",
    "docs-requirements.txt",
    "Requirements.txt",
    "REQUIREMENTS.TXT",
    "requirements-DEV.Txt",
    "Dev Requirements.txt",
    "requirements (1).txt",
    "requirements.txt.bak",
    "requirements.txt~",
    "requirements.txt.",
    "requirements.txt ",
    " requirements.txt",
    "requirements.txt\n",
    "requirements",
    "requirements.rst",
    "requirements.md",
    "requirements.yml",
    "requirement.txt",
    "requirements.TXT.orig",
    "constraints.txt",
    "constraints-3.12.txt",
    "pip-constraints.in",
    "Constraints.TXT",
    "constraint.txt",
    "base.txt",
    "base.in",
    "prod.pip",
    "dev.lock",
    ".txt",
    ".in",
    "README.md",
    "README.txt",
    "notes.txt",
    "pyproject.toml",
    "Pyproject.toml",
    "PYPROJECT.TOML",
    "pyproject.toml.bak",
    "pyproject.dev.toml",
    "Pipfile",
    "PIPFILE",
    "pipfile",
    "Pipfile.lock",
    "pipfile.lock",
    "Pipfile.lock.json",
    "uv.lock",
    "UV.LOCK",
    "poetry.lock",
    "pdm.lock",
    "pylock.toml",
    "pylock.dev.toml",
    "pylock.py312-linux.toml",
    "pylock.a.b.toml",
    "pylock..toml",
    "pylock.toml.bak",
    "Pylock.toml",
    "pylock.\n.toml",
    "pip.conf",
    "pip.ini",
    "PIP.INI",
    "pip.cfg",
    "pip.conf.example",
    "uv.toml",
    "uv.toml.bak",
    "setup.cfg",
    "setup.py",
    "tox.ini",
    "package-lock.json",
    "yarn.lock",
    "Cargo.lock",
    "Gemfile.lock",
    "environment.yml",
    "deps\\requirements.txt",
    "reqs\\base.txt",
    "C:\\proj\\requirements.txt",
    "requirements.txt:requirements",
    # non-ASCII letters a case-blind match might take for ASCII ones
    "requ\u0130rements.txt",  # dotted capital I
    "requ\u0131rements.txt",  # dotless i
    "requirement\u017f.txt",  # long s
    "\u212aequirements.txt",  # Kelvin sign
    "requirements.\u0130n",
    "r\u00e9quirements.txt",
)

# Folders: where projects keep dependency files, and what a walk must not wander into.
FOLDERS = (
    "",
    "app/",
    "services/api/",
    "a/b/c/d/e/",
    "./",
    ".github/",
    ".github/workflows/",
    "docs/",
    "requirements/",
    "Requirements/",
    "REQUIREMENTS.D/",
    "requirements.d/",
    "reqs/",
    "constraints/",
    "requirements/ci/",
    "src/requirements/",
    "requirements-files/",
    "lib/",
    "build/",
    "Build/lib/",
    "build/Lib/",
    "build/library/",
    "build/lib/",
    "build/lib/pkg/",
    "build/lib.linux-x86_64-cpython-312/pkg/",
    "build/bdist.linux-x86_64/",
    "build/temp.linux-x86_64-cpython-312/",
    "build/scripts-3.12/",
    "src/build/",
    "src/build/lib/",
    "tools/build/requirements/",
    "dist/",
    "distribution/",
    ".tox/py312/",
    ".nox/tests/",
    "node_modules/pkg/",
    "web/node_modules/@scope/pkg/",
    ".venv/lib/python3.12/site-packages/pkg/",
    "venv/",
    "venvs/venv/",
    "my-venv/",
    ".Venv/",
    "lambda/site-packages/",
    "/usr/lib/python3/dist-packages/pkg/",
    "__pypackages__/3.12/lib/",
    ".git/",
    "x/.git/hooks/",
    ".Git/",
    ".hg/",
    ".svn/",
    ".direnv/python-3.12/",
    "__pycache__/",
    ".mypy_cache/",
    ".pytest_cache/",
    ".ruff_cache/",
    ".eggs/pkg/",
    "pkg.egg-info/",
    ".egg-info/",
    "pkg.egg-info.bak/",
    "pkg.egg/",
    "deps\\",
    "C:\\proj\\",
    "a\nb/.tox/",
    "\u0130/",
)


def _corpus_paths() -> list[str]:
    paths = []
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file():
            relative = path.relative_to(CORPUS).as_posix()
            paths.extend([relative, path.relative_to(ROOT).as_posix()])
    return paths


PATHS = [folder + name for folder in FOLDERS for name in FILE_NAMES] + _corpus_paths()


def committed_hooks() -> dict[str, dict[str, object]]:
    hooks = yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in hooks}


def test_the_committed_hooks_file_is_what_the_table_generates() -> None:
    text = HOOKS_FILE.read_bytes().decode("utf-8")
    assert with_hook_files(text) == text, (
        "run: python -m cg_action._formats_table --write-hooks .pre-commit-hooks.yaml"
    )
    hooks = committed_hooks()
    for hook in Hook:
        assert hooks[hook.value]["files"] == hook_files_regex(hook)


def test_generating_the_hooks_file_keeps_every_other_line() -> None:
    text = HOOKS_FILE.read_bytes().decode("utf-8")
    stale = re.sub(r"(?m)^(\s+files: ).*$", r"\1(^|/)requirements\\.txt$", text)
    assert stale != text
    regenerated = with_hook_files(stale)
    assert regenerated == text
    assert yaml.safe_load(regenerated) == yaml.safe_load(text)


def test_the_generated_list_is_large_and_holds_both_answers() -> None:
    assert len(PATHS) > 5000
    found = [p for p in PATHS if kind_in_repository(p) is not None]
    assert 500 < len(found) < len(PATHS) - 1000


@pytest.mark.parametrize("hook", list(Hook))
def test_each_hook_matches_exactly_what_the_table_finds(hook: Hook) -> None:
    pattern = re.compile(str(committed_hooks()[hook.value]["files"]))
    disagree = []
    for path in PATHS:
        kind = kind_in_repository(path)
        expected = kind is not None and hook in kind.hooks
        if (pattern.search(path) is not None) != expected:
            disagree.append(path)
    assert disagree == []


def test_check_hook_takes_what_has_a_reader_config_hook_what_rewrite_reads() -> None:
    for kind in FILE_KINDS:
        assert (Hook.CHECK in kind.hooks) == (kind.reads is not None), kind.name
        assert (Hook.CONFIG in kind.hooks) == (kind.rewrites is not None), kind.name


def test_every_reader_and_digest_updater_the_table_names_exists() -> None:
    for kind in FILE_KINDS:
        for target in (kind.reader, kind.hashes):
            if target is not None:
                assert callable(load(target)), target
        assert (kind.reader is None) == (kind.reads is None), kind.name
        if kind.hashes is not None:  # digests are rewritten in lockfiles and requirements
            assert kind.rewrites in (ConfigFormat.LOCK, ConfigFormat.REQUIREMENTS), kind.name


# The rule, case by case: the decisions the table's docstring states.
EXPECTED = {
    "requirements.txt": "requirements",
    "requirements.d/base.txt": "requirements",
    "build/requirements.txt": "requirements",
    "build/requirements/dev.in": "requirements",
    "requirements/dev.in": "requirements",
    "Requirements/Base.TXT": "requirements",
    "reqs/prod.pip": "requirements",
    "constraints.txt": "requirements",
    "requirements-dev.txt": "requirements",
    "dev-requirements.txt": "requirements",
    "requirements.lock": "requirements",
    "REQUIREMENTS.TXT": "requirements",
    "services/api/requirements_test.in": "requirements",
    ".github/requirements.txt": "requirements",
    "pylock.toml": "pylock",
    "pylock.dev.toml": "pylock",
    "Pipfile": "pipfile",
    "Pipfile.lock": "pipfile-lock",
    "pip.conf": "pip-conf",
    "pip.ini": "pip-conf",
    "uv.toml": "uv-toml",
    "a/b/uv.lock": "uv-lock",
    "requirements/poetry.lock": "poetry-lock",
    "build/lib/pkg/requirements.txt": None,
    "build/lib.linux-x86_64-cpython-312/requirements.txt": None,
    "build/bdist.linux-x86_64/requirements.txt": None,
    ".tox/py312/requirements.txt": None,
    ".venv/lib/python3.12/site-packages/x/requirements.txt": None,
    "node_modules/x/requirements.txt": None,
    "x.egg-info/requires.txt": None,
    "dist/requirements.txt": None,
    "pylock.a.b.toml": None,
    "PIPFILE": None,
    "Pyproject.toml": None,
    "requirements/README.md": None,
    "requirements.rst": None,
    "docs/requirements.txt.bak": None,
    "requ\u0130rements.txt": None,
    "setup.cfg": None,
}


@pytest.mark.parametrize(("path", "kind"), sorted(EXPECTED.items()))
def test_the_rule_for_names(path: str, kind: str | None) -> None:
    found = kind_in_repository(path)
    assert (found.name if found else None) == kind


def test_the_script_prints_the_regexes_and_writes_the_hooks_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / ".pre-commit-hooks.yaml"
    text = HOOKS_FILE.read_bytes().decode("utf-8")
    stale.write_bytes(re.sub(r"(?m)^(\s+files: ).*$", r"\1x", text).replace("\n", "\r\n").encode())
    assert main(["--write-hooks", str(stale)]) == 0
    assert stale.read_bytes() == text.replace("\n", "\r\n").encode()  # line endings kept
    assert main(["--hook-regex"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == [f"{hook}: {hook_files_regex(hook)}" for hook in Hook]
