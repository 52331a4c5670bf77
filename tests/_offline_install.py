"""Install cg-action into fresh environments without the network, whatever Python runs the tests.

Some tests build an environment the way a user's tool does (pre-commit's hook environment, the
Action's virtual environment) and let pip install the project into it. They must work from a
plain venv, a pyenv or system Python and a clean clone alike, and never reach the internet:

* ``base_python()`` is the real interpreter behind ``sys.executable`` (a venv's base), so a
  child environment never depends on which ``python3`` comes first on PATH;
* ``build_wheelhouse()`` repacks the distributions this interpreter already has (cg-action's
  dependencies and its build backend) into wheels, from their RECORD files, so pip installs
  them with ``--no-index --find-links`` into any new environment;
* ``offline_pip_env()`` is the environment that points pip there and nowhere else (no
  configuration file, no index);
* ``console_script()`` finds a tool installed next to this interpreter before looking on PATH
  (and ``tests/conftest.py`` puts those folders first on PATH for the tools the tests run by
  name, as activating the venv would).
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import sys
import sysconfig
import zipfile
from collections.abc import Iterable, Iterator
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
# Written by the installer, not part of a distribution's content.
_INSTALLER_FILES = frozenset({"INSTALLER", "REQUESTED", "RECORD", "direct_url.json"})


def base_python() -> Path:
    """The interpreter a venv of this Python was made from (this one when not in a venv)."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return Path(os.path.realpath(base))


def script_folders() -> list[str]:
    """Where this interpreter's installers put console scripts (uv, pdm, pre-commit, ...)."""
    folders = [sysconfig.get_path("scripts"), str(Path(sys.executable).parent)]
    user_scheme = f"{os.name}_user"
    if user_scheme in sysconfig.get_scheme_names():  # pip install --user
        folders.append(sysconfig.get_path("scripts", user_scheme))
    return list(dict.fromkeys(f for f in folders if Path(f).is_dir()))


def console_script(name: str) -> str | None:
    """The console script ``name`` installed with this interpreter, else the one on PATH."""
    for folder in script_folders():
        candidate = shutil.which(name, path=folder)
        if candidate is not None:
            return candidate
    return shutil.which(name)


def _project_requirements() -> list[Requirement]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = [*data["project"]["dependencies"], *data["build-system"]["requires"]]
    return [Requirement(text) for text in listed]


def _closure(requirements: Iterable[Requirement]) -> Iterator[metadata.Distribution]:
    """Every installed distribution ``requirements`` need here, each once."""
    walked: set[tuple[NormalizedName, frozenset[str]]] = set()
    yielded: set[NormalizedName] = set()
    pending = [(r, frozenset[str]()) for r in requirements]
    while pending:
        requirement, extras = pending.pop()
        environments = [{"extra": e} for e in sorted(extras)] or [{"extra": ""}]
        if requirement.marker is not None and not any(
            requirement.marker.evaluate(e) for e in environments
        ):
            continue
        name = canonicalize_name(requirement.name)
        wanted = frozenset(requirement.extras)
        if (name, wanted) in walked:
            continue
        walked.add((name, wanted))
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError as exc:
            raise AssertionError(
                f"{name} (needed to install cg-action offline) is not installed: "
                "pip install -e '.[test]'"
            ) from exc
        if name not in yielded:
            yielded.add(name)
            yield distribution
        pending.extend((Requirement(text), wanted) for text in distribution.requires or [])


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def _repack(distribution: metadata.Distribution, target: Path) -> Path:
    """Zip an installed distribution back into a wheel, with a fresh RECORD."""
    files = distribution.files
    dist_info = next((f.parts[0] for f in files or [] if f.parts[0].endswith(".dist-info")), None)
    if files is None or dist_info is None:
        raise AssertionError(
            f"{distribution.metadata['Name']} was installed without a RECORD; reinstall it "
            "with pip so the tests can repack it"
        )
    wheel_text = distribution.read_text("WHEEL") or ""
    tag = next(
        (
            line.split(":", 1)[1].strip()
            for line in wheel_text.splitlines()
            if line.startswith("Tag:")
        ),
        "py3-none-any",
    )
    wheel = target / f"{dist_info.removesuffix('.dist-info')}-{tag}.whl"
    record: list[str] = []
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            path = file.as_posix()
            if (
                file.parts[0] == ".."
                or "__pycache__" in file.parts
                or (file.parts[0] == dist_info and file.name in _INSTALLER_FILES)
            ):
                continue
            data = Path(str(file.locate())).read_bytes()
            archive.writestr(path, data)
            record.append(_record_line(path, data))
        record.append(f"{dist_info}/RECORD,,")
        archive.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return wheel


def build_wheelhouse(target: Path) -> Path:
    """Wheels of everything installing cg-action from source needs, taken from this Python."""
    target.mkdir(parents=True, exist_ok=True)
    for distribution in _closure(_project_requirements()):
        _repack(distribution, target)
    return target


def offline_pip_env(wheelhouse: Path) -> dict[str, str]:
    """Environment variables under which pip (and virtualenv) use ``wheelhouse`` only."""
    return {
        "PIP_CONFIG_FILE": os.devnull,  # no machine or user configuration
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "VIRTUALENV_CONFIG_FILE": os.devnull,
        "VIRTUALENV_NO_PERIODIC_UPDATE": "1",
    }


def without_installer_settings(environ: dict[str, str]) -> dict[str, str]:
    """``environ`` minus what would point pip, virtualenv or Python elsewhere."""
    return {
        key: value
        for key, value in environ.items()
        if not key.startswith(("PIP_", "VIRTUALENV_", "UV_", "PYTHON", "__PYVENV"))
        and key not in {"VIRTUAL_ENV", "CONDA_PREFIX"}
    }
