"""A small, realistic set of distributions for the lockfile generators, and a demo project.

``build_index`` writes wheels and sdists with ``tests._wheels`` into a folder that
``tests._servers.pypiserver`` serves. The set covers what lockfile readers must handle: a
package with several wheels and an sdist, a package that has only an sdist, one with two
versions that a marker splits (``gamma``), a dependency group (``delta``), an extra
(``epsilon``) and a transitive dependency (``beta``).
"""

from __future__ import annotations

from pathlib import Path

from tests._wheels import make_sdist, make_wheel

# Requirements of the demo project, shared by the uv and pdm generators.
DEPENDENCIES = (
    "alpha==1.0.0",
    "gamma<2; python_version < '3.12'",
    "gamma>=2; python_version >= '3.12'",
    "zeta",
)
OPTIONAL = {"cli": ("epsilon",)}
GROUPS = {"dev": ("delta",)}


def build_index(root: Path) -> Path:
    """Write the distributions into ``root`` (pypiserver's simple-dir layout: one flat folder)."""
    root.mkdir(parents=True, exist_ok=True)
    for tag in ("py3-none-any", "cp311-cp311-manylinux_2_28_x86_64", "cp312-cp312-win_amd64"):
        make_wheel(root, "alpha", "1.0.0", tag=tag, requires=["beta>=2"])
    make_sdist(root, "alpha", "1.0.0", requires=["beta>=2"])
    make_wheel(root, "beta", "2.0.0")
    make_sdist(root, "beta", "2.0.0")
    for version in ("1.0.0", "2.0.0"):
        make_wheel(root, "gamma", version)
        make_sdist(root, "gamma", version)
    make_wheel(root, "delta", "0.3.0", requires=["beta"])
    make_wheel(root, "epsilon", "1.1.0")
    make_sdist(root, "zeta", "0.9.0")
    return root


def write_local_package(directory: Path, name: str, version: str = "0.1.0") -> Path:
    """A buildable local project (used as a path, editable or workspace dependency)."""
    directory.mkdir(parents=True, exist_ok=True)
    module = name.replace("-", "_")
    (directory / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        f'\n[project]\nname = "{name}"\nversion = "{version}"\n'
    )
    (directory / module).mkdir(exist_ok=True)
    (directory / module / "__init__.py").write_text(f'"""{name}."""\n')
    return directory
