"""pylock.toml digests: an empty one is a problem naming the file, the entry's line and the key.

packaging's ``Pylock`` validation accepts ``hashes = {sha256 = ""}``; a digest that says
nothing cannot be checked, so the reader refuses the entry and reads the others.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cg_action._sources._pylock import parse_pylock

HEADER = 'lock-version = "1.0"\ncreated-by = "test"\n'
GOOD = (
    '\n[[packages]]\nname = "good"\nversion = "1"\n'
    'wheels = [{ name = "good-1-py3-none-any.whl", hashes = { sha256 = "ab" } }]\n'
)


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        (
            'wheels = [\n  { name = "a-1-py3-none-any.whl", hashes = { sha256 = "ab" } },\n'
            '  { name = "a-1-py2-none-any.whl", hashes = { sha256 = "" } },\n]\n',
            "packages[0].wheels[1].hashes.sha256",
        ),
        (
            'sdist = { name = "a-1.tar.gz", hashes = { sha256 = "ab", blake2b = " " } }\n',
            "packages[0].sdist.hashes.blake2b",
        ),
        (
            'archive = { url = "https://x.invalid/a-1.zip", hashes = { SHA256 = "" } }\n',
            "packages[0].archive.hashes.SHA256",
        ),
    ],
    ids=["wheel", "sdist-blank", "archive"],
)
def test_an_empty_digest_is_a_problem(entry: str, key: str) -> None:
    text = HEADER + '\n[[packages]]\nname = "a"\nversion = "1"\n' + entry + GOOD
    source = parse_pylock(Path("pylock.toml"), text)
    assert [d.name for d in source.dependencies] == ["good"]
    (problem,) = source.problems
    assert (problem.path, problem.line, problem.key) == (Path("pylock.toml"), 4, key)
    assert str(problem) == f"pylock.toml:4: {key}: expected a digest, found an empty string"


def test_digests_are_read_lower_case_and_stripped() -> None:
    text = (
        HEADER + '\n[[packages]]\nname = "a"\nversion = "1"\n'
        'wheels = [{ name = "a-1-py3-none-any.whl", hashes = { SHA256 = " AB " } }]\n'
    )
    (dep,) = parse_pylock(Path("pylock.toml"), text).dependencies
    assert [str(h) for h in dep.hashes] == ["sha256:ab"]
