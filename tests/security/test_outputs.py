"""Hostile pull requests: nothing a repository holds leaks a secret or starts a workflow command.

The file names and contents under test are what a pull request can commit. The CLI runs for
real (in-process through ``main`` and as ``python -m cg_action``) on the real file system.
"""

from __future__ import annotations

import io
import re
import time

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cg_action._cli import main
from cg_action._urls import redact_text, redact_url

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


def test_a_secret_in_a_committed_file_never_reaches_any_output(tmp_path, monkeypatch) -> None:
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
