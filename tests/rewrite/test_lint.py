"""The configuration traps: each code on a small file, secrets never repeated, the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from cg_action._rewrite._interface import RewriteOptions
from cg_action._rewrite._lint import lint_paths

SECRET = "fake-token-0123456789abcdef"


def codes(
    tmp_path: Path, name: str, text: str, *, fallback: bool | None = None
) -> list[tuple[str, int | None]]:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    findings = lint_paths([path], options=RewriteOptions(fallback=fallback))
    return [(f.code, f.location.line) for f in findings]


def test_pypi_index_url_in_requirements_names_file_line_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("# deps\n--index-url https://pypi.org/simple\nflask==3.0.2\n")
    (finding,) = lint_paths([path])
    assert finding.code == "pypi-index-url"
    assert f"{path}:2" in finding.message
    # the fix is the hint, said once (not in the message too)
    assert "cg-action rewrite" in finding.hint
    assert "cg-action rewrite" not in finding.message
    assert str(finding).startswith(f"{path}:2: pypi-index-url: ")


def test_chainguard_as_extra_index_in_requirements(tmp_path: Path) -> None:
    text = "-i https://pypi.org/simple\n--extra-index-url https://libraries.cgr.dev/python/simple\n"
    assert codes(tmp_path, "requirements.txt", text) == [
        ("pypi-index-url", 1),
        ("chainguard-as-extra", 2),
    ]


def test_chainguard_as_extra_index_in_pip_conf(tmp_path: Path) -> None:
    text = "[global]\nextra-index-url =\n    https://libraries.cgr.dev/python/simple/\n"
    assert codes(tmp_path, "pip.conf", text) == [("chainguard-as-extra", 2)]
    good = "[global]\nindex-url = https://libraries.cgr.dev/python/simple/\n"
    assert codes(tmp_path, "ok/pip.conf", good) == []


def test_credentials_are_reported_without_the_secret(tmp_path: Path) -> None:
    text = (
        "[global]\n"
        f"index-url = https://id%2Fuser:{SECRET}@libraries.cgr.dev/python/simple/\n"
        "extra-index-url = https://${USER}:${TOKEN}@private.example.com/simple/\n"
    )
    path = tmp_path / "pip.conf"
    path.write_text(text)
    findings = lint_paths([path])
    assert [(f.code, f.location.line) for f in findings] == [("credentials-in-url", 2)]
    shown = f"{findings[0]} {findings[0].hint}"
    assert SECRET not in shown
    assert "id%2Fuser" not in shown
    assert "https://libraries.cgr.dev/python/simple/" in shown


def test_git_login_names_are_not_credentials(tmp_path: Path) -> None:
    text = "git+ssh://git@github.com/o/r.git#egg=r\ngit+https://git@bitbucket.org/o/r.git\n"
    assert codes(tmp_path, "requirements.txt", text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Chainguard listed, PyPI the implicit default
        (
            '[[tool.uv.index]]\nname = "cgr"\nurl = "https://libraries.cgr.dev/python/simple"\n',
            [("uv-chainguard-not-default", 1)],
        ),
        # the layout that looks right but is not: uv asks the default index last
        (
            '[[tool.uv.index]]\nname = "chainguard"\n'
            'url = "https://libraries.cgr.dev/python/simple/"\ndefault = true\n\n'
            '[[tool.uv.index]]\nname = "pypi"\nurl = "https://pypi.org/simple/"\n',
            [("pypi-before-chainguard", 6)],
        ),
        # PyPI listed first
        (
            '[[tool.uv.index]]\nname = "pypi"\nurl = "https://pypi.org/simple/"\n\n'
            '[[tool.uv.index]]\nname = "chainguard"\n'
            'url = "https://libraries.cgr.dev/python/simple/"\ndefault = true\n',
            [("pypi-before-chainguard", 1)],
        ),
        # what rewrite writes with a fallback: Chainguard first, PyPI the explicit default
        (
            '[[tool.uv.index]]\nname = "chainguard"\n'
            'url = "https://libraries.cgr.dev/python/simple/"\nauthenticate = "always"\n\n'
            '[[tool.uv.index]]\nname = "pypi"\nurl = "https://pypi.org/simple/"\n'
            "default = true\n",
            [],
        ),
    ],
)
def test_uv_traps(tmp_path: Path, text: str, expected: list[tuple[str, int]]) -> None:
    assert codes(tmp_path, "pyproject.toml", text) == expected


def test_uv_toml_is_linted_too(tmp_path: Path) -> None:
    text = '[[index]]\nname = "cgr"\nurl = "https://libraries.cgr.dev/python/simple"\n'
    assert codes(tmp_path, "uv.toml", text) == [("uv-chainguard-not-default", 1)]


def test_poetry_without_pypi_only_when_a_fallback_is_intended(tmp_path: Path) -> None:
    text = (
        '[[tool.poetry.source]]\nname = "chainguard"\n'
        'url = "https://libraries.cgr.dev/python/simple/"\npriority = "primary"\n'
    )
    # the trap is only a trap when a fallback is asked for (--fallback); by default a
    # Chainguard-only configuration is what the user chose
    assert codes(tmp_path, "pyproject.toml", text, fallback=True) == [
        ("poetry-no-supplemental-pypi", 1)
    ]
    assert codes(tmp_path, "b/pyproject.toml", text, fallback=False) == []
    assert codes(tmp_path, "c/pyproject.toml", text) == []


def test_poetry_pypi_primary_before_chainguard(tmp_path: Path) -> None:
    text = (
        '[[tool.poetry.source]]\nname = "PyPI"\npriority = "primary"\n\n'
        '[[tool.poetry.source]]\nname = "chainguard"\n'
        'url = "https://libraries.cgr.dev/python/simple/"\npriority = "primary"\n'
    )
    assert codes(tmp_path, "pyproject.toml", text) == [("pypi-before-chainguard", 1)]


def test_pdm_and_pipfile_order(tmp_path: Path) -> None:
    pdm = (
        '[[tool.pdm.source]]\nname = "pypi"\nurl = "https://pypi.org/simple"\n\n'
        '[[tool.pdm.source]]\nname = "chainguard"\n'
        'url = "https://libraries.cgr.dev/python/simple/"\n'
    )
    assert codes(tmp_path, "pyproject.toml", pdm) == [("pypi-before-chainguard", 1)]
    pipfile = (
        '[[source]]\nname = "pypi"\nurl = "https://pypi.org/simple"\nverify_ssl = true\n\n'
        '[[source]]\nname = "chainguard"\nurl = "https://libraries.cgr.dev/python/simple/"\n'
    )
    assert codes(tmp_path, "Pipfile", pipfile) == [("pypi-before-chainguard", 1)]


def test_chainguard_demo_configurations(corpus_dir: Path) -> None:
    configs = corpus_dir / "chainguard/cs-workshop/chainguard-libraries/assemble-2026/configs"
    without_default = lint_paths([configs / "pyproject.chainguard.toml"])
    assert [f.code for f in without_default] == ["uv-chainguard-not-default"]
    assert without_default[0].location.line == 34  # the second [[tool.uv.index]]
    assert lint_paths([configs / "pyproject.chainguard-default.toml"]) == []


def test_corpus_findings(corpus_dir: Path) -> None:
    findings = lint_paths([corpus_dir])
    by_code = {(f.location.path.name, f.code) for f in findings}
    assert ("pipfile-requirements-tests.txt", "pypi-index-url") in by_code
    assert ("requirementslib-tests.txt", "credentials-in-url") in by_code
    for finding in findings:
        assert "@" not in finding.message.split("://", 1)[-1].split()[0]
