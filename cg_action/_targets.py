"""Install targets: a platform and a Python version, and which wheels install there.

A target is written ``PLATFORM`` or ``PLATFORM@PYTHON``: ``linux-x86_64``, ``linux-aarch64@3.12``,
``macos-arm64@3.13``, ``windows-amd64``, ``musllinux-x86_64``. Wheel compatibility uses
``packaging.tags``; environment markers are evaluated per target so a pin that cannot install
there is not blamed there.

Lockfile markers may name the extras and dependency groups an install selects (PEP 751:
``'dev' in dependency_groups``, ``'security' in extras``; older locks write ``extra == 'cli'``).
A target evaluates them for its ``Selection``: every extra and group unless told otherwise.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from packaging.markers import Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version

from cg_action._errors import UsageError

logger = logging.getLogger(__name__)

# platform name -> (wheel platform tags, best first; marker environment values)
_LINUX_GLIBC = [(2, minor) for minor in range(39, 16, -1)]


def _manylinux(arch: str) -> list[str]:
    tags = [f"manylinux_{major}_{minor}_{arch}" for major, minor in _LINUX_GLIBC]
    tags += [f"manylinux2014_{arch}"]
    if arch in ("x86_64", "i686"):
        tags += [f"manylinux2010_{arch}", f"manylinux1_{arch}"]
    return [*tags, f"linux_{arch}"]


def _macos(arch: str) -> list[str]:
    majors = range(15, 10, -1) if arch == "arm64" else range(15, 9, -1)
    tags: list[str] = []
    for major in majors:
        minors = range(16, -1, -1) if major == 10 else [0]
        for minor in minors:
            tags += [f"macosx_{major}_{minor}_{arch}", f"macosx_{major}_{minor}_universal2"]
    return tags


_PLATFORMS: dict[str, tuple[list[str], dict[str, str]]] = {
    "linux-x86_64": (
        _manylinux("x86_64"),
        {
            "sys_platform": "linux",
            "platform_system": "Linux",
            "platform_machine": "x86_64",
            "os_name": "posix",
        },
    ),
    "linux-aarch64": (
        _manylinux("aarch64"),
        {
            "sys_platform": "linux",
            "platform_system": "Linux",
            "platform_machine": "aarch64",
            "os_name": "posix",
        },
    ),
    "musllinux-x86_64": (
        [f"musllinux_1_{minor}_x86_64" for minor in range(2, -1, -1)] + ["linux_x86_64"],
        {
            "sys_platform": "linux",
            "platform_system": "Linux",
            "platform_machine": "x86_64",
            "os_name": "posix",
        },
    ),
    "macos-arm64": (
        _macos("arm64"),
        {
            "sys_platform": "darwin",
            "platform_system": "Darwin",
            "platform_machine": "arm64",
            "os_name": "posix",
        },
    ),
    "macos-x86_64": (
        _macos("x86_64"),
        {
            "sys_platform": "darwin",
            "platform_system": "Darwin",
            "platform_machine": "x86_64",
            "os_name": "posix",
        },
    ),
    "windows-amd64": (
        ["win_amd64"],
        {
            "sys_platform": "win32",
            "platform_system": "Windows",
            "platform_machine": "AMD64",
            "os_name": "nt",
        },
    ),
    "windows-arm64": (
        ["win_arm64"],
        {
            "sys_platform": "win32",
            "platform_system": "Windows",
            "platform_machine": "ARM64",
            "os_name": "nt",
        },
    ),
}
_ALIASES = {
    "linux-amd64": "linux-x86_64",
    "linux-arm64": "linux-aarch64",
    "macos-aarch64": "macos-arm64",
    "windows-x86_64": "windows-amd64",
}
PLATFORM_NAMES = tuple(sorted(_PLATFORMS))


@dataclass(frozen=True, slots=True)
class Selection:
    """The extras and dependency groups an install selects; None stands for all of them.

    Names are normalized (``canonicalize_name``), as lockfile markers compare them.
    """

    extras: frozenset[str] | None = None
    groups: frozenset[str] | None = None

    @classmethod
    def of(cls, extras: Iterable[str] | None, groups: Iterable[str] | None) -> Selection:
        """A selection of these names (None: all of them)."""
        return cls(extras=_normalized(extras), groups=_normalized(groups))

    def describe(self) -> str:
        """``extras: all; dependency groups: dev, test``."""
        return f"extras: {_listed(self.extras)}; dependency groups: {_listed(self.groups)}"


def _normalized(names: Iterable[str] | None) -> frozenset[str] | None:
    return None if names is None else frozenset(canonicalize_name(n) for n in names)


def _listed(names: frozenset[str] | None) -> str:
    if names is None:
        return "all"
    return ", ".join(sorted(names)) or "none"


ALL = Selection()


@dataclass(frozen=True)
class Target:
    """One place the dependencies must install: a platform and a CPython version.

    ``selection`` says which extras and dependency groups lockfile markers are evaluated for.
    """

    platform: str
    python: tuple[int, int]
    selection: Selection = ALL

    def __str__(self) -> str:
        return f"{self.platform}@{self.python[0]}.{self.python[1]}"

    @cached_property
    def tags(self) -> frozenset[Tag]:
        """Every wheel tag that installs on this target."""
        platforms = _PLATFORMS[self.platform][0]
        # the ABI given, so that packaging does not ask sysconfig (it would for the running
        # interpreter's version, and answer for this machine's build, not the target's)
        abis = [f"cp{self.python[0]}{self.python[1]}"]
        found = set(cpython_tags(self.python, abis=abis, platforms=platforms))
        found.update(compatible_tags(self.python, f"cp{self.python[0]}{self.python[1]}", platforms))
        return frozenset(found)

    @cached_property
    def environment(self) -> dict[str, str]:
        """The PEP 508 marker environment of this target."""
        version = f"{self.python[0]}.{self.python[1]}"
        env = dict(_PLATFORMS[self.platform][1])
        env.update(
            python_version=version,
            python_full_version=f"{version}.0",
            implementation_name="cpython",
            platform_python_implementation="CPython",
            implementation_version=f"{version}.0",
            platform_release="",
            platform_version="",
            extra="",
        )
        return env

    def with_selection(self, selection: Selection) -> Target:
        """The same target, its markers evaluated for ``selection``."""
        return dataclasses.replace(self, selection=selection)

    def accepts_marker(self, marker: Marker | None) -> bool:
        """Whether a requirement with this marker installs on the target.

        A marker that cannot be evaluated (packaging refuses the comparison) is taken to
        install: the pin is checked rather than silently skipped.
        """
        if marker is None:
            return True
        try:
            return evaluate_marker(marker, self.environment, self.selection)
        except (UndefinedComparison, UndefinedEnvironmentName) as exc:
            logger.debug("marker %s cannot be evaluated (%s): taken to install", marker, exc)
            return True

    def accepts_wheel(self, filename: str) -> bool:
        """Whether a wheel file name has a tag that installs on this target."""
        tags = _wheel_tags(filename)
        return tags is not None and not tags.isdisjoint(self.tags)

    def accepts_python(self, requires_python: str | None) -> bool:
        """Whether ``Requires-Python`` admits the target's Python (unparseable: yes)."""
        if not requires_python:
            return True
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            spec = SpecifierSet(requires_python)
        except InvalidSpecifier:
            return True
        return spec.contains(Version(f"{self.python[0]}.{self.python[1]}.0"), prereleases=True)


