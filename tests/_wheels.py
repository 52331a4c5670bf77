"""Build small, real wheels and sdists for the tests' local indexes.

The files are valid distributions that pip, uv, poetry and pdm accept: a wheel has METADATA,
WHEEL and a RECORD with sha256 digests; an sdist has PKG-INFO and a pyproject.toml. ``flavour``
changes the content (and so every digest) without changing the name or version, so the same
release can be built twice: once as "upstream" (PyPI's) and once as "rebuilt" (Chainguard's).
"""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from packaging.utils import canonicalize_name


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _metadata(name: str, version: str, requires: Sequence[str], requires_python: str | None) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    lines.extend(f"Requires-Dist: {r}" for r in requires)
    return "\n".join(lines) + "\n\n"


def make_wheel(
    directory: Path,
    name: str,
    version: str,
    *,
    tag: str = "py3-none-any",
    requires: Sequence[str] = (),
    requires_python: str | None = None,
    flavour: str = "upstream",
    extra_files: Mapping[str, bytes] | None = None,
) -> Path:
    """Write ``<name>-<version>-<tag>.whl`` into ``directory`` and return its path.

    ``extra_files`` maps archive paths (``{dist_info}`` is replaced by the dist-info folder
    name) to contents; they are listed in RECORD like every other file.
    """
    directory.mkdir(parents=True, exist_ok=True)
    dist = canonicalize_name(name).replace("-", "_")
    dist_info = f"{dist}-{version}.dist-info"
    module = dist.lower()
    files: dict[str, bytes] = {
        f"{module}/__init__.py": (
            f'"""{name} {version} ({flavour} build)."""\n__version__ = "{version}"\n'
        ).encode(),
        f"{dist_info}/METADATA": _metadata(name, version, requires, requires_python).encode(),
        f"{dist_info}/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: cg-action-tests\nRoot-Is-Purelib: true\nTag: {tag}\n"
        ).encode(),
        f"{dist_info}/top_level.txt": f"{module}\n".encode(),
    }
    for path, data in (extra_files or {}).items():
        files[path.replace("{dist_info}", dist_info)] = data
    record_lines = [f"{path},{_record_hash(data)},{len(data)}" for path, data in files.items()]
    record_lines.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record_lines) + "\n").encode()
    target = directory / f"{dist}-{version}-{tag}.whl"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return target


def make_sdist(
    directory: Path,
    name: str,
    version: str,
    *,
    requires: Sequence[str] = (),
    flavour: str = "upstream",
) -> Path:
    """Write ``<name>-<version>.tar.gz`` (a buildable setuptools sdist) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    dist = canonicalize_name(name).replace("-", "_")
    base = f"{dist}-{version}"
    deps = ", ".join(f'"{r}"' for r in requires)
    files = {
        f"{base}/PKG-INFO": _metadata(name, version, requires, None).encode(),
        f"{base}/pyproject.toml": (
            '[build-system]\nrequires = ["setuptools>=61"]\n'
            'build-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "{name}"\nversion = "{version}"\ndependencies = [{deps}]\n'
        ).encode(),
        f"{base}/{dist.lower()}/__init__.py": f'"""{flavour} sdist."""\n'.encode(),
    }
    target = directory / f"{base}.tar.gz"
    with tarfile.open(target, "w:gz", format=tarfile.PAX_FORMAT) as archive:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = 1704067200
            archive.addfile(info, io.BytesIO(data))
    return target
