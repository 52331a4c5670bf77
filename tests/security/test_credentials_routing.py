"""Where credentials go: never where the repository (its policy file) points, never over plain http.

Credentials from the environment (CHAINGUARD_PYTHON_IDENTITY_ID/TOKEN, --username/--password)
and from .netrc go to the Chainguard host, or to an index URL the user gave on the command line
or in CG_ACTION_INDEX_URL (the Action's input), and never over plain http to another machine. An
index a pull request chose in ``.cg-action.toml`` or ``[tool.cg-action]`` is still asked, without
them, and the run says so in one line. Index URLs without an http(s) scheme, or with a port out
of range, are usage errors whose message does not repeat the credential.

Servers on 127.0.0.1 record every request's headers; ``check`` runs through ``main`` and once
as a process.
"""

from __future__ import annotations

import argparse
import base64
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from cg_action._cli import main
from tests.security._hostile_servers import PAGE_WHEEL, hostile_server

USER = "org-1234/pull-token"
TOKEN = "fake-token-routing-5e1f3c"
ENV = {"CHAINGUARD_PYTHON_IDENTITY_ID": USER, "CHAINGUARD_PYTHON_TOKEN": TOKEN}
AUTH = "Basic " + base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()
PAGE = f'<html><body><a href="/files/{PAGE_WHEEL}">{PAGE_WHEEL}</a></body></html>'


def _recording_index() -> HTTPServer:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.no_handler_status_code = 404
    server.expect_request("/simple/flask/").respond_with_data(PAGE, content_type="text/html")
    server.start()
    return server


@pytest.fixture
def users_index() -> Iterator[HTTPServer]:
    """The index the user chose (command line, environment)."""
    server = _recording_index()
    try:
        yield server
    finally:
        server.clear()
        server.stop()


@pytest.fixture
def repos_index() -> Iterator[HTTPServer]:
    """The index a pull request wrote into the policy file."""
    server = _recording_index()
    try:
        yield server
    finally:
        server.clear()
        server.stop()


def authorizations(server: HTTPServer) -> list[str | None]:
    return [request.headers.get("Authorization") for request, _response in server.log]


def project(tmp_path: Path, policy: str = "", *, where: str = ".cg-action.toml") -> Path:
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / "requirements.txt").write_text("flask==3.0.2\n")
    if policy:
        if where == "pyproject.toml":
            policy = f'[project]\nname = "x"\nversion = "1"\n\n[tool.cg-action]\n{policy}'
        (folder / where).write_text(policy)
    return folder


def check(folder: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    cache = [] if "--offline" in args else ["--no-cache"]
    code = main(
        ["check", str(folder), "--root", str(folder), *cache, *args],
        env={"CG_ACTION_NO_NETRC": "true", **ENV, **(env or {})},
        out=out,
        err=err,
    )
    return code, out.getvalue(), err.getvalue()


def withheld_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "withheld" in r.getMessage()]


@pytest.mark.parametrize("where", [".cg-action.toml", "pyproject.toml"])
def test_an_index_the_policy_file_chooses_gets_no_credentials(
    tmp_path: Path,
    repos_index: HTTPServer,
    caplog: pytest.LogCaptureFixture,
    where: str,
) -> None:
    url = repos_index.url_for("/simple/")
    folder = project(tmp_path, f'index-url = "{url}"\n', where=where)
    with caplog.at_level(logging.WARNING):
        code, out, err = check(folder, "--no-fallback")
    assert code == 0, err
    assert authorizations(repos_index) == [None]  # asked, and without credentials
    (warning,) = withheld_warnings(caplog)
    assert "--index-url" in warning
    assert "CG_ACTION_INDEX_URL" in warning
    assert TOKEN not in out + err + caplog.text


