"""update-hashes writes the size of the file that replaces a locked one.

A JSON index gives each file's size on its page (PEP 700): it is taken from there, and no
request is sent per file. An HTML index gives none: the size is asked with a HEAD per file.
Either way the recorded size is the new file's, which ``uv pip sync`` checks.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cg_action._cli import main
from cg_action._toml import tomllib
from tests._wheels import make_wheel, sha256_file
from tests.rewrite._json_index import json_index


def pylock(upstream: Path) -> str:
    return (
        'lock-version = "1.0"\ncreated-by = "uv"\nrequires-python = ">=3.10"\n\n'
        '[[packages]]\nname = "alpha"\nversion = "1.0"\n'
        "wheels = [\n"
        f'    {{ name = "{upstream.name}", url = "https://files.example/{upstream.name}", '
        f'size = {upstream.stat().st_size}, hashes = {{ sha256 = "{sha256_file(upstream)}" }} }},\n'
        "]\n"
    )


@pytest.mark.parametrize(("form", "heads"), [("json", 0), ("html", 1)])
def test_the_new_files_size_comes_from_the_page_when_it_gives_one(
    tmp_path: Path, form: str, heads: int
) -> None:
    upstream = make_wheel(tmp_path / "upstream", "alpha", "1.0", flavour="upstream")
    served = tmp_path / "served"
    rebuilt = make_wheel(served, "alpha", "1.0", flavour="rebuilt")
    rebuilt.write_bytes(rebuilt.read_bytes() + b"\0" * 100)  # sizes differ for certain
    assert rebuilt.name == upstream.name
    lock = tmp_path / "pylock.toml"
    lock.write_text(pylock(upstream))
    out, err = io.StringIO(), io.StringIO()
    with json_index(served, form=form) as index:
        code = main(
            ["update-hashes", str(lock), "--index-url", index.url, "--no-cache", "--no-netrc"],
            env={},
            out=out,
            err=err,
        )
        requests = list(index.requests)
    assert code == 0, err.getvalue()
    (wheel,) = tomllib.loads(lock.read_text())["packages"][0]["wheels"]
    assert wheel["hashes"] == {"sha256": sha256_file(rebuilt)}
    assert wheel["size"] == rebuilt.stat().st_size != upstream.stat().st_size
    assert sum(r.startswith("HEAD ") for r in requests) == heads, requests
