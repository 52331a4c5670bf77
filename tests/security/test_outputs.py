"""Hostile pull requests: nothing a repository holds leaks a secret or starts a workflow command.

The file names and contents under test are what a pull request can commit. The CLI runs for
real (in-process through ``main`` and as ``python -m cg_action``) on the real file system.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cg_action._cli import main
from cg_action._urls import redact_text, redact_url, split_credentials

SECRET_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~"
secrets = st.text(SECRET_ALPHABET, min_size=12, max_size=40).filter(
    lambda s: re.search(r"[A-Za-z0-9]{6}", s) is not None
)
users = st.text(SECRET_ALPHABET, min_size=1, max_size=12)
PLACEHOLDER = "SECRETSECRET"  # upper case: generated secrets are checked against it
hosts = st.sampled_from(["libraries.cgr.dev", "h", "pypi.example.com:8443", "10.0.0.1"])
schemes = st.sampled_from(["https", "http", "git+https", "HTTPS"])


def _url_contexts(user: str, secret: str, host: str, scheme: str) -> list[str]:
    encoded = f"{scheme}%3A%2F%2F{user}%3A{secret}%40{host}%2Fsimple%2F"
    return [
        f"{scheme}://{user}:{secret}@{host}/simple/",
        f"--extra-index-url {scheme}://{user}:{secret}@{host}/simple",
        f"extra-index-url = {scheme}://{user}:{secret}@{host}/simple",
        f"extra-index-url={user}:{secret}@{host}/simple",
        f"{user}:{secret}@{host}/simple",
        f"see '{user}:{secret}@{host}'",
        f"{scheme}://{user}:{secret}@ss@{host}/simple/",  # an '@' left unencoded
        f"{scheme}://{user}:{secret}%2Fx%40y@{host}/simple/",  # percent-encoded inside
        f"{scheme}://{secret}@{host}/simple/",  # a token alone
        f"https://h/login?next={encoded}",
        f"https://h/login?next={encoded.replace('%', '%25')}",
        f"pkg @ git+{scheme}://{user}:{secret}@{host}/org/repo.git@v1.0#egg=pkg",
        f'"{scheme}://{user}:{secret}@{host}"',
        f"<{scheme}://{user}:{secret}@{host}/>",
    ]


@settings(max_examples=200, deadline=None)
@given(user=users, secret=secrets, host=hosts, scheme=schemes)
def test_a_generated_secret_never_survives_redact_text(
    user: str, secret: str, host: str, scheme: str
) -> None:
    for template in _url_contexts(user, PLACEHOLDER, host, scheme):
        line = f"cg-action: line 3: {template} is wrong"
        assume(secret not in line)  # the secret is not also a piece of the rest
        redacted = redact_text(line.replace(PLACEHOLDER, secret))
        assert secret not in redacted, (template, redacted)
        assert "is wrong" in redacted


@settings(max_examples=100, deadline=None)
@given(user=users, secret=secrets, host=hosts)
def test_redact_url_drops_user_info_in_any_form(user: str, secret: str, host: str) -> None:
    for template in [
        _url_contexts(user, PLACEHOLDER, host, "https")[0],
        f"https://{user}:{PLACEHOLDER}@ss@{host}/simple/",
        f"https://h/x?next=https%3A%2F%2F{user}%3A{PLACEHOLDER}%40{host}%2F",
    ]:
        assume(secret not in template)
        assert secret not in redact_url(template.replace(PLACEHOLDER, secret))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://u:p@h/x", "https://h/x"),
        ("HTTPS://u:p@h:8/x?y=1#f", "HTTPS://h:8/x?y=1#f"),
        ("//u:p@h/x", "//h/x"),
        # an empty host stays empty: the path is not read as a host once the user-info is gone
        ("https://@//[", "https:////["),
        ("https://u:p@//evil.example/x", "https:////evil.example/x"),
    ],
)
def test_redact_url_cuts_only_the_user_info(url: str, expected: str) -> None:
    assert redact_url(url) == expected
    assert split_credentials(url)[0] == expected


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("pkg @ git+https://github.com/org/repo.git@v1.2#egg=pkg", "github.com/org/repo.git@v1.2"),
        ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
        ("write to me@example.com please", "me@example.com"),
        ("https://libraries.cgr.dev/python/simple/", "https://libraries.cgr.dev/python/simple/"),
        ("requests==2.31.0; python_version >= '3.8'", "requests==2.31.0"),
        ("https://u:p@host/simple/", "https://host/simple/"),
        ("extra-index-url=u:p@host/simple", "extra-index-url=host/simple"),
    ],
)
def test_redact_text_keeps_what_is_not_user_info(text: str, kept: str) -> None:
    assert kept in redact_text(text)


@pytest.mark.parametrize(
    "hostile",
    [
        "a:" * 50_000 + "@",
        "https://" + "a" * 100_000,
        "https://" + "a:" * 50_000,
        "%3A%2F%2F" * 20_000,
        "x" * 100_000 + "@" * 100_000,
        ("https://a@" * 20_000),
        (":" * 50_000) + ("@" * 50_000),
    ],
)
def test_redact_text_is_linear_on_hostile_input(hostile: str) -> None:
    start = time.perf_counter()
    redact_text(hostile)
    assert time.perf_counter() - start < 1.0


def test_a_secret_in_a_committed_file_never_reaches_any_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "s3cr3tT0kenValue42abc"
    (tmp_path / "requirements.txt").write_text(
        "--index-url https://user:" + secret + "@pkgs.example.com/simple\n"
        "--extra-index-url user:" + secret + "@pkgs.example.com/simple\n"
        "foo @ https://u:" + secret + "@h.example/foo-1.0.tar.gz\n"
        "bar ((( https://u:" + secret + "@ss@h.example\n"
        "baz ((( https%3A%2F%2Fu%3A" + secret + "%40h.example\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    for args in (
        ["list"],
        ["list", "--format", "json"],
        [
            "check",
            "--no-fallback",
            "--index-url",
            "http://127.0.0.1:9/simple/",
            "--format",
            "markdown",
        ],
        [
            "check",
            "--no-fallback",
            "--index-url",
            "http://127.0.0.1:9/simple/",
            "--format",
            "sarif",
        ],
        [
            "check",
            "--no-fallback",
            "--index-url",
            "http://127.0.0.1:9/simple/",
            "--format",
            "github",
        ],
        ["rewrite", "--diff"],
        ["rewrite", "--check"],
    ):
        out, err = io.StringIO(), io.StringIO()
        main([*args, str(tmp_path)], env={}, out=out, err=err)
        assert secret not in out.getvalue() + err.getvalue(), args


# --- workflow commands and terminal control --------------------------------------------------

HOSTILE_DIRS = (
    "evil\n::stop-commands::pwned",
    "cr\r::add-mask::masked",
    "legacy ##[add-mask]hidden",
    "esc\x1b]0;title\x07\x1b[2J",
)
ALLOWED_COMMANDS = {"error", "warning", "notice"}


def runner_commands(text: str) -> list[tuple[str, str]]:
    """The (command, rest) pairs a GitHub runner would read in ``text``.

    The runner reads lines ending in CR, LF or CRLF; a line is a command when, with leading
    whitespace trimmed, it starts with ``::name`` followed later by ``::``, or when it holds
    ``##[name]`` anywhere (the legacy syntax).
    """
    found = []
    for line in re.split(r"\r\n|\r|\n", text):
        trimmed = line.lstrip()
        if trimmed.startswith("::") and "::" in trimmed[2:]:
            info = trimmed[2:].split("::", 1)[0]
            found.append((info.split(" ", 1)[0], line))
        elif "##[" in line:
            rest = line.split("##[", 1)[1]
            if "]" in rest:
                found.append((rest.split("]", 1)[0].split(" ", 1)[0], line))
    return found


def hostile_repository(root: Path) -> Path:
    """A repository whose folder names try workflow commands and terminal escapes."""
    for name in HOSTILE_DIRS:
        folder = root / name
        folder.mkdir(parents=True)
        (folder / "requirements.txt").write_text(
            "requests==2.31.0\n--index-url https://pkgs.example.com/simple\n", encoding="utf-8"
        )
        (folder / "requirements-dev.txt").write_text(
            "bad (((\n::add-mask::fromline\n", encoding="utf-8"
        )
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\n'
        'dependencies = ["a ((( \\n::stop-commands::toml \\r::add-mask::t \\u001b[2J"]\n',
        encoding="utf-8",
    )
    return root


def assert_no_forged_command(text: str) -> None:
    for command, line in runner_commands(text):
        assert command in ALLOWED_COMMANDS, line


GITHUB_RUNS = (
    ["list"],
    ["list", "--format", "json"],
    ["check", "--offline", "--no-fallback"],
    ["check", "--offline", "--no-fallback", "--format", "text"],
    ["check", "--offline", "--no-fallback", "--format", "markdown"],
    ["check", "--offline", "--no-fallback", "--format", "sarif"],
    ["-vv", "rewrite", "--diff"],
    ["-vv", "rewrite", "--check"],
    ["-vv", "rewrite"],
    ["check", "--offline", "--format", "nonsense\n::stop-commands::x"],
    ["check", "--offline", "--fail-on", "pwned\n::stop-commands::x"],
)


def github_env(tmp_path: Path) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "RUNNER_TEMP": str(tmp_path),
        "CG_ACTION_CACHE_DIR": str(tmp_path / "cache"),
    }


@pytest.mark.parametrize("args", GITHUB_RUNS, ids=" ".join)
def test_no_line_can_start_a_workflow_command_in_github_actions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(hostile_repository(tmp_path / "repo"))
    out, err = io.StringIO(), io.StringIO()
    code = main([*args, "."], env=github_env(tmp_path), out=out, err=err)
    assert code in (0, 1, 2, 3)
    assert out.getvalue() + err.getvalue()  # something was said
    assert_no_forged_command(out.getvalue())
    assert_no_forged_command(err.getvalue())


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--format", "text"],
        ["check", "--offline", "--no-fallback", "--format", "text"],
        ["rewrite", "--diff"],
        ["rewrite", "--check"],
        ["rewrite"],
    ],
    ids=" ".join,
)
def test_control_characters_are_escaped_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(hostile_repository(tmp_path / "repo"))
    out, err = io.StringIO(), io.StringIO()
    main([*args, "."], env={"CG_ACTION_CACHE_DIR": str(tmp_path / "cache")}, out=out, err=err)
    shown = out.getvalue() + err.getvalue()
    for control in ("\x1b", "\r", "\x07"):
        assert control not in shown
    for line in shown.splitlines():
        assert not line.lstrip().startswith("::"), line
    assert "evil\\n::stop-commands::pwned" in shown  # shown, escaped


def read_outputs(text: str) -> dict[str, str]:
    """``$GITHUB_OUTPUT`` as the runner reads it: ``name=value`` or ``name<<DELIMITER`` blocks."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line:
            i += 1
            continue
        name, heredoc, delimiter = line.partition("<<")
        if heredoc and "=" not in name:
            end = lines.index(delimiter, i + 1)
            values[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        name, _, value = line.partition("=")
        values[name] = value
        i += 1
    return values


def run_module(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": str(cwd), **env}
    return subprocess.run(
        [sys.executable, "-m", "cg_action", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
        timeout=120,
        check=False,
    )


def test_a_real_run_in_github_actions_forges_no_command_and_no_output(tmp_path: Path) -> None:
    root = hostile_repository(tmp_path / "repo")
    env = github_env(tmp_path)
    (tmp_path / "output").write_text("", encoding="utf-8")
    json_file = tmp_path / "r\nfailing=0\nmissing=0\n.json"
    result = run_module(
        ["-vv", "check", "--offline", "--no-fallback", "--json-file", str(json_file), "."],
        root,
        env,
    )
    assert result.returncode in (2, 3), result.stderr
    assert_no_forged_command(result.stdout)
    assert_no_forged_command(result.stderr)
    assert "::error file=evil%0A%3A%3Astop-commands%3A%3Apwned/requirements" in result.stdout
    outputs = read_outputs((tmp_path / "output").read_text(encoding="utf-8"))
    assert outputs["report"] == str(json_file)
    assert outputs["failing"] == "0"
    assert outputs["unknown"] == str(len(HOSTILE_DIRS))  # not overwritten by the path's lines
    assert set(outputs) == {
        "chainguard", "missing", "fallback", "blocked", "locked-upstream", "unknown",
        "not-indexed", "coverage", "checked", "failing", "report",
    }  # fmt: skip
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "`evil ::stop-commands::pwned/requirements.txt:1`" in summary
    assert not any(line.lstrip().startswith("::") for line in summary.splitlines())


def test_a_real_rewrite_in_github_actions_logs_no_command(tmp_path: Path) -> None:
    root = hostile_repository(tmp_path / "repo")
    result = run_module(["-vv", "rewrite", "."], root, github_env(tmp_path))
    assert "rewrote" in result.stdout + result.stderr
    assert "cg-action: INFO: rewrote evil\\n::stop-commands::pwned" in result.stderr
    assert_no_forged_command(result.stdout)
    assert_no_forged_command(result.stderr)


# --- errors nobody mapped ------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--offline", "--index-url", "http://[::1", "."],
        ["check", "--offline", "--fallback-index-url", "http://u:s3cr3tT0kenValue42@[::1", "."],
        ["rewrite", "--index-url", "http://[::1/", "."],
        ["rewrite", "--index-url", "not-a-url", "."],
        ["rewrite", "no-such-folder"],
    ],
    ids=" ".join,
)
def test_bad_input_is_exit_2_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("flask==3.0.0\n")
    (tmp_path / "pip.conf").write_text("[global]\nindex-url = https://pypi.org/simple\n")
    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    code = main(args, env={"CG_ACTION_CACHE_DIR": str(tmp_path / "cache")}, out=out, err=err)
    assert code == 2, err.getvalue()
    assert err.getvalue().startswith("cg-action: error: ")
    assert "s3cr3tT0kenValue42" not in err.getvalue()
    assert (tmp_path / "pip.conf").read_text() == "[global]\nindex-url = https://pypi.org/simple\n"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (RuntimeError("boom at https://u:s3cr3tT0kenValue42@h/x\n::add-mask::zz"), 2),
        (FileNotFoundError(2, "No such file or directory", "evil\n::stop-commands::q"), 2),
        (ConnectionResetError(104, "Connection reset by peer"), 3),
    ],
)
def test_an_error_nobody_mapped_is_one_redacted_line_asking_for_a_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception, code: int
) -> None:
    from cg_action._commands import _list

    def broken(*args: object) -> int:
        raise error

    monkeypatch.setattr(_list, "run", broken)  # stands for any bug in a command
    monkeypatch.chdir(tmp_path)
    for env in ({}, {"GITHUB_ACTIONS": "true"}):
        out, err = io.StringIO(), io.StringIO()
        assert main(["list"], env=env, out=out, err=err) == code
        text = err.getvalue()
        assert text.count("\n") == 1
        assert text.startswith("cg-action: error: ")
        assert "please report" in text
        assert "s3cr3tT0kenValue42" not in text
        assert "Traceback" not in text
        assert_no_forged_command(text)
