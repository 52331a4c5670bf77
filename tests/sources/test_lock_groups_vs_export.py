"""Groups of pdm.lock, Pipfile.lock and poetry.lock: each selection means what the tool exports.

These locks keep a package's groups beside its marker (pdm's ``groups``, pipenv's sections,
Poetry's ``groups`` and per-group ``markers``). The readers write the groups into the marker as
PEP 751 lock terms (``'dev' in dependency_groups``, ``'cli' in extras``), so that ``check
--extras/--groups`` narrows them as it narrows a pylock.toml. Each test compares, package by
package and selection by selection (all, none, each extra alone, each group alone), cg-action's
marker with what the tool itself exports for that selection, on the grid of environments of
``tests.lockgen._marker_grid``. The locks are made by the real tools against local indexes, or
are the real-world files of the corpus.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cg_action._sources._poetry_lock import parse_poetry_lock
from tests._servers import pypiserver
from tests.lockgen._pipenv_groups import PipenvComparison
from tests.lockgen._uv_markers import Comparison

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"
PDM_CORPUS = CORPUS / "realworld" / "pdm-project+pdm@a7e9d0015b4d"

pytestmark = [pytest.mark.tools, pytest.mark.slow]


def _report(result: Comparison | PipenvComparison) -> str:
    return "\n".join(f"{key}: {'; '.join(notes)}" for key, notes in result.differing.items())


# -- pdm.lock ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdm_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.lockgen._pdm import pdm_works

    home = tmp_path_factory.mktemp("pdm-home")
    why = pdm_works(home)
    if why is not None:
        pytest.skip(f"pdm cannot run here: {why}")
    return home


def test_pdm_groups_and_extras_agree_with_pdm_export(tmp_path: Path, pdm_home: Path) -> None:
    from tests.lockgen._pdm_groups import compare, pdm_lock_groups, selections, write_project
    from tests.lockgen._uv_markers import build_index

    project = tmp_path / "project"
    with pypiserver(build_index(tmp_path / "index")) as index:
        write_project(project, index.url)
        pdm_lock_groups(project, pdm_home)
    labels = [label for label, _, _ in selections(project)]
    assert labels == [
        "all", "none", "extra cli", "extra data",
        "group dev", "group docs", "group lint", "group test",
    ]  # fmt: skip
    result = compare(project, pdm_home)
    assert len(result.packages) >= 20
    assert result.compared == len(result.packages) * len(labels)
    assert not result.differing, _report(result)


def test_pdm_demo_lock_agrees_with_pdm_export(tmp_path: Path, pdm_home: Path) -> None:
    """The demo project of the pdm generator: two targets, an editable and a path package."""
    from tests.lockgen._index import build_index
    from tests.lockgen._pdm import pdm_lock, write_project
    from tests.lockgen._pdm_groups import compare

    project = tmp_path / "project"
    with pypiserver(build_index(tmp_path / "index")) as index:
        write_project(project, index.url)
        pdm_lock(project, pdm_home)
    result = compare(project, pdm_home)
    assert result.compared >= 30
    assert not result.differing, _report(result)


def test_pdm_corpus_lock_agrees_with_pdm_export(tmp_path: Path, pdm_home: Path) -> None:
    """pdm's own lock (96 packages, 4 extras, 4 dependency groups), with its pyproject.toml."""
    from tests.lockgen._pdm_groups import compare

    project = tmp_path / "pdm"
    shutil.copytree(PDM_CORPUS, project)
    result = compare(project, pdm_home)
    assert len(result.packages) >= 90
    assert result.compared >= 9 * 90
    assert not result.differing, _report(result)


# -- Pipfile.lock ------------------------------------------------------------------------------

PIPENV_LOCKS = {
    # lock: (at least this many packages, the packages in default and develop whose develop
    # marker is wider: cg-action checks the union, pipenv --dev prints the default entry)
    "realworld/pypa+pipenv@3f1b272abd51/Pipfile.lock": (100, {"packaging", "setuptools"}),
    "realworld/pypa+pipenv@3f1b272abd51/examples/Pipfile.lock": (10, set()),
    "realworld/JarryShaw+darc@1c3a3d16dd45/Pipfile.lock": (110, set()),
}


@pytest.fixture(scope="module")
def pipenv_works() -> None:
    if shutil.which("pipenv") is None:
        pytest.skip("pipenv is not installed (it is in the test extra)")


@pytest.mark.parametrize("lock", sorted(PIPENV_LOCKS))
def test_pipfile_corpus_locks_agree_with_pipenv_requirements(
    lock: str, tmp_path: Path, pipenv_works: None
) -> None:
    from tests.lockgen._pipenv_groups import compare, selections

    packages, broader = PIPENV_LOCKS[lock]
    result = compare(CORPUS / lock, tmp_path)
    assert len(result.packages) >= packages
    assert result.compared == len(result.packages) * len(selections(CORPUS / lock))
    assert not result.differing, _report(result)
    assert set(result.broader) == broader


