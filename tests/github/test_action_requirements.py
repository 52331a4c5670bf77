"""The Action's hash-checked requirement lists match pyproject.toml (offline: only text is read).

``requirements/action.txt`` holds cg-action's runtime dependencies and everything they need,
each pinned with hashes; ``requirements/action-build.txt`` the build backend the Action builds
cg-action with; ``requirements/release.txt`` what the release workflow builds with. They are
made by ``uv pip compile --universal --generate-hashes`` (the command is in each file's header).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent.parent
REQUIREMENTS = ROOT / "requirements"
PYPROJECT_VIA = "cg-action (pyproject.toml)"
PINNED = re.compile(
    r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+?)(?:\s*;\s*(?P<marker>.+))?"
)
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")
# The Pythons the Action supports, each as the markers of a few platforms.
ENVIRONMENTS = [
    {
        "python_version": f"3.{minor}",
        "python_full_version": f"3.{minor}.{micro}",
        "sys_platform": platform,
        "os_name": "nt" if platform == "win32" else "posix",
        "platform_system": {"win32": "Windows", "darwin": "Darwin"}.get(platform, "Linux"),
        "platform_machine": "x86_64",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "extra": "",
    }
    for minor in range(10, 15)
    for micro in (0, 2)
    for platform in ("linux", "darwin", "win32")
]


@dataclass(frozen=True)
class Pin:
    name: NormalizedName
    version: Version
    marker: Marker | None
    hashes: int
    via: tuple[str, ...]


def _pins(path: Path) -> dict[NormalizedName, Pin]:
    """The pins of a ``uv pip compile --generate-hashes`` output, with their ``# via`` lines."""
    entries: list[tuple[str, list[str]]] = []  # (requirement text with its options, via lines)
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or (line.startswith("#") and not entries):
            i += 1
            continue
        if line.startswith("#"):
            raise AssertionError(f"{path.name}:{i + 1}: a comment between pins: {line!r}")
        text = line
        while text.endswith("\\"):
            i += 1
            text = text[:-1] + " " + lines[i].strip()
        via: list[str] = []
        i += 1
        while i < len(lines) and lines[i].startswith("    #"):
            via.append(lines[i].strip().lstrip("#").strip())
            i += 1
        entries.append((text, via))
    pins: dict[NormalizedName, Pin] = {}
    for text, via in entries:
        requirement = text.partition(" --hash")[0]
        match = PINNED.fullmatch(requirement.strip())
        assert match, f"{path.name}: not pinned with ==: {requirement!r}"
        hashes = HASH.findall(text)
        assert hashes, f"{path.name}: {match['name']} has no --hash"
        assert text.count("--hash=") == len(hashes), f"{path.name}: a hash that is not sha256"
        name = canonicalize_name(match["name"])
        assert name not in pins, f"{path.name}: {name} pinned twice"
        # "# via a" on one line, or "# via" then one "#   a" line per package
        sources = (
            tuple(v for v in via[1:])
            if via[:1] == ["via"]
            else tuple(v.removeprefix("via ") for v in via)
        )
        pins[name] = Pin(
            name=name,
            version=Version(match["version"]),
            marker=Marker(match["marker"]) if match["marker"] else None,
            hashes=len(hashes),
            via=sources,
        )
    return pins


def _pyproject() -> dict[str, object]:
    data: dict[str, object] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return data


def _runtime_requirements() -> list[Requirement]:
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    return [Requirement(text) for text in project["dependencies"]]


def _applies(marker: Marker | None, environment: dict[str, str]) -> bool:
    return marker is None or marker.evaluate(environment)


def test_every_pin_of_every_list_has_a_hash() -> None:
    for name in ("action.txt", "action-build.txt", "release.txt"):
        pins = _pins(REQUIREMENTS / name)
        assert pins, name
        for pin in pins.values():
            assert pin.hashes >= 1, (name, pin.name)
        header = (REQUIREMENTS / name).read_text(encoding="utf-8").splitlines()[:3]
        assert any("--generate-hashes" in line and "--universal" in line for line in header), (
            f"{name}: its header should say how it was made (uv pip compile --universal "
            "--generate-hashes ...)"
        )