@functools.lru_cache(maxsize=4096)
def _wheel_tags(filename: str) -> frozenset[Tag] | None:
    """The tags of a wheel file name (None if it is not one): read once for every target."""
    try:
        return parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return None


_QUOTED = re.compile(r"""'([^']*)'|"([^"]*)\"""")
_EXTRA = re.compile(r"\bextra\b")


def evaluate_marker(marker: Marker, environment: dict[str, str], selection: Selection) -> bool:
    """Whether ``marker`` holds in ``environment`` for the extras and groups of ``selection``.

    The marker is evaluated as a lockfile marker (PEP 751): ``extras`` and
    ``dependency_groups`` are the sets of selected names; "all" is every name the marker
    mentions, which decides the same. The metadata marker ``extra == 'name'`` holds when one
    selected extra makes it hold. Raises packaging's UndefinedComparison or
    UndefinedEnvironmentName for a marker it cannot evaluate.
    """
    text = str(marker)
    if "extra" not in text and "dependency_groups" not in text:
        return marker.evaluate(environment, context="lock_file")
    mentioned = frozenset(canonicalize_name(a or b) for a, b in _QUOTED.findall(text))
    extras = mentioned if selection.extras is None else selection.extras
    groups = mentioned if selection.groups is None else selection.groups
    env: dict[str, str | frozenset[str]] = {
        **environment,
        "extras": extras,
        "dependency_groups": groups,
    }
    candidates = ["", *sorted(extras)] if _EXTRA.search(text) else [""]
    return any(
        marker.evaluate({**env, "extra": extra}, context="lock_file") for extra in candidates
    )


def parse_target(text: str) -> Target:
    """``PLATFORM`` or ``PLATFORM@X.Y``; the Python defaults to the running interpreter's."""
    platform, _, python = text.strip().lower().partition("@")
    platform = _ALIASES.get(platform, platform)
    if platform not in _PLATFORMS:
        raise UsageError(
            f"unknown target platform {platform!r}; use one of {', '.join(PLATFORM_NAMES)}"
            " (optionally with @X.Y for the Python version)"
        )
    if python:
        try:
            major, minor = (int(part) for part in python.split(".")[:2])
        except ValueError:
            raise UsageError(
                f"target {text!r}: write the Python version as X.Y, e.g. @3.12"
            ) from None
        version = (major, minor)
    else:
        version = (sys.version_info.major, sys.version_info.minor)
    return Target(platform=platform, python=version)


def default_targets() -> tuple[Target, ...]:
    """The CPython of the running interpreter on linux-x86_64."""
    return (parse_target("linux-x86_64"),)
