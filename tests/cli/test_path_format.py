"""``PATH:FORMAT``: a file whose name cg-action does not know is read when its format is named.

End to end through ``main`` for ``list``, ``check``, ``rewrite`` and ``update-hashes``, against
an index on 127.0.0.1; and the cases a colon must not be taken for a format (a Windows drive,
a path that exists as written, a word that is no format).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cg_action._cli import main
from cg_action._formats_table import FORMAT_NAMES, PathWithFormat, given_path, split_format
from tests._wheels import make_wheel, sha256_file
from tests.rewrite._json_index import JsonIndex, json_index


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), env=env or {}, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    (root / "deps").mkdir(parents=True)
    (root / "deps" / "prod.lst").write_text("alpha==1.0\nbeta==2.0\n")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def index(tmp_path: Path) -> Iterator[JsonIndex]:
    served = tmp_path / "served"
    make_wheel(served, "alpha", "1.0", flavour="rebuilt")
    with json_index(served) as running:
        yield running


# -- list --------------------------------------------------------------------------------------


def test_list_reads_a_file_named_with_its_format(project: Path) -> None:
    code, out, err = run("list", "--format", "json", "deps/prod.lst:requirements")
    assert code == 0, err
    report = json.loads(out)
    assert [d["name"] for d in report["dependencies"]] == ["alpha", "beta"]
    assert [f["path"] for f in report["files"]] == ["deps/prod.lst"]


def test_without_its_format_the_file_is_refused_with_the_fix(project: Path) -> None:
    code, _, err = run("list", "deps/prod.lst")
    assert code == 2
    assert "deps/prod.lst: not a file cg-action knows by its name" in err
    assert "deps/prod.lst:FORMAT" in err
    assert "requirements" in err
    assert "pip-conf" not in err  # list reads no configuration file


def test_the_format_may_come_from_cg_action_paths(project: Path) -> None:
    code, out, err = run(
        "list", "--format", "json", env={"CG_ACTION_PATHS": "deps/prod.lst:requirements"}
    )
    assert code == 0, err
    assert len(json.loads(out)["dependencies"]) == 2


def test_a_format_overrides_the_name(project: Path) -> None:
    (project / "requirements.txt").write_text(
        '[project]\nname = "p"\nversion = "1"\ndependencies = ["gamma==3.0"]\n'
    )
    code, out, err = run("list", "--format", "json", "requirements.txt:pyproject")
    assert code == 0, err
    assert [d["name"] for d in json.loads(out)["dependencies"]] == ["gamma"]


def test_a_misspelled_format_is_a_missing_file_that_names_the_formats(project: Path) -> None:
    code, _, err = run("list", "deps/prod.lst:requirments")
    assert code == 2
    assert "deps/prod.lst:requirments: no such file or directory" in err
    assert "a format after a colon is one of requirements" in err


def test_a_format_names_a_file_not_a_folder(project: Path) -> None:
    for command in ("list", "rewrite"):
        code, _, err = run(command, "deps:requirements")
        assert code == 2, command
        assert "deps: a folder" in err


def test_a_configuration_format_is_not_read_for_dependencies(project: Path) -> None:
    (project / "settings.cfg").write_text("[global]\nindex-url = https://pypi.org/simple\n")
    code, _, err = run("list", "settings.cfg:pip-conf")
    assert code == 2
    assert "settings.cfg: a pip-conf file holds index configuration" in err


def test_a_path_that_exists_as_written_is_never_split(project: Path) -> None:
    odd = project / "reqs:requirements"  # a folder whose name ends like a format
    odd.mkdir()
    (odd / "requirements.txt").write_text("delta==4.0\n")
    code, out, err = run("list", "--format", "json", "reqs:requirements")
    assert code == 0, err
    assert [d["name"] for d in json.loads(out)["dependencies"]] == ["delta"]


# -- check -------------------------------------------------------------------------------------


def test_check_reads_a_file_named_with_its_format(project: Path, index: JsonIndex) -> None:
    code, out, err = run(
        "check",
        "deps/prod.lst:requirements",
        *("--index-url", index.url, "--no-fallback", "--no-cache", "--no-netrc"),
        *("--format", "json"),
    )
    report = json.loads(out)
    statuses = {r["name"]: r["status"] for r in report["results"]}
    assert statuses["alpha"] == "chainguard", err
    assert statuses["beta"] == "missing"
    assert code == 1  # beta is missing
    assert [f["path"] for f in report["files"]] == ["deps/prod.lst"]


# -- rewrite -----------------------------------------------------------------------------------


def test_rewrite_edits_a_pip_configuration_and_requirements_named_with_their_formats(
    project: Path,
) -> None:
    settings = project / "ci" / "pip-settings.cfg"
    settings.parent.mkdir()
    settings.write_text("[global]\nindex-url = https://pypi.org/simple\n")
    listed = project / "deps" / "extra.lst"
    listed.write_text("--index-url https://pypi.org/simple\ngamma==3.0\n")
    code, out, err = run(
        "rewrite", "ci/pip-settings.cfg:pip-conf", "deps/extra.lst:requirements", "--no-fallback"
    )
    assert code == 0, err
    assert "rewrote ci/pip-settings.cfg" in out
    assert "rewrote deps/extra.lst" in out
    assert "libraries.cgr.dev/python/simple" in settings.read_text()
    assert "pypi.org" not in listed.read_text()
    assert "gamma==3.0" in listed.read_text()


def test_rewrite_refuses_a_named_file_it_does_not_know(project: Path) -> None:
    (project / "settings.cfg").write_text("[global]\nindex-url = https://pypi.org/simple\n")
    code, _, err = run("rewrite", "--check", "settings.cfg")
    assert code == 2
    assert "settings.cfg:FORMAT" in err
    assert "pip-conf" in err


# -- update-hashes -----------------------------------------------------------------------------


def test_update_hashes_rewrites_digests_in_files_named_with_their_formats(
    project: Path, index: JsonIndex, tmp_path: Path
) -> None:
    upstream = make_wheel(tmp_path / "upstream", "alpha", "1.0", flavour="upstream")
    old = sha256_file(upstream)
    new = sha256_file(index.root / upstream.name)
    assert old != new
    (project / "deps" / "hashed.lst").write_text(f"alpha==1.0 --hash=sha256:{old}\n")
    lock = project / "locks" / "prod.lock"
    lock.parent.mkdir()
    lock.write_text(
        '[[package]]\nname = "alpha"\nversion = "1.0"\ndescription = ""\noptional = false\n'
        'python-versions = "*"\nfiles = [\n'
        f'    {{file = "{upstream.name}", hash = "sha256:{old}"}},\n]\n\n'
        '[metadata]\nlock-version = "2.1"\npython-versions = ">=3.10"\ncontent-hash = "x"\n'
    )
    code, out, err = run(
        "update-hashes",
        "deps/hashed.lst:requirements",
        "locks/prod.lock:poetry-lock",
        *("--index-url", index.url, "--no-cache", "--no-netrc"),
    )
    assert code == 0, err
    assert "updated deps/hashed.lst" in out
    assert "updated locks/prod.lock" in out
    assert new in (project / "deps" / "hashed.lst").read_text()
    assert new in lock.read_text()
    assert old not in lock.read_text()


def test_update_hashes_refuses_a_named_file_it_does_not_know(project: Path) -> None:
    code, _, err = run("update-hashes", "deps/prod.lst", "--no-cache")
    assert code == 2
    assert "deps/prod.lst:FORMAT" in err


# -- what a colon means ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path", "kind"),
    [
        ("deps/prod.lst:requirements", "deps/prod.lst", "requirements"),
        ("deps/prod.lst:Requirements", "deps/prod.lst", "requirements"),
        ("deps/prod.lst:pip-compile", "deps/prod.lst", "requirements"),
        ("locks/a.lock:uv-lock", "locks/a.lock", "uv-lock"),
        ("a:b:poetry-lock", "a:b", "poetry-lock"),
        ("D:\\deps\\prod.lst:requirements", "D:\\deps\\prod.lst", "requirements"),
        ("C:\\x", "C:\\x", None),
        ("C:requirements", "C:requirements", None),
        ("deps/prod.lst:requirments", "deps/prod.lst:requirments", None),
        (":requirements", ":requirements", None),
        ("requirements.txt:", "requirements.txt:", None),
        ("requirements.txt", "requirements.txt", None),
        ("http://host/x", "http://host/x", None),
    ],
)
def test_a_suffix_is_a_format_only_when_it_names_one(
    text: str, path: str, kind: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # none of these exists here
    found_path, found_kind = split_format(text)
    assert found_path == path
    assert (found_kind.name if found_kind else None) == kind
    given = given_path(text)
    assert isinstance(given, PathWithFormat) == (kind is not None)
    assert str(given) == str(Path(path))


def test_every_format_name_is_understood() -> None:
    for name in FORMAT_NAMES:
        _, kind = split_format(f"x.lst:{name}")
        assert kind is not None, name
