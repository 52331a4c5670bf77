"""Print the cache key part of the Action's virtual environment (used by action.yml).

    python scripts/action_venv_key.py ACTION_PATH

The environment holds cg-action and its pinned dependencies, built for one interpreter, so the
key changes with any of: the interpreter (version, build and path: a venv points at it), the
machine, the hash-pinned requirement lists, and cg-action's own source. Standard library
only; runs on the Python the Action found, before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import platform
import sys
from pathlib import Path

# What the environment is built from, relative to the Action's folder.
INPUTS = ("pyproject.toml", "requirements/action.txt", "requirements/action-build.txt")
SOURCE = "cg_action"


def venv_key(action_path: Path) -> str:
    """A hex digest of everything the Action's virtual environment depends on."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("python", f"{sys.version}|{sys.implementation.cache_tag}".encode())
    add("executable", os.path.realpath(sys.executable).encode())
    add("machine", f"{sys.platform}|{platform.machine()}".encode())
    files = [action_path / name for name in INPUTS]
    files += sorted(
        path
        for path in (action_path / SOURCE).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )
    for path in files:
        add(path.relative_to(action_path).as_posix(), path.read_bytes())
    return digest.hexdigest()[:40]


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: action_venv_key.py ACTION_PATH", file=sys.stderr)
        return 2
    print(venv_key(Path(sys.argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