def test_the_action_list_is_exactly_the_runtime_dependencies_and_what_they_need() -> None:
    pins = _pins(REQUIREMENTS / "action.txt")
    wanted = {canonicalize_name(r.name): r for r in _runtime_requirements()}
    direct = {name for name, pin in pins.items() if PYPROJECT_VIA in pin.via}
    assert direct == set(wanted), (
        "requirements/action.txt does not list pyproject.toml's runtime dependencies: "
        f"missing {sorted(set(wanted) - direct)}, extra {sorted(direct - set(wanted))}; "
        "run the uv pip compile command in its header again"
    )
    for name, requirement in wanted.items():
        pin = pins[name]
        assert requirement.specifier.contains(pin.version, prereleases=True), (
            f"{name}=={pin.version} is outside pyproject.toml's {requirement}"
        )
        for environment in ENVIRONMENTS:
            # Installed wherever pyproject.toml needs it (a marker of its own may narrow it).
            if _applies(requirement.marker, environment):
                assert _applies(pin.marker, environment), (name, environment["python_version"])
            elif requirement.marker is not None:
                assert not _applies(pin.marker, environment), (name, environment)
    # Everything else is there because a listed package needs it: nothing stale, no stray pin.
    for name, pin in pins.items():
        if name in wanted:
            continue
        parents = {canonicalize_name(v) for v in pin.via}
        assert pin.via, name
        assert parents <= set(pins), (name, pin.via)


def test_an_extra_of_a_runtime_dependency_brings_its_packages() -> None:
    pins = _pins(REQUIREMENTS / "action.txt")
    httpx = next(r for r in _runtime_requirements() if canonicalize_name(r.name) == "httpx")
    assert "http2" in httpx.extras
    assert canonicalize_name("h2") in pins, "httpx[http2] needs h2: compile with the extra"
    assert "httpx" in {canonicalize_name(v) for v in pins[canonicalize_name("h2")].via}


def test_every_supported_python_gets_a_complete_list() -> None:
    pins = _pins(REQUIREMENTS / "action.txt")
    for environment in ENVIRONMENTS:
        chosen = {n for n, p in pins.items() if _applies(p.marker, environment)}
        for requirement in _runtime_requirements():
            if _applies(requirement.marker, environment):
                assert canonicalize_name(requirement.name) in chosen, environment


def test_the_build_backend_lists_match_the_build_system() -> None:
    build_system = _pyproject()["build-system"]
    assert isinstance(build_system, dict)
    backend = [Requirement(text) for text in build_system["requires"]]
    action_build = _pins(REQUIREMENTS / "action-build.txt")
    assert set(action_build) == {canonicalize_name(r.name) for r in backend}
    for requirement in backend:
        pin = action_build[canonicalize_name(requirement.name)]
        assert requirement.specifier.contains(pin.version), (requirement, pin.version)
    source = (REQUIREMENTS / "action-build.in").read_text(encoding="utf-8")
    listed = [line for line in source.splitlines() if line.strip() and not line.startswith("#")]
    assert sorted(listed) == sorted(str(r) for r in backend), (
        "requirements/action-build.in should hold pyproject.toml's [build-system] requires"
    )
    release = _pins(REQUIREMENTS / "release.txt")
    assert "build" in release
    for name, pin in action_build.items():
        assert release[name].version == pin.version, (
            f"the release builds with {name}=={release[name].version}, the Action with "
            f"{pin.version}: compile both again"
        )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("httpx==0.28.1\n    # via cg-action (pyproject.toml)\n", "no --hash"),
        ("httpx>=0.28 \\\n    --hash=sha256:" + "a" * 64 + "\n", "not pinned"),
        (
            "httpx==0.28.1 \\\n    --hash=sha256:" + "a" * 64 + " \\\n    --hash=md5:abc\n",
            "not sha256",
        ),
    ],
)
def test_the_reader_refuses_what_the_lists_must_not_hold(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AssertionError):
        _pins(path)
    del problem
