"""A pull request's requirements files cannot make the run show or send a credential it holds.

``${VAR}`` is expanded only in URLs and paths, never from a variable that may hold a credential
(``CHAINGUARD_*``, ``GITHUB_*``, ``ACTIONS_*``, ``RUNNER_*``, ``CG_ACTION_*``, or any whose
value is one), and the expanded text is never shown nor sent. Includes never read git's own
files, and a line quoted in a message is a short excerpt with anything credential-like removed.
Every report format, stderr and every request line an index on 127.0.0.1 receives are searched.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from cg_action._cli import main
from cg_action._models import Dependency, SourceFile
from cg_action._sources._requirements import parse_requirements
from cg_action._sources._typed import EXCERPT_LIMIT, excerpt, redact_credentials

TOKEN = "cgtoken-SECRET-1234"
IDENTITY = "org-1234/ident-SECRET-5678"
GITHUB_TOKEN = "ghs-SECRET-github-9012"
SECRETS = (TOKEN, IDENTITY, GITHUB_TOKEN, "ident-SECRET-5678")
FORMATS = ("text", "json", "markdown", "github", "sarif")

HOSTILE_REQUIREMENTS = """\
plain==1.0
${CHAINGUARD_PYTHON_TOKEN}==1.0
${GITHUB_TOKEN}==1.0
${CHAINGUARD_PYTHON_IDENTITY_ID}==1.0
${ALIAS_OF_THE_TOKEN}==2.0
pinned==${ALIAS_OF_THE_TOKEN}
x==1 ; platform_machine=="${CHAINGUARD_PYTHON_TOKEN}"
y==1 ; platform_machine=="${ALIAS_OF_THE_TOKEN}"
https://files.invalid/${CHAINGUARD_PYTHON_TOKEN}-1.0-py3-none-any.whl
https://files.invalid/${ALIAS_OF_THE_TOKEN}-1.0-py3-none-any.whl
https://files.invalid/x.whl#egg=${ALIAS_OF_THE_TOKEN}
./libs/${CHAINGUARD_PYTHON_TOKEN}
./libs/${ALIAS_OF_THE_TOKEN}
-e ./${ALIAS_OF_THE_TOKEN}
-e git+https://${GITHUB_TOKEN}@github.invalid/o/r.git
-r ${CHAINGUARD_PYTHON_TOKEN}.txt
-c ${ALIAS_OF_THE_TOKEN}.txt
-r ${CONTAINS_THE_TOKEN}
-r ${RUNNER_TEMP}/x.txt
-r ${NOT_SET_AT_ALL}/x.txt
pkg @ https://_token:${CHAINGUARD_PYTHON_TOKEN}@files.invalid/pkg-1.0-py3-none-any.whl
--extra-index-url https://_token:${CHAINGUARD_PYTHON_TOKEN}@libraries.invalid/simple
"""


def _environment(tmp_path: Path) -> dict[str, str]:
    return {
        "CHAINGUARD_PYTHON_TOKEN": TOKEN,
        "CHAINGUARD_PYTHON_IDENTITY_ID": IDENTITY,
        "GITHUB_TOKEN": GITHUB_TOKEN,
        "ALIAS_OF_THE_TOKEN": TOKEN,
        "CONTAINS_THE_TOKEN": f"Bearer {TOKEN}",
        "RUNNER_TEMP": str(tmp_path),
        "CG_ACTION_NO_CACHE": "true",
    }


@pytest.fixture
def hostile_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = tmp_path / "repo"
    (repo / "libs").mkdir(parents=True)
    (repo / "requirements.txt").write_text(HOSTILE_REQUIREMENTS)
    # files named by the secret exist: the expansion would find them if it took place
    (repo / f"{TOKEN}.txt").write_text("from-a-token-file==1.0\n")
    (repo / "libs" / TOKEN).mkdir()
    (repo / "libs" / TOKEN / "setup.cfg").write_text("[metadata]\nname = named\n")
    (tmp_path / "x.txt").write_text("from-runner-temp==1.0\n")
    for name, value in _environment(tmp_path).items():
        monkeypatch.setenv(name, value)  # the reader expands from the process environment
    monkeypatch.chdir(repo)
    return repo


@pytest.fixture
def index(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request(re.compile(".*")).respond_with_data("not here", status=404)
    return httpserver


def _request_lines(server: HTTPServer) -> str:
    return "\n".join(f"{request.method} {request.full_path}" for request, _ in server.log)


def _assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text
            assert base64.b64encode(secret.encode()).decode() not in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_expansion_reaches_no_report_and_no_request(
    hostile_repo: Path, index: HTTPServer, tmp_path: Path, fmt: str
) -> None:
    report = tmp_path / f"report.{fmt}"
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            "check",
            str(hostile_repo),
            "--index-url",
            index.url_for("/python/simple/"),
            "--fallback-index-url",
            index.url_for("/pypi/simple/"),
            "--format",
            fmt,
            "--output",
            str(report),
            "--sarif-file",
            str(tmp_path / "also.sarif"),
            "--json-file",
            str(tmp_path / "also.json"),
            "--fail-on",
            "none",
        ],
        env=_environment(tmp_path),
        out=out,
        err=err,
    )
    assert code == 2  # the lines that need a refused variable are input errors
    written = report.read_text()
    assert "plain" in written  # the report was written, with the readable line in it
    requests = _request_lines(index)
    assert "/python/simple/plain/" in requests  # the index was asked
    _assert_no_secret(out.getvalue(), err.getvalue(), written, requests)
    _assert_no_secret((tmp_path / "also.sarif").read_text())
    assert "from-a-token-file" not in written + requests  # the token's file was never read
    assert "from-runner-temp" not in written + requests
    assert "named" not in written  # nor the source tree the token names
    assert "never expands ${CHAINGUARD_PYTHON_TOKEN}" in written
    if fmt != "github":  # annotations stop at ten errors
        assert "${NOT_SET_AT_ALL} is not set" in written
        assert "never expands ${ALIAS_OF_THE_TOKEN}" in written
        assert "never expands ${CONTAINS_THE_TOKEN}" in written


def test_list_json_keeps_urls_as_written(hostile_repo: Path, tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    main(["list", "--format", "json", "."], env=_environment(tmp_path), out=out, err=err)
    _assert_no_secret(out.getvalue(), err.getvalue())
    urls = {d["url"] for d in json.loads(out.getvalue())["dependencies"] if d["url"]}
    assert "https://files.invalid/pkg-1.0-py3-none-any.whl" in urls  # user-info dropped
    assert "git+https://github.invalid/o/r.git" in urls


@pytest.mark.timeout(120)
def test_subprocess_run_shows_no_secret(
    hostile_repo: Path, index: HTTPServer, tmp_path: Path
) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cg_action",
            "check",
            ".",
            "--index-url",
            index.url_for("/python/simple/"),
            "--no-fallback",
            "--format",
            "json",
        ],
        cwd=hostile_repo,
        env={"PATH": os.environ.get("PATH", ""), **_environment(tmp_path)},
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["summary"]["input_errors"] > 0
    _assert_no_secret(result.stdout, result.stderr, _request_lines(index))


# -- the reader: what is expanded, what is not -------------------------------------------------


def _read(
    tmp_path: Path, text: str, environ: dict[str, str], secrets: tuple[str, ...] = ()
) -> SourceFile:
    path = tmp_path / "requirements.txt"
    path.write_text(text)
    return parse_requirements(path, environ=environ, root=tmp_path, secrets=secrets)


def test_names_versions_and_markers_are_never_expanded(tmp_path: Path) -> None:
    environ = {"NAME": "alpha", "VERSION": "1.0", "MACHINE": "x86_64"}
    source = _read(
        tmp_path,
        "${NAME}==1.0\nbeta==${VERSION}\ngamma==1 ; platform_machine == '${MACHINE}'\n",
        environ,
    )
    assert source.dependencies == ()
    assert [p.line for p in source.problems] == [1, 2, 3]
    assert all("only in URLs and paths" in p.message for p in source.problems)


def test_urls_and_paths_are_expanded_to_tell_what_they_are(tmp_path: Path) -> None:
    (tmp_path / "libs" / "inner").mkdir(parents=True)
    (tmp_path / "libs" / "inner" / "pyproject.toml").write_text('[project]\nname = "declared"\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "more.txt").write_text("included==1.0\n")
    environ = {"BASE": "https://files.example", "LIB": "inner", "DIR": "sub"}
    source = _read(
        tmp_path,
        "${BASE}/pkg-1.0-py3-none-any.whl\n./libs/${LIB}\n-r ${DIR}/more.txt\n",
        environ,
    )
    assert source.problems == ()
    by_name: dict[str, Dependency] = {d.name: d for d in source.dependencies}
    assert by_name["pkg"].kind.value == "url"  # the expanded text says it is a URL
    assert by_name["pkg"].url == "${BASE}/pkg-1.0-py3-none-any.whl"  # shown as written
    assert by_name["declared"].url == "./libs/${LIB}"
    assert "included" in by_name


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CHAINGUARD_ANYTHING", "harmless"),
        ("GITHUB_WORKSPACE", "harmless"),
        ("ACTIONS_RUNTIME_URL", "harmless"),
        ("RUNNER_TEMP", "harmless"),
        ("CG_ACTION_PASSWORD", "harmless"),
        ("SAME_AS_A_SECRET", "given-secret-value"),
        ("HOLDS_A_SECRET", "Bearer given-secret-value"),
        ("SAME_AS_THE_TOKEN", TOKEN),
        ("SAME_AS_URL_PASSWORD", "url-password-value"),
    ],
)
def test_variables_that_may_hold_credentials_are_refused(
    tmp_path: Path, name: str, value: str
) -> None:
    (tmp_path / "harmless").mkdir()
    (tmp_path / "harmless" / "x.txt").write_text("leaked==1.0\n")
    environ = {
        name: value,
        "CHAINGUARD_PYTHON_TOKEN": TOKEN,
        "CG_ACTION_INDEX_URL": "https://user:url-password-value@index.example/simple",
    }
    source = _read(tmp_path, f"-r ${{{name}}}/x.txt\n", environ, ("given-secret-value",))
    assert source.dependencies == ()
    (problem,) = source.problems
    assert f"never expands ${{{name}}}" in problem.message
    assert value not in problem.message or value == "harmless"


def test_an_unset_variable_is_named_as_unset(tmp_path: Path) -> None:
    source = _read(tmp_path, "-r ${NOT_SET}/x.txt\n./libs/${ALSO_NOT_SET}\n", {"EMPTY": ""})
    messages = [p.message for p in source.problems]
    assert "${NOT_SET} is not set" in messages[0]
    assert "${ALSO_NOT_SET} is not set" in messages[1]


# -- includes of git's own files ---------------------------------------------------------------


BASIC = base64.b64encode(f"x-access-token:{GITHUB_TOKEN}".encode()).decode()
GIT_CONFIG = f"""\
[core]
\trepositoryformatversion = 0
[remote "origin"]
\turl = https://github.com/o/r
[http "https://github.com/"]
\textraheader = AUTHORIZATION: basic {BASIC}
"""


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".git" / "config").write_text(GIT_CONFIG)
    (repo / "sub" / ".git").mkdir(parents=True)
    (repo / "sub" / ".git" / "x.txt").write_text("hidden==1.0\n")
    monkeypatch.chdir(repo)
    return repo


@pytest.mark.parametrize(
    "line",
    [
        "-r .git/config",
        "-c .git/config",
        "--requirement=./.git/config",
        "-r sub/../.git/config",
        "-r sub/.git/x.txt",
        "-r linked.txt",
    ],
)
def test_includes_never_read_git_files(checkout: Path, line: str) -> None:
    (checkout / "linked.txt").symlink_to(".git/config")
    (checkout / "requirements.txt").write_text(f"{line}\nplain==1.0\n")
    out, err = io.StringIO(), io.StringIO()
    code = main(["list", "--format", "json", "."], env={}, out=out, err=err)
    assert code == 2
    assert ".git folder" in err.getvalue()
    for text in (out.getvalue(), err.getvalue()):
        assert "extraheader" not in text
        assert "repositoryformatversion" not in text
        assert "hidden" not in text
    _assert_no_secret(out.getvalue(), err.getvalue())


def test_a_link_to_git_config_is_not_read(checkout: Path) -> None:
    (checkout / "requirements.txt").symlink_to(".git/config")
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", "--offline", "--format", "json", "."], env={}, out=out, err=err)
    assert code == 2
    assert "extraheader" not in out.getvalue() + err.getvalue()
    _assert_no_secret(out.getvalue(), err.getvalue())


# -- what messages quote -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "extra-index-url https://u:TOKEN-VALUE-1@h/simple",
        "extra-index-url u:TOKEN-VALUE-1@h/simple",
        "u:TOKEN-VALUE-1@h/simple",
        "extraheader = AUTHORIZATION: basic TOKEN-VALUE-1",
        "Authorization: Bearer TOKEN-VALUE-1",
        "token=TOKEN-VALUE-1",
        "password: TOKEN-VALUE-1",
        "api_key = TOKEN-VALUE-1",
        "x = bearer TOKEN-VALUE-1",
        "index-url https://TOKEN-VALUE-1@h/simple",
        "key " + base64.b64encode(b"TOKEN-VALUE-1 and more to be long").decode(),
    ],
)
def test_credential_like_text_is_redacted_from_every_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str
) -> None:
    (tmp_path / "requirements.txt").write_text(f"{line}\nplain==1.0\n")
    monkeypatch.chdir(tmp_path)
    env = {"CG_ACTION_CACHE_DIR": str(tmp_path / "cache"), "CG_ACTION_NETWORK_ERRORS": "warn"}
    for fmt in FORMATS:
        report = tmp_path / f"report.{fmt}"
        out, err = io.StringIO(), io.StringIO()
        command = ["check", "--offline", "--format", fmt, "--output", str(report), "."]
        assert main(command, env=env, out=out, err=err) in (0, 2)  # a path need not exist
        text = out.getvalue() + err.getvalue() + report.read_text()
        assert "TOKEN-VALUE-1" not in text
        assert "VE9LRU4tVkFMVUUtMSBhbmQ" not in text  # its base64
        assert "requirements.txt" in text


def test_option_without_dashes_is_a_problem_not_a_path(tmp_path: Path) -> None:
    source = _read(tmp_path, "extra-index-url https://u:TOKEN-VALUE-1@h/simple\n", {})
    assert source.dependencies == ()
    (problem,) = source.problems
    assert "--extra-index-url" in problem.message
    assert "TOKEN-VALUE-1" not in problem.message


def test_a_long_line_is_quoted_as_a_short_excerpt(tmp_path: Path) -> None:
    line = "not a requirement " + "x" * 500
    source = _read(tmp_path, line + "\n", {})
    (problem,) = source.problems
    quoted = re.search(r"'([^']*)'", problem.message)
    assert quoted is not None
    assert len(quoted.group(1)) <= EXCERPT_LIMIT
    assert "x" * 100 not in problem.message


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("alpha==1.0 ; python_version < '3.12'", "alpha==1.0 ; python_version < '3.12'"),
        ("azure-mgmt-containerservice==1.0", "azure-mgmt-containerservice==1.0"),
        ("tokenizers==0.15", "tokenizers==0.15"),
        ("pkg @ https://files.example/pkg-2.0.whl", "pkg @ https://files.example/pkg-2.0.whl"),
        ("https://u:p@h/x", "https://<redacted>@h/x"),
        ("u:p@h/x", "<redacted>@h/x"),
        ("Authorization: basic abc", "Authorization: <redacted>"),
        ("token: abc", "token: <redacted>"),
        ("ghp_abcdef1234567890abcdef1234567890abcd", "<redacted>"),
    ],
)
def test_redaction_keeps_requirements_and_drops_credentials(text: str, kept: str) -> None:
    assert redact_credentials(text) == kept


def test_excerpt_redacts_a_credential_that_a_cut_would_split() -> None:
    text = "x" * 50 + " https://user:" + "p" * 30 + "@host/simple"
    assert "ppp" not in excerpt(text)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "pyproject.toml",
            '[project]\nname = "p"\nversion = "1"\n'
            'dependencies = ["x ; {junk} token=TOKEN-VALUE-1 u:TOKEN-VALUE-1@h"]\n',
        ),
        (
            "Pipfile",
            '[packages]\nx = {{ version = "*", markers = "{junk} token=TOKEN-VALUE-1" }}\n',
        ),
        ("Pipfile", '[packages]\nx = "{junk} password: TOKEN-VALUE-1"\n'),
    ],
)
def test_other_formats_quote_short_redacted_excerpts(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text.format(junk="j" * 3000))
    out, err = io.StringIO(), io.StringIO()
    assert main(["list", str(path)], env={}, out=out, err=err) == 2
    message = err.getvalue()
    assert name in message
    assert "TOKEN-VALUE-1" not in out.getvalue() + message
    assert "j" * 200 not in message
