"""A grid of marker environments, to tell whether two markers mean the same.

Markers are compared by what they say on every environment of the grid: CPython and PyPy,
Linux, Windows and macOS, x86_64 and aarch64, Python 3.8.0 to 3.14.x (three patch levels each,
3.11.2 among them), and sets of selected extras and dependency groups. A marker is evaluated
as a lockfile marker (PEP 751): ``extras`` and ``dependency_groups`` are sets; the metadata
marker ``extra == 'x'`` holds when one selected extra makes it hold.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from packaging.markers import Marker
from packaging.specifiers import SpecifierSet
from packaging.version import Version

K = TypeVar("K", bound=Hashable)

PLATFORMS = (
    {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
    {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
    {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix"},
)
IMPLEMENTATIONS = (
    {"implementation_name": "cpython", "platform_python_implementation": "CPython"},
    {"implementation_name": "pypy", "platform_python_implementation": "PyPy"},
)
MACHINES = ("x86_64", "aarch64")
PYTHONS = tuple(f"3.{minor}.{patch}" for minor in range(8, 15) for patch in (0, 2, 5))


@dataclass(frozen=True)
class Selected:
    """The extras and dependency groups an install selects."""

    extras: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()


def environments(
    requires_python: str | None = None,
    selections: Iterable[Selected] = (Selected(),),
    *,
    releases: Sequence[str] = ("6.1",),
) -> list[tuple[Selected, dict[str, str]]]:
    """Every environment of the grid within ``requires_python``, for each selection."""
    allowed = SpecifierSet(requires_python or "")
    pythons = [p for p in PYTHONS if allowed.contains(Version(p), prereleases=True)]
    found = []
    for selection, python, platform, implementation, machine, release in itertools.product(
        list(selections), pythons, PLATFORMS, IMPLEMENTATIONS, MACHINES, releases
    ):
        env = {
            **platform,
            **implementation,
            "platform_machine": machine,
            "python_full_version": python,
            "python_version": ".".join(python.split(".")[:2]),
            "implementation_version": python,
            "platform_release": release,
            "platform_version": "",
        }
        found.append((selection, env))
    return found


def holds(marker: Marker | None, selection: Selected, env: dict[str, str]) -> bool:
    """Whether ``marker`` (None: always) holds in ``env`` for ``selection``."""
    if marker is None:
        return True
    full: dict[str, str | frozenset[str]] = {
        **env,
        "extras": selection.extras,
        "dependency_groups": selection.groups,
    }
    return any(
        marker.evaluate({**full, "extra": extra}, context="lock_file")
        for extra in ["", *sorted(selection.extras)]
    )


def differences(
    first: Marker | None,
    second: Marker | None,
    grid: Sequence[tuple[Selected, dict[str, str]]],
) -> list[tuple[Selected, dict[str, str]]]:
    """The environments where one marker holds and the other does not."""
    return [(s, env) for s, env in grid if holds(first, s, env) != holds(second, s, env)]


# the marker of a package one side does not list at all (false everywhere)
NEVER = Marker("python_full_version < '0'")


def shown(marker: Marker | None) -> str:
    """A marker as a comparison's message shows it."""
    if marker is None:
        return "always"
    return "absent" if marker is NEVER else repr(str(marker))


def any_of(markers: Sequence[Marker | None]) -> Marker | None:
    """One marker for a package listed more than once (with and without extras, in two
    sections): the ``or`` of its entries'."""
    if any(m is None for m in markers):
        return None
    return Marker(" or ".join(f"({m})" for m in markers))


def merged(pairs: Iterable[tuple[K, Marker | None]]) -> dict[K, Marker | None]:
    """Each key's markers made one with ``any_of``."""
    found: dict[K, list[Marker | None]] = {}
    for key, marker in pairs:
        found.setdefault(key, []).append(marker)
    return {key: any_of(markers) for key, markers in found.items()}
