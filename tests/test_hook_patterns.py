"""The hooks' ``files`` patterns match exactly the files the tool itself reads, by name."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import pytest
import yaml

from cg_action._rewrite._files import config_format
from cg_action._sources._dispatch import detect_format

ROOT = Path(__file__).resolve().parent.parent
NAMES = [
    "requirements.txt",
    "requirements-dev.txt",
    "dev-requirements.in",
    "requirements/base.txt",
    "requirements/prod.in",
    "constraints.txt",
    "svc/pyproject.toml",
    "Pipfile",
    "Pipfile.lock",
    "uv.lock",
    "a/b/poetry.lock",
    "pdm.lock",
    "pylock.toml",
    "pylock.dev.toml",
    "pip.conf",
    "pip.ini",
    "uv.toml",
    "README.md",
    "setup.cfg",
    "src/app.py",
    "docs/requirements.rst",
    "package-lock.json",
    "notes.txt",
]


def hooks() -> dict[str, re.Pattern[str]]:
    data = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return {hook["id"]: re.compile(hook["files"]) for hook in data}


@pytest.mark.parametrize("name", NAMES)
def test_check_hook_matches_what_discovery_reads(name: str) -> None:
    matched = hooks()["cg-action-check"].search(name) is not None
    assert matched == (detect_format(Path(name)) is not None), name


@pytest.mark.parametrize("name", NAMES)
def test_config_hook_matches_what_rewrite_reads(name: str) -> None:
    matched = hooks()["cg-action-config"].search(name) is not None
    reads = config_format(Path(PurePosixPath(name))) is not None
    assert matched == reads, name
