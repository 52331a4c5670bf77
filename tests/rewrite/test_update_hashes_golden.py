"""update-hashes on pdm.lock, Pipfile.lock and pylock.toml: before and after, byte for byte.

The index answers are made by hand (the real Chainguard index cannot be reached from a test):
``alpha 1.0`` has a wheel and an sdist, ``beta 2.0`` only a wheel, ``leftpad`` is not served.
Each before file carries what must survive an edit: comments, CRLF line endings (the TOML
files), a two-space JSON indentation and a one-line ``hashes`` array (Pipfile.lock), entries
that are not from an index (editable, path, VCS), and a file name spelled differently from
Chainguard's (``Alpha-1.0.tar.gz``). The after files were checked by reading them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from packaging.utils import NormalizedName, canonicalize_name

from cg_action._models import ProjectAnswer
from cg_action._rewrite._hashes import FileSizes
from cg_action._rewrite._hashes_pdm import update_pdm_lock
from cg_action._rewrite._hashes_pipfile import update_pipfile_lock
from cg_action._rewrite._hashes_pylock import update_pylock
from cg_action._rewrite._plan import FilePlan, read_config
from cg_action._toml import tomllib
from tests.rewrite._answers import INDEX, found

DATA = Path(__file__).parent.parent / "data" / "update-hashes"
ALPHA_WHEEL, ALPHA_SDIST, BETA_WHEEL = "1" * 64, "2" * 64, "3" * 64
OLD = {"alpha": ("a1" * 32, "a2" * 32), "beta": ("b1" * 32, "b2" * 32)}


ANSWERS: dict[NormalizedName, ProjectAnswer] = {
    canonicalize_name("alpha"): found(
        "alpha", {"alpha-1.0-py3-none-any.whl": ALPHA_WHEEL, "alpha-1.0.tar.gz": ALPHA_SDIST}
    ),
    canonicalize_name("beta"): found("beta", {"beta-2.0-py3-none-any.whl": BETA_WHEEL}),
}
UPDATED = ["alpha==1.0", "beta==2.0"]


def golden(folder: str, name: str) -> bytes:
    return (DATA / folder / name).read_bytes()


# ---------------------------------------------------------------- pdm.lock


@pytest.mark.parametrize("mode", ["replace", "append"])
def test_pdm_lock_golden(mode: str) -> None:
    before = DATA / "pdm" / "before.pdm.lock"
    source = read_config(before)
    assert source.newline == "\r\n"
    append = mode == "append"
    update = update_pdm_lock(source.text, before, ANSWERS, append=append)
    assert update.updated == UPDATED
    assert update.left == ["leftpad==0.1: not served by Chainguard (left as it is)"]
    new = FilePlan(source=source, new_text=update.text).new_bytes
    assert new == golden("pdm", f"after-{mode}.pdm.lock")

    files = {p["name"]: p.get("files") for p in tomllib.loads(update.text)["package"]}
    hashes = {name: {f["hash"] for f in entries or ()} for name, entries in files.items()}
    ours = {f"sha256:{d}" for d in (ALPHA_WHEEL, ALPHA_SDIST)}
    old_alpha = {f"sha256:{d}" for d in OLD["alpha"]}
    assert hashes["alpha"] == (ours | old_alpha if append else ours)
    old_beta = {f"sha256:{d}" for d in OLD["beta"]}
    assert hashes["beta"] == ({f"sha256:{BETA_WHEEL}"} | (old_beta if append else set()))
    assert "localpkg" in files  # the editable package is kept, untouched
    assert files["localpkg"] is None

    again = update_pdm_lock(update.text, before, ANSWERS, append=append)
    assert again.text == update.text  # nothing more to change, in either mode


def test_pdm_lock_replace_after_append_lists_each_file_once() -> None:
    before = DATA / "pdm" / "before.pdm.lock"
    appended = golden("pdm", "after-append.pdm.lock").decode().replace("\r\n", "\n")
    replaced = update_pdm_lock(appended, before, ANSWERS, append=False)
    packages = tomllib.loads(replaced.text)["package"]
    assert sorted(f["hash"] for f in packages[0]["files"]) == [
        f"sha256:{ALPHA_WHEEL}",
        f"sha256:{ALPHA_SDIST}",
    ]


# ---------------------------------------------------------------- Pipfile.lock


@pytest.mark.parametrize("mode", ["replace", "append"])
def test_pipfile_lock_golden(mode: str) -> None:
    before = DATA / "pipfile" / "before.Pipfile.lock"
    text = before.read_text(encoding="utf-8")
    append = mode == "append"
    update = update_pipfile_lock(text, before, ANSWERS, append=append)
    assert update.updated == ["alpha==1.0", "beta==2.0", "beta==2.0"]  # default and develop
    assert update.left == ["develop.leftpad: leftpad==0.1: not served by Chainguard"]
    assert update.text.encode() == golden("pipfile", f"after-{mode}.Pipfile.lock")

    data, old_data = json.loads(update.text), json.loads(text)
    alpha = [f"sha256:{d}" for d in (ALPHA_WHEEL, ALPHA_SDIST)]
    old_alpha = [f"sha256:{d}" for d in OLD["alpha"]]
    assert data["default"]["Alpha"]["hashes"] == (sorted([*old_alpha, *alpha]) if append else alpha)
    assert data["develop"]["leftpad"] == old_data["develop"]["leftpad"]
    assert data["_meta"] == old_data["_meta"]  # the Pipfile's hash and sources stay
    for section in ("default", "develop"):
        for entry in data[section].values():
            entry.pop("hashes", None)
        for entry in old_data[section].values():
            entry.pop("hashes", None)
    assert data == old_data  # only digests changed

    again = update_pipfile_lock(update.text, before, ANSWERS, append=append)
    assert again.text == update.text
    replaced = update_pipfile_lock(update.text, before, ANSWERS, append=False)
    assert replaced.text.encode() == golden("pipfile", "after-replace.Pipfile.lock")


# ---------------------------------------------------------------- pylock.toml


def test_pylock_golden() -> None:
    """A pylock file records one digest per file: always replaced, never appended."""
    from packaging.pylock import Pylock

    before = DATA / "pylock" / "before.pylock.toml"
    source = read_config(before)
    assert source.newline == "\r\n"
    update = update_pylock(source.text, before, ANSWERS, INDEX)
    assert update.updated == UPDATED
    assert update.left == ["leftpad==0.1: not served by Chainguard (left as it is)"]
    assert FilePlan(source=source, new_text=update.text).new_bytes == golden(
        "pylock", "after.pylock.toml"
    )

    lock = Pylock.from_dict(tomllib.loads(update.text))
    by_name = {p.name: p for p in lock.packages}
    alpha = by_name[canonicalize_name("alpha")]
    assert alpha.index == INDEX
    assert alpha.sdist is not None
    assert alpha.sdist.hashes == {"sha256": ALPHA_SDIST}
    assert [(w.url, w.hashes) for w in alpha.wheels or ()] == [
        (
            "https://libraries.cgr.dev/python/files/alpha-1.0-py3-none-any.whl",
            {"sha256": ALPHA_WHEEL},
        )
    ]
    assert by_name[canonicalize_name("leftpad")].index == "https://pypi.org/simple/"
    assert by_name[canonicalize_name("gitdep")].vcs is not None

    again = update_pylock(update.text, before, ANSWERS, INDEX)
    assert again.text == update.text


def test_pylock_sizes_are_the_new_files_and_upload_times_stay() -> None:
    """A recorded size describes the old file: it becomes the new file's size when the index
    tells it (here: answered apart, as the command asks it), and goes when nobody knows it
    (the run lists such files in ``sizes_wanted``). Upload times stay; inline tables close up
    around a removed key."""
    before = DATA / "pylock" / "before.pylock.toml"
    text = read_config(before).text
    wheel = "https://libraries.cgr.dev/python/files/alpha-1.0-py3-none-any.whl"
    sdist = "https://libraries.cgr.dev/python/files/alpha-1.0.tar.gz"

    unknown = update_pylock(text, before, ANSWERS, INDEX)
    assert sorted(unknown.sizes_wanted) == [wheel, sdist]
    assert "size = " not in unknown.text.split("[[packages]]")[1]  # alpha's two sizes went
    assert ",  " not in unknown.text
    assert ", hashes = { sha256 = " in unknown.text
    assert "upload-time = 2024-01-02T03:04:05Z\nhashes = " in unknown.text

    told = update_pylock(
        text, before, ANSWERS, INDEX, sizes=FileSizes(asked={wheel: 4321, sdist: None})
    )
    assert told.sizes_wanted == []
    assert "upload-time = 2024-01-02T03:04:05Z\nsize = 4321\nhashes = " in told.text
    assert 'alpha-1.0.tar.gz", hashes = ' in told.text  # the sdist's size is not known
