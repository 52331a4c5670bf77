"""Release checks for the tag-driven release workflow (.github/workflows/release.yml).

    python scripts/release.py check v1.2.3 [--existing-tags FILE|-]
        The tag names the version of pyproject.toml and cg_action/__init__.py, and CHANGELOG.md
        has a section for it. Prints ``version=``, ``major=``, ``prerelease=`` and
        ``move-major=`` lines for $GITHUB_OUTPUT; with --existing-tags (one tag per line, e.g.
        ``git tag --list``), move-major is true only when no final release of the same major
        version is newer. Exit 1 with the reason otherwise.

    python scripts/release.py notes 1.2.3
        The CHANGELOG.md section of that version, for the GitHub release notes.

Standard library only (plus tomli on Python 3.10), so the workflow needs no install.
See docs/releasing.md.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
# What a release may be called: X.Y.Z, or a pre-release X.Y.ZaN / bN / rcN (PEP 440, normalized).
RELEASE_VERSION = re.compile(
    r"(?P<major>0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)(?:(?:a|b|rc)(?:0|[1-9]\d*))?"
)
FINAL_VERSION = re.compile(r"(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)")
# "## [1.2.3] - 2025-01-31", "## [Unreleased]"; brackets and the date are optional.
HEADING = re.compile(r"^## +\[?(?P<name>[^\]\s]+)\]?(?: +- +(?P<date>\S+))? *$")
LINK_DEFINITION = re.compile(r"^\[[^\]]+\]: +\S+$")
PACKAGE_VERSION = re.compile(r"""^__version__ *= *["']([^"']+)["'] *$""", re.MULTILINE)
UNRELEASED = "Unreleased"


class ReleaseError(Exception):
    """What stops a release, said so that the maintainer knows what to fix."""


def project_version(root: Path = ROOT) -> str:
    """``[project] version`` of pyproject.toml."""
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    version = data.get("project", {}).get("version")
    if not isinstance(version, str):
        raise ReleaseError("pyproject.toml: [project] has no static version")
    return version


def package_version(root: Path = ROOT) -> str:
    """``__version__`` of cg_action/__init__.py."""
    path = root / "cg_action" / "__init__.py"
    match = PACKAGE_VERSION.search(path.read_text(encoding="utf-8"))
    if match is None:
        raise ReleaseError("cg_action/__init__.py: no __version__ = '...' line")
    return match.group(1)


def changelog_sections(text: str) -> list[tuple[str, str | None, str]]:
    """Every ``## `` section of a changelog as (name, date or None, body), in order."""
    sections: list[tuple[str, str | None, list[str]]] = []
    for line in text.splitlines():
        heading = HEADING.match(line)
        if heading:
            sections.append((heading["name"], heading["date"], []))
        elif line.startswith("## "):
            raise ReleaseError(f"CHANGELOG.md: a heading that is not '## [VERSION] - DATE': {line}")
        elif sections:
            sections[-1][2].append(line)
    return [(name, date, _body(lines)) for name, date, lines in sections]


def _body(lines: list[str]) -> str:
    """The section's text without surrounding blank lines or trailing link definitions."""
    end = len(lines)
    while end and (not lines[end - 1].strip() or LINK_DEFINITION.match(lines[end - 1])):
        end -= 1
    start = 0
    while start < end and not lines[start].strip():
        start += 1
    return "\n".join(lines[start:end])


def changelog_section(text: str, version: str) -> str:
    """The body of ``version``'s section; ReleaseError when it is missing or empty."""
    for name, _date, body in changelog_sections(text):
        if name == version:
            if not body.strip():
                raise ReleaseError(f"CHANGELOG.md: the section for {version} is empty")
            return body
    raise ReleaseError(
        f"CHANGELOG.md has no '## [{version}] - YYYY-MM-DD' section: move the entries of "
        f"'## [{UNRELEASED}]' into one (docs/releasing.md)"
    )


def version_of_tag(tag: str) -> str:
    """``v1.2.3`` -> ``1.2.3``; ReleaseError for anything that is not a release tag."""
    version = tag[1:]
    if not tag.startswith("v") or not RELEASE_VERSION.fullmatch(version):
        raise ReleaseError(
            f"{tag!r} is not a release tag: use vX.Y.Z (or vX.Y.ZaN, bN, rcN for a pre-release)"
        )
    return version


def _release_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def newest_final_release(tags: Iterable[str], major: str) -> str | None:
    """The newest final ``vMAJOR.Y.Z`` among ``tags`` (others are ignored)."""
    versions = [
        tag.strip().removeprefix("v")
        for tag in tags
        if tag.strip().startswith(f"v{major}.")
        and FINAL_VERSION.fullmatch(tag.strip().removeprefix("v"))
    ]
    return max(versions, key=_release_key, default=None)


def check_tag(tag: str, root: Path = ROOT, existing_tags: Sequence[str] = ()) -> dict[str, str]:
    """What the release workflow needs to know of ``tag``; ReleaseError when it must stop."""
    version = version_of_tag(tag)
    problems = []
    for where, found in (
        ("pyproject.toml", project_version(root)),
        ("cg_action/__init__.py", package_version(root)),
    ):
        if found != version:
            problems.append(f"{where} says {found}")
    if problems:
        raise ReleaseError(
            f"the tag {tag} is not the version of the code: {'; '.join(problems)} "
            "(bump both in the release commit, then tag it)"
        )
    changelog_section((root / "CHANGELOG.md").read_text(encoding="utf-8"), version)
    major = version.split(".", 1)[0]
    prerelease = not FINAL_VERSION.fullmatch(version)
    newest = newest_final_release([*existing_tags, tag], major)
    move = not prerelease and newest is not None and _release_key(newest) <= _release_key(version)
    return {
        "version": version,
        "major": major,
        "prerelease": str(prerelease).lower(),
        "move-major": str(move).lower(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="release.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check a release tag against the code")
    check.add_argument("tag")
    check.add_argument("--existing-tags", metavar="FILE", help="the repository's tags ('-': stdin)")
    check.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    notes = commands.add_parser("notes", help="print a version's CHANGELOG.md section")
    notes.add_argument("version")
    notes.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            existing: list[str] = []
            if args.existing_tags == "-":
                existing = sys.stdin.read().splitlines()
            elif args.existing_tags:
                existing = Path(args.existing_tags).read_text(encoding="utf-8").splitlines()
            for key, value in check_tag(args.tag, args.root, existing).items():
                print(f"{key}={value}")
        else:
            text = (args.root / "CHANGELOG.md").read_text(encoding="utf-8")
            print(changelog_section(text, args.version))
    except ReleaseError as exc:
        print(f"release.py: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
