"""Random dependency graphs with random markers, for uv to lock (a seed makes them again).

``write_random`` writes thirty one-wheel projects ``p00`` to ``p29`` whose requirements name
each other under random markers (platform, Python version, implementation, machine; ``and``
and ``or``), some with an extra ``x`` that others ask for, some at a second version with other
requirements; and ``count`` virtual projects that depend on five of them (some split at
Python 3.12 so that uv forks), with an extra, a dependency group and a random
``requires-python``. Cycles arise as they may.
"""

from __future__ import annotations

import random
from pathlib import Path

from tests._wheels import make_wheel

ATOMS = (
    "sys_platform == 'win32'",
    "sys_platform == 'linux'",
    "sys_platform != 'darwin'",
    "python_version < '3.11'",
    "python_version >= '3.12'",
    "python_full_version < '3.10.5'",
    "implementation_name != 'pypy'",
    "implementation_name == 'pypy'",
    "platform_machine == 'x86_64'",
    "platform_machine != 'aarch64'",
    "platform_system == 'Windows'",
    "os_name == 'nt'",
    "python_version == '3.11'",
    "platform_python_implementation == 'CPython'",
)
NAMES = tuple(f"p{i:02d}" for i in range(30))


def write_random(base: Path, seed: int, count: int) -> tuple[Path, list[Path]]:
    """(the folder of wheels to serve, the project folders)."""
    rng = random.Random(seed)  # noqa: S311 - test data made again from a seed, not a secret

    def marker() -> str:
        atoms = rng.sample(ATOMS, rng.choice([0, 0, 1, 1, 1, 2]))
        joined = (" and " if rng.random() < 0.6 else " or ").join(atoms)
        return f"; {joined}" if joined else ""

    wheels = base / "index"
    with_extra: set[str] = set()
    for i, name in enumerate(NAMES):
        requires = []
        for j in rng.sample(range(len(NAMES)), rng.choice([0, 1, 2, 3])):
            if j != i:
                extra = "[x]" if NAMES[j] in with_extra and rng.random() < 0.3 else ""
                requires.append(NAMES[j] + extra + marker())
        if rng.random() < 0.3:
            with_extra.add(name)
            other = rng.choice(NAMES)
            if other != name:
                requires.append(f"{other}; extra == 'x'")
        make_wheel(wheels, name, "1.0", requires=requires)
        if rng.random() < 0.2:
            make_wheel(wheels, name, "2.0", requires=[rng.choice(NAMES) + marker()])
    projects = []
    for k in range(count):
        project = base / f"project{k}"
        project.mkdir(parents=True)
        dependencies = []
        for root in rng.sample(NAMES, 5):
            if rng.random() < 0.3:
                dependencies += [
                    f"{root}<2; python_version < '3.12'",
                    f"{root}>=1; python_version >= '3.12'",
                ]
            else:
                dependencies.append(root + marker())
        optional = [n + marker() for n in rng.sample(NAMES, 2)]
        group = [n + marker() for n in rng.sample(NAMES, 2)]
        requires_python = rng.choice([">=3.9", ">=3.10", ">=3.8,<3.13", ">=3.11"])
        (project / "pyproject.toml").write_text(
            f'[project]\nname = "root{k}"\nversion = "0.1"\n'
            f'requires-python = "{requires_python}"\ndependencies = {_list(dependencies)}\n'
            f"[project.optional-dependencies]\nopt = {_list(optional)}\n"
            f"[dependency-groups]\ndev = {_list(group)}\n[tool.uv]\npackage = false\n"
        )
        projects.append(project)
    return wheels, projects


def _list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"
