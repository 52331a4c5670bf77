"""Time the uv.lock and pdm.lock readers on synthetic 2,000-package lockfiles.

Each package has 3 to 5 wheels and an sdist with sha256 digests, sizes and upload times (uv),
and a dependency edge to the previous package, as real locks of that size have. The parse of
each file is timed several times in one process (warm imports, cold parse) and the median
is printed. Run from the checkout: ``python3 benchmarks/bench_parse_locks.py [packages] [runs]``.
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cg_action._models import SourceFile
from cg_action._sources._pdm_lock import parse_pdm_lock
from cg_action._sources._uv_lock import parse_uv_lock
from cg_action._toml import tomllib

TAGS = [
    "cp312-cp312-manylinux_2_28_x86_64",
    "cp312-cp312-manylinux_2_28_aarch64",
    "cp312-cp312-macosx_11_0_arm64",
    "cp312-cp312-win_amd64",
    "py3-none-any",
]
FILES = "https://files.example.org/packages"


def _digest(*parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def synthetic_uv_lock(count: int) -> str:
    """A uv.lock with ``count`` registry packages plus the root project."""
    out = ['version = 1\nrevision = 3\nrequires-python = ">=3.10"\n']
    for i in range(count):
        name, version = f"package-{i:04d}", f"{1 + i % 7}.{i % 13}.{i % 5}"
        dist = name.replace("-", "_")
        out.append(
            f'\n[[package]]\nname = "{name}"\nversion = "{version}"\n'
            'source = { registry = "https://pypi.org/simple" }\n'
        )
        if i:
            out.append(f'dependencies = [\n    {{ name = "package-{i - 1:04d}" }},\n]\n')
        out.append(
            f'sdist = {{ url = "{FILES}/{_digest(i)[:8]}/{dist}-{version}.tar.gz", '
            f'hash = "sha256:{_digest(i, "sdist")}", size = {10000 + i}, '
            'upload-time = "2025-01-01T00:00:00.000Z" }\nwheels = [\n'
        )
        for tag in TAGS[: 3 + i % 3]:
            out.append(
                f'    {{ url = "{FILES}/{_digest(i, tag)[:8]}/{dist}-{version}-{tag}.whl", '
                f'hash = "sha256:{_digest(i, tag)}", size = {20000 + i}, '
                'upload-time = "2025-01-01T00:00:00.000Z" },\n'
            )
        out.append("]\n")
    out.append(
        '\n[[package]]\nname = "root"\nversion = "0.1.0"\nsource = { editable = "." }\n'
        f'dependencies = [\n    {{ name = "package-{count - 1:04d}" }},\n]\n'
    )
    return "".join(out)


def synthetic_pdm_lock(count: int) -> str:
    """A pdm.lock (format 4.5) with ``count`` packages."""
    out = [
        '[metadata]\ngroups = ["default", "dev"]\nstrategy = ["inherit_metadata"]\n'
        'lock_version = "4.5.0"\ncontent_hash = "sha256:00"\n\n'
        '[[metadata.targets]]\nrequires_python = ">=3.10"\n'
    ]
    for i in range(count):
        name, version = f"package-{i:04d}", f"{1 + i % 7}.{i % 13}.{i % 5}"
        dist = name.replace("-", "_")
        out.append(
            f'\n[[package]]\nname = "{name}"\nversion = "{version}"\n'
            f'requires_python = ">=3.10"\nsummary = "Package number {i}"\n'
            f'groups = ["{"default" if i % 4 else "dev"}"]\n'
        )
        if i % 9 == 0:
            out.append("marker = \"sys_platform == 'linux'\"\n")
        if i:
            out.append(f'dependencies = [\n    "package-{i - 1:04d}>=1",\n]\n')
        out.append("files = [\n")
        for tag in TAGS[: 3 + i % 3]:
            out.append(
                f'    {{file = "{dist}-{version}-{tag}.whl", hash = "sha256:{_digest(i, tag)}"}},\n'
            )
        out.append(f'    {{file = "{dist}-{version}.tar.gz", hash = "sha256:{_digest(i)}"}},\n]\n')
    return "".join(out)


def _time(reader: Callable[[Path], SourceFile], path: Path, runs: int) -> tuple[float, int]:
    times = []
    count = 0
    for _ in range(runs):
        start = time.perf_counter()
        source = reader(path)
        times.append(time.perf_counter() - start)
        count = len(source.dependencies)
        assert not source.problems
    return statistics.median(times), count


def _time_toml(path: Path, runs: int) -> float:
    text = path.read_text()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        tomllib.loads(text)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str]) -> int:
    count = int(argv[1]) if len(argv) > 1 else 2000
    runs = int(argv[2]) if len(argv) > 2 else 7
    with tempfile.TemporaryDirectory() as tmp:
        for filename, make, reader in (
            ("uv.lock", synthetic_uv_lock, parse_uv_lock),
            ("pdm.lock", synthetic_pdm_lock, parse_pdm_lock),
        ):
            path = Path(tmp) / filename
            path.write_text(make(count))
            median, parsed = _time(reader, path, runs)
            toml = _time_toml(path, runs)
            size = path.stat().st_size / 1e6
            print(
                f"{filename}: {parsed} packages, {size:.1f} MB, "
                f"median of {runs} parses {median * 1000:.0f} ms "
                f"(of which TOML decoding alone: {toml * 1000:.0f} ms)"
            )
            assert parsed == count
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