def test_a_fallback_the_policy_file_chooses_gets_no_netrc_credentials(
    tmp_path: Path,
    users_index: HTTPServer,
    repos_index: HTTPServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # the two servers share the host 127.0.0.1: one netrc entry would serve both
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {USER} password {TOKEN}\n")
    netrc.chmod(0o600)
    users_index.clear()
    users_index.expect_request("/simple/flask/").respond_with_data("no", status=404)
    folder = project(tmp_path, f'fallback-index-url = "{repos_index.url_for("/simple/")}"\n')
    with caplog.at_level(logging.WARNING):
        code, out, err = check(
            folder,
            "--index-url",
            users_index.url_for("/simple/"),
            env={
                "CG_ACTION_NO_NETRC": "false",
                "NETRC": str(netrc),
                "CHAINGUARD_PYTHON_IDENTITY_ID": "",
                "CHAINGUARD_PYTHON_TOKEN": "",
            },
        )
    assert authorizations(users_index) == [AUTH]  # the user's index: the netrc entry
    assert authorizations(repos_index) == [None]  # the repository's fallback: nothing
    (warning,) = withheld_warnings(caplog)
    assert "--fallback-index-url" in warning
    assert code == 0, err  # flask comes from the fallback, which fails no run by default
    assert TOKEN not in out + err + caplog.text


@pytest.mark.parametrize("how", ["option", "environment"])
def test_an_index_the_user_gives_gets_the_credentials(
    tmp_path: Path,
    users_index: HTTPServer,
    repos_index: HTTPServer,
    caplog: pytest.LogCaptureFixture,
    how: str,
) -> None:
    folder = project(tmp_path, f'index-url = "{repos_index.url_for("/simple/")}"\n')
    url = users_index.url_for("/simple/")
    args = ["--index-url", url] if how == "option" else []
    env = {"CG_ACTION_INDEX_URL": url} if how == "environment" else {}
    with caplog.at_level(logging.WARNING):
        code, _out, err = check(folder, "--no-fallback", *args, env=env)
    assert code == 0, err
    assert authorizations(users_index) == [AUTH]
    assert not repos_index.log  # the user's choice wins over the repository's
    assert not withheld_warnings(caplog)


def _settings_for(policy_url: str, argv: list[str]) -> argparse.Namespace:
    """What ``check`` builds its indexes from: parsed options, then the policy's index-url."""
    from cg_action._commands import _check

    parser = argparse.ArgumentParser()
    _check.configure(parser, ENV)
    args = parser.parse_args(argv)
    args.index_url = args.index_url or policy_url  # as check fills it from the policy
    return args


@pytest.mark.parametrize(
    ("policy_url", "trusted"),
    [
        ("https://libraries.cgr.dev/python-remediated/simple/", True),
        ("https://libraries.cgr.dev/cu126/simple/", True),
        ("https://libraries.cgr.dev.attacker.example/simple/", False),
        ("https://attacker.example/libraries.cgr.dev/python/simple/", False),
        ("http://libraries.cgr.dev/python/simple/", False),  # plain http: never
    ],
)
def test_the_chainguard_host_is_the_one_repository_choice_that_gets_credentials(
    policy_url: str, trusted: bool
) -> None:
    from cg_action._commands._options import index_config_from
    from cg_action._index._auth import resolve_credentials

    index = index_config_from(_settings_for(policy_url, []), {**ENV, "CG_ACTION_NO_NETRC": "1"})
    credentials = resolve_credentials(index)
    assert (credentials is not None) is trusted
    if trusted:
        assert credentials is not None
        assert credentials.password == TOKEN


def test_plain_http_to_another_machine_never_carries_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # the request for a host name that is not this machine goes through a recording proxy
    folder = project(tmp_path)
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    with hostile_server("page") as proxy:
        monkeypatch.setenv("http_proxy", proxy.url)
        with caplog.at_level(logging.WARNING):
            code, out, err = check(
                folder, "--index-url", "http://mirror.example.invalid/simple/", "--no-fallback"
            )
        (request,) = proxy.requests
    target, headers = request
    assert target == "http://mirror.example.invalid/simple/flask/"
    assert "authorization" not in headers
    assert code == 0, err
    (warning,) = withheld_warnings(caplog)
    assert "https" in warning
    assert TOKEN not in out + err + caplog.text


def test_a_process_run_says_once_that_credentials_were_withheld(
    tmp_path: Path, repos_index: HTTPServer
) -> None:
    folder = project(tmp_path, f'index-url = "{repos_index.url_for("/simple/")}"\n')
    result = subprocess.run(
        [sys.executable, "-m", "cg_action", "check", ".", "--no-fallback", "--no-cache"],
        cwd=folder,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), **ENV},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "withheld" in line]
    assert len(lines) == 1, result.stderr
    assert "--index-url" in lines[0]
    assert TOKEN not in result.stdout + result.stderr
    assert authorizations(repos_index) == [None]


# -- index URLs that are not http(s) URLs ---------------------------------------------------------

IN_URL = USER.replace("/", "%2F")  # a username with a "/" is percent-encoded in a URL
BAD_URLS = [
    f"{USER.replace('/', '_')}:{TOKEN}@libraries.cgr.dev/python/simple/",  # no scheme
    f"libraries.cgr.dev/python/simple/?token={TOKEN}",
    f"ftp://{IN_URL}:{TOKEN}@mirror.example/simple/",
    f"https://{IN_URL}:{TOKEN}@:443/simple/",  # no host
    f"https://{IN_URL}:{TOKEN}@mirror.example:99999/simple/",
    f"https://{IN_URL}:{TOKEN}@mirror.example:0/simple/",
    f"https://{IN_URL}:{TOKEN}@mirror.example:port/simple/",
]


@pytest.mark.parametrize("url", BAD_URLS)
@pytest.mark.parametrize(
    "where", ["--index-url", "CG_ACTION_INDEX_URL", "--fallback-index-url", "policy", "pyproject"]
)
def test_an_index_url_that_is_not_http_is_a_usage_error_that_keeps_the_secret(
    tmp_path: Path, url: str, where: str
) -> None:
    args: list[str] = ["--offline", "--cache-dir", str(tmp_path / "cache")]
    env: dict[str, str] = {}
    policy = ""
    if where.startswith("--"):
        args += [where, url]
    elif where == "CG_ACTION_INDEX_URL":
        env[where] = url
    else:
        key = "fallback-index-url" if where == "pyproject" else "index-url"
        policy = f'{key} = "{url}"\n'
    folder = project(
        tmp_path, policy, where="pyproject.toml" if where == "pyproject" else ".cg-action.toml"
    )
    code, out, err = check(folder, *args, env=env)
    assert code == 2, (out, err)
    assert "index" in err.lower()
    assert TOKEN not in out + err
    assert "Traceback" not in err