def test_pipfile_sections_and_categories_agree_with_pipenv(
    tmp_path: Path, pipenv_works: None
) -> None:
    """A lock made now by pipenv: default, develop and a custom category, packages in two."""
    from tests.lockgen._pipenv import pipenv_lock
    from tests.lockgen._pipenv_groups import compare, selections, write_groups_pipfile
    from tests.lockgen._uv_markers import build_index

    project = tmp_path / "project"
    with pypiserver(build_index(tmp_path / "index")) as index:
        write_groups_pipfile(project, index.url)
        lock = pipenv_lock(project, tmp_path / "home", index.url)
    assert [label for label, *_ in selections(lock)] == [
        "all", "none", "group dev", "group docs-build",
    ]  # fmt: skip
    result = compare(lock, tmp_path / "work")
    assert len(result.packages) >= 8
    assert not result.differing, _report(result)
    demo = Path(__file__).resolve().parent.parent / "data" / "locks" / "pipfile" / "demo"
    result = compare(demo / "Pipfile.lock", tmp_path / "demo")
    assert result.compared >= 15
    assert not result.differing, _report(result)


# -- poetry.lock -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def poetry_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.lockgen._poetry_groups import export_works

    home = tmp_path_factory.mktemp("poetry-home")
    why = export_works(home)
    if why is not None:
        pytest.skip(f"poetry export cannot run here (poetry-plugin-export, test extra): {why}")
    return home


def test_poetry_groups_and_extras_agree_with_poetry_export(
    tmp_path: Path, poetry_home: Path
) -> None:
    from tests.lockgen._poetry import poetry_lock
    from tests.lockgen._poetry_groups import compare, selections, write_groups_project
    from tests.lockgen._uv_markers import build_index

    project = tmp_path / "project"
    with pypiserver(build_index(tmp_path / "index")) as index:
        write_groups_project(project, index.url)
        lock = poetry_lock(project, poetry_home)
    assert 'lock-version = "2.1"' in lock.read_text()
    labels = [label for label, _, _ in selections(project)]
    assert labels == [
        "all", "none", "extra cli", "extra data", "group dev", "group docs", "group test",
    ]  # fmt: skip
    result = compare(project, poetry_home)
    assert len(result.packages) >= 20
    assert result.compared == len(result.packages) * len(labels)
    assert not result.differing, _report(result)


def test_poetry_lock_2_0_walked_from_pyproject_agrees_with_poetry_export(
    tmp_path: Path, poetry_home: Path
) -> None:
    """The same project locked as Poetry 1.3-1.8 wrote it (lock 2.0: no groups, no markers per
    package): the graph walked from pyproject.toml gives what ``poetry export`` prints, which
    walks it too for such a lock."""
    from tests.lockgen._poetry import poetry_lock
    from tests.lockgen._poetry_groups import as_lock_2_0, compare, selections, write_groups_project
    from tests.lockgen._uv_markers import build_index

    project = tmp_path / "project"
    with pypiserver(build_index(tmp_path / "index")) as index:
        write_groups_project(project, index.url)
        lock = poetry_lock(project, poetry_home)
    chosen = selections(project)  # the groups, read while the lock still names them
    as_lock_2_0(lock)
    text = lock.read_text()
    assert 'lock-version = "2.0"' in text
    assert "groups = " not in text
    result = compare(project, poetry_home, chosen)
    assert len(result.packages) >= 20
    assert result.compared == len(result.packages) * len(chosen)
    assert not result.differing, _report(result)
    # the walk is what narrows: without pyproject.toml beside it the lock narrows nothing
    (project / "pyproject.toml").rename(tmp_path / "pyproject.toml")
    alone = parse_poetry_lock(lock)
    assert all(dependency.marker is None for dependency in alone.dependencies)


@pytest.mark.parametrize(
    ("folder", "packages"),
    [
        ("Textualize+rich@356cec9706aa", 63),  # lock 1.1: categories, no markers per package
        ("huggingface+text-generation-inference@922cc38fbcf6/server", 125),  # lock 2.0, 10 extras
    ],
)
def test_older_corpus_poetry_locks_walked_agree_with_poetry_export(
    tmp_path: Path, poetry_home: Path, folder: str, packages: int
) -> None:
    """Real locks older than 2.1, with their pyproject.toml: the walk agrees with ``poetry
    export`` for every selection (without the walk, 39 of rich's 63 packages and 72 of TGI's
    125 differed)."""
    from tests.lockgen._poetry_groups import compare

    project = tmp_path / "project"
    shutil.copytree(CORPUS / "realworld" / folder, project)
    result = compare(project, poetry_home)
    assert len(result.packages) == packages
    assert result.compared >= 4 * packages
    assert not result.differing, _report(result)


def test_poetry_demo_lock_agrees_with_poetry_export(tmp_path: Path, poetry_home: Path) -> None:
    """The demo project of the Poetry generator: url and directory packages, two groups."""
    from tests.lockgen._pip_compile import make_demo_packages
    from tests.lockgen._poetry import make_demo_project, poetry_lock
    from tests.lockgen._poetry_groups import compare

    project = tmp_path / "project"
    with pypiserver(make_demo_packages(tmp_path / "packages")) as index:
        make_demo_project(project, index.url, tmp_path, with_git=False)
        poetry_lock(project, poetry_home)
    result = compare(project, poetry_home)
    assert result.compared >= 10
    assert not result.differing, _report(result)


def test_poetry_corpus_lock_agrees_with_poetry_export(tmp_path: Path, poetry_home: Path) -> None:
    """Poetry's own lock (lock 2.1: 78 packages, markers per group, 5 groups)."""
    from tests.lockgen._poetry_groups import compare

    project = tmp_path / "poetry"
    shutil.copytree(CORPUS / "realworld" / "python-poetry+poetry@f46702336862", project)
    result = compare(project, poetry_home)
    assert len(result.packages) >= 75
    assert result.compared >= 6 * 75
    assert not result.differing, _report(result)
