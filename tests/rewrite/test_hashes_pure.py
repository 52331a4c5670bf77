"""update-hashes without a network: nothing served leaves real-world lockfiles byte for byte."""

from __future__ import annotations

from pathlib import Path

from cg_action._rewrite._hashes import file_key, update_requirements, update_uv_lock
from cg_action._sources._requirements import parse_requirements
from cg_action._sources._uv_lock import parse_uv_lock


def test_file_key_ignores_name_spelling() -> None:
    assert file_key("Flask-3.0.2-py3-none-any.whl") == file_key("flask-3.0.2-py3-none-any.whl")
    assert file_key("python_dateutil-2.8.2.tar.gz") == file_key("python-dateutil-2.8.2.tar.gz")
    assert file_key("x-1.0-cp312-cp312-manylinux_2_28_x86_64.whl") != file_key(
        "x-1.0-cp312-cp312-musllinux_1_2_x86_64.whl"
    )
    assert file_key("not a distribution") is None


def test_corpus_locks_are_left_alone_when_chainguard_serves_nothing(corpus_dir: Path) -> None:
    uv_locks = sorted(corpus_dir.rglob("uv.lock"))
    assert uv_locks
    for path in uv_locks:
        names = parse_uv_lock(path).dependencies  # one per locked (name, version)
        text = path.read_text(encoding="utf-8")
        update = update_uv_lock(text, path, {}, "https://libraries.cgr.dev/python/simple/")
        assert update.text == text
        assert not update.updated
        assert len(update.left) <= len(names)
    hashed = corpus_dir / "realworld" / "pypi+warehouse@6b62157124ab" / "requirements" / "main.txt"
    deps = [d for d in parse_requirements(hashed, environ={}).dependencies if d.hashes]
    assert deps
    text = hashed.read_text(encoding="utf-8")
    update = update_requirements(text, deps, {}, append=False)
    assert update.text == text
    assert len(update.left) == len(deps)
