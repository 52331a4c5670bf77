"""Property tests: a rewrite changes nothing outside the index settings, and is idempotent."""

from __future__ import annotations

import configparser
from pathlib import Path
from typing import Any

import tomlkit
from hypothesis import given, settings
from hypothesis import strategies as st

from cg_action._rewrite import _pipconf, _pyproject, _requirements
from cg_action._rewrite._interface import RewriteOptions
from cg_action._toml import tomllib

KEY = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)
SCALAR = st.one_of(
    st.integers(-1000, 1000),
    st.booleans(),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
)
VALUE = st.one_of(SCALAR, st.lists(SCALAR, max_size=3), st.dictionaries(KEY, SCALAR, max_size=3))
TABLE = st.dictionaries(KEY, VALUE, max_size=4)
OPTIONS = st.builds(RewriteOptions, remediated=st.booleans(), fallback=st.booleans())
INDEX_URLS = st.sampled_from(
    [
        "https://pypi.org/simple",
        "https://libraries.cgr.dev/python/simple",
        "https://internal.example.com/simple/",
        "https://libraries.cgr.dev/python-remediated/simple/",
    ]
)

INDEX_KEYS = {"index", "index-strategy", "index-url", "extra-index-url", "source", "resolution"}


def without_index_settings(data: dict[str, Any]) -> dict[str, Any]:
    tool = {k: dict(v) for k, v in data.get("tool", {}).items()}
    for name in ("uv", "poetry", "pdm"):
        if name in tool:
            tool[name] = {k: v for k, v in tool[name].items() if k not in INDEX_KEYS}
            if not tool[name]:
                del tool[name]
    return {**{k: v for k, v in data.items() if k != "tool"}, "tool": tool}


@settings(max_examples=30, deadline=None)
@given(
    project=TABLE,
    tools=st.dictionaries(st.sampled_from(["uv", "poetry", "pdm", "black"]), TABLE, max_size=3),
    others=st.dictionaries(KEY.filter(lambda k: k not in ("tool", "project")), TABLE, max_size=2),
    indexes=st.lists(INDEX_URLS, max_size=3),
    options=OPTIONS,
)
def test_pyproject_rewrite_touches_only_index_settings(
    project: dict[str, Any],
    tools: dict[str, dict[str, Any]],
    others: dict[str, dict[str, Any]],
    indexes: list[str],
    options: RewriteOptions,
) -> None:
    tool = {name: {k: v for k, v in t.items() if k not in INDEX_KEYS} for name, t in tools.items()}
    document: dict[str, Any] = {"project": project, **others, "tool": tool}
    for name in ("uv", "poetry", "pdm"):
        if name in tool:
            key = "index" if name == "uv" else "source"
            tool[name][key] = [{"name": f"i{n}", "url": u} for n, u in enumerate(indexes)]
    text = tomlkit.dumps(document)
    result = _pyproject.rewrite_text(text, Path("pyproject.toml"), options)
    before, after = tomllib.loads(text), tomllib.loads(result.text)
    assert without_index_settings(after) == without_index_settings(before)
    assert _pyproject.rewrite_text(result.text, Path("pyproject.toml"), options).text == result.text


LINE = st.one_of(
    st.from_regex(
        r"[A-Za-z][A-Za-z0-9_.-]{0,10}(==[0-9]\.[0-9])?( *# [a-z ]{0,10})?", fullmatch=True
    ),
    st.just(""),
    st.just("# a comment"),
    st.just("--trusted-host internal.example.com"),
    st.builds(lambda u: f"--index-url {u}", INDEX_URLS),
    st.builds(lambda u: f"-i {u}  # note", INDEX_URLS),
    st.builds(lambda u: f"--extra-index-url={u}", INDEX_URLS),
)


@settings(max_examples=100, deadline=None)
@given(lines=st.lists(LINE, max_size=12), options=OPTIONS)
def test_requirements_rewrite_keeps_every_other_line(
    lines: list[str], options: RewriteOptions
) -> None:
    text = "\n".join(lines) + "\n"
    result = _requirements.rewrite_text(text, Path("requirements.txt"), options)

    def others(t: str) -> list[str]:
        return [ln for ln in t.split("\n") if "index-url" not in ln and not ln.startswith("-i ")]

    assert others(result.text) == others(text)
    again = _requirements.rewrite_text(result.text, Path("requirements.txt"), options)
    assert again.text == result.text


@settings(max_examples=60, deadline=None)
@given(
    sections=st.dictionaries(
        st.sampled_from(["global", "install", "download", "freeze"]),
        st.dictionaries(
            st.sampled_from(["timeout", "retries", "no-cache-dir", "trusted-host"]),
            st.from_regex(r"[a-z0-9.]{1,10}", fullmatch=True),
            max_size=3,
        ),
        max_size=3,
    ),
    index=st.one_of(st.none(), INDEX_URLS),
    options=OPTIONS,
)
def test_pip_conf_rewrite_keeps_every_other_option(
    sections: dict[str, dict[str, str]], index: str | None, options: RewriteOptions
) -> None:
    parts = []
    for name, values in sections.items():
        parts.append(f"[{name}]")
        parts.extend(f"{k} = {v}" for k, v in values.items())
        if index and name == "global":
            parts.append(f"index-url = {index}")
    text = "\n".join(parts) + "\n"
    result = _pipconf.rewrite_text(text, Path("pip.conf"), options)

    def read(t: str) -> dict[str, dict[str, str]]:
        parser = configparser.RawConfigParser()
        parser.read_string(t)
        return {
            s: {k: v for k, v in parser.items(s) if "index-url" not in k} for s in parser.sections()
        }

    def non_empty(t: str) -> dict[str, dict[str, str]]:
        return {s: v for s, v in read(t).items() if v}

    assert non_empty(result.text) == non_empty(text)
    parser = configparser.RawConfigParser()
    parser.read_string(result.text)
    written = parser.get("global", "index-url").rstrip("/")
    assert written == "https://libraries.cgr.dev/python/simple"  # the user's spelling may stay
    assert _pipconf.rewrite_text(result.text, Path("pip.conf"), options).text == result.text
