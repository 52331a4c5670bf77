"""Project policy: ``[tool.cg-action]`` in pyproject.toml or ``.cg-action.toml``.

The keys are the command-line options (which, and their variables, win over them):
``index-url``, ``fallback-index-url``, ``remediated``, ``fail-on``, ``targets``,
``probe-files``, ``extras``, ``groups``, ``cooldown-days``, and ``ignore`` entries with
``name``, optional ``version``, required ``reason`` and optional ``until`` date. An ignore past
its date stops applying and says so. Inline ``# cg-action: ignore[...] reason`` comments on
requirements lines ignore that line.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName

from cg_action._errors import ParseError, UsageError
from cg_action._models import Finding, Ignore, Status
from cg_action._sources._typed import (
    TomlLines,
    Where,
    excerpt,
    expect_bool,
    expect_list,
    expect_str,
    expect_table,
    get_optional_str,
    get_str,
    load_toml,
    parse_name,
    read_text,
)
from cg_action._urls import check_index_url

_KNOWN_KEYS = frozenset(
    {
        "index-url",
        "fallback-index-url",
        "remediated",
        "fail-on",
        "targets",
        "probe-files",
        "extras",
        "groups",
        "cooldown-days",
        "ignore",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class IgnoreRule:
    """One ``ignore`` entry of the policy."""

    name: NormalizedName
    versions: SpecifierSet | None
    statuses: frozenset[str]
    reason: str
    until: dt.date | None
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """The settings and ignores a project keeps in its repository."""

    source: Path | None = None
    settings: dict[str, Any] | None = None
    ignores: tuple[IgnoreRule, ...] = ()

    def setting(self, key: str) -> Any:
        """A setting's value, or None."""
        return (self.settings or {}).get(key)


def load_policy(root: Path, explicit: Path | None = None) -> Policy:
    """The policy of the project at ``root`` (``.cg-action.toml`` wins over pyproject.toml).

    ``explicit`` (``--config``) must exist; the files found at ``root`` are read only when their
    real path lies inside it.
    """
    if explicit is not None and not os.path.lexists(explicit):
        raise UsageError(f"{explicit}: no such file; fix the --config path or leave it out")
    candidates = [explicit] if explicit else [root / ".cg-action.toml", root / "pyproject.toml"]
    for path in candidates:
        if path is None or (explicit is None and not os.path.lexists(path)):
            continue
        text = read_text(path, root=None if explicit is not None else root)
        data = load_toml(path, text)
        lines = TomlLines(text)
        if path.name == ".cg-action.toml" or explicit is not None:
            table: Any = data
            where = Where(path, "", 1)
        else:
            tool = data.get("tool")
            if not isinstance(tool, dict) or "cg-action" not in tool:
                continue
            header = lines.headers("tool.cg-action")
            where = Where(path, "tool.cg-action", header[0] if header else None)
            table = expect_table(tool["cg-action"], where)
        return _read_policy(path, table, where, lines)
    return Policy()


def _read_policy(path: Path, table: Any, where: Where, lines: TomlLines) -> Policy:
    table = expect_table(table, where)
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        raise (
            where.child(unknown[0])
            .at_line(lines.key(unknown[0]))
            .error(f"unknown setting; the known ones are {', '.join(sorted(_KNOWN_KEYS))}")
        )
    ignores: list[IgnoreRule] = []
    entries = expect_list(table.get("ignore", []), where.child("ignore"))
    for position, raw_entry in enumerate(entries):
        here = where.child(position)
        entry = expect_table(raw_entry, here)
        raw_name = get_str(entry, "name", here)
        here = here.at_line(lines.string(raw_name))
        reason = get_optional_str(entry, "reason", here)
        if not reason or not reason.strip():
            raise here.child("reason").error("every ignore needs a reason: say why")
        versions = None
        raw_version = get_optional_str(entry, "version", here)
        if raw_version:
            try:
                versions = SpecifierSet(
                    raw_version if raw_version[0] in "=<>!~" else f"=={raw_version}"
                )
            except InvalidSpecifier as exc:
                raise here.child("version").error(
                    f"not a version or specifier: {excerpt(raw_version)}"
                ) from exc
        until = entry.get("until")
        if isinstance(until, str):
            try:
                until = dt.date.fromisoformat(until)
            except ValueError as exc:
                raise here.child("until").error("write the date as YYYY-MM-DD") from exc
        if until is not None and not isinstance(until, dt.date):
            raise here.child("until").error("expected a date (YYYY-MM-DD)")
        statuses = entry.get("status", [])
        if isinstance(statuses, str):
            statuses = [statuses]
        statuses = expect_list(statuses, here.child("status"))
        ignores.append(
            IgnoreRule(
                name=parse_name(raw_name, here.child("name")),
                versions=versions,
                statuses=frozenset(str(s) for s in statuses),
                reason=reason.strip(),
                until=until,
                source=f"{path.name}:{here.line}" if here.line else path.name,
            )
        )
    settings = {k: v for k, v in table.items() if k != "ignore"}
    for key, value in settings.items():
        here = where.child(key).at_line(lines.key(key))
        match key:
            case "index-url" | "fallback-index-url":
                check_index_url(expect_str(value, here), f"{path}:{here.line or 1}: {key}")
            case "remediated" | "probe-files":
                expect_bool(value, here)
            case "fail-on" | "targets" | "extras" | "groups":
                if not isinstance(value, str):
                    for position, item in enumerate(expect_list(value, here)):
                        expect_str(item, here.child(position))
            case "cooldown-days":
                if (
                    isinstance(value, bool)
                    or not isinstance(value, int | float)
                    or not (0 <= value < float("inf"))
                ):
                    raise here.error("expected a number of days, 0 or more (0: never held back)")
    return Policy(source=path, settings=settings, ignores=tuple(ignores))


def apply_ignores(
    findings: Sequence[Finding], policy: Policy, *, today: dt.date
) -> tuple[list[Finding], list[str]]:
    """Mark ignored findings; return them with notes about expired ignores."""
    out: list[Finding] = []
    notes: list[str] = []
    expired_seen: set[str] = set()
    for finding in findings:
        dep = finding.dependency
        ignore: Ignore | None = None
        inline = dep.inline_ignore
        if inline is not None and (not inline.statuses or finding.status.value in inline.statuses):
            ignore = Ignore(reason=inline.reason, source="inline comment")
        if ignore is None and finding.status is not Status.CHAINGUARD:
            for rule in policy.ignores:
                if rule.name != dep.name:
                    continue
                if rule.statuses and finding.status.value not in rule.statuses:
                    continue
                version = finding.version or dep.version
                if rule.versions is not None and (
                    version is None or not rule.versions.contains(version, prereleases=True)
                ):
                    continue
                if rule.until is not None and rule.until < today:
                    if rule.source not in expired_seen:
                        expired_seen.add(rule.source)
                        notes.append(
                            f"{rule.source}: the ignore of {rule.name} expired on "
                            f"{rule.until.isoformat()} and no longer applies"
                        )
                    continue
                ignore = Ignore(reason=rule.reason, source=rule.source)
                break
        out.append(replace(finding, ignored=ignore) if ignore else finding)
    return out, notes


__all__ = ["IgnoreRule", "ParseError", "Policy", "apply_ignores", "load_policy"]
