"""Find the traps in index configuration: settings that quietly bypass Chainguard, or leak.

Each trap is a ``ConfigFinding`` with a code, a message naming the place and a hint saying
what to do. Messages never repeat a secret: every URL in them is redacted. Codes:

* ``credentials-in-url``: a URL in a committed file carries a password or token;
* ``pypi-index-url``: a requirements file sets ``--index-url`` to PyPI;
* ``chainguard-as-extra``: pip gets Chainguard as an extra index while PyPI is the index;
* ``uv-chainguard-not-default``: uv lists Chainguard, but PyPI stays its implicit default;
* ``pypi-before-chainguard``: the tool asks PyPI before Chainguard;
* ``poetry-no-supplemental-pypi``: Poetry has a Chainguard source and no PyPI source at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cg_action._compat import assert_never
from cg_action._errors import ParseError
from cg_action._models import Location
from cg_action._rewrite._files import find_config_files
from cg_action._rewrite._interface import ConfigFinding, ConfigFormat, RewriteOptions
from cg_action._rewrite._pipconf import EXTRA_INDEX_URL, INDEX_URL, parse_conf
from cg_action._rewrite._plan import URL_PATTERN, read_config
from cg_action._rewrite._requirements import find_index_lines
from cg_action._rewrite._roles import Role, has_secret, role_of
from cg_action._sources._typed import TomlLines, load_toml
from cg_action._urls import redact_url

REWRITE_HINT = "run `cg-action rewrite` to point it at Chainguard"


def lint_paths(
    paths: Sequence[Path],
    *,
    options: RewriteOptions | None = None,
    pip_config_file: Path | None = None,
) -> list[ConfigFinding]:
    """Every trap in the configuration files under ``paths``.

    ``options`` says which URLs are Chainguard's (``--index-url``) and whether a PyPI fallback
    is intended (only then is a missing Poetry PyPI source a trap).
    """
    findings: list[ConfigFinding] = []
    for path, fmt in find_config_files(paths, pip_config_file=pip_config_file):
        try:
            text = read_config(path).text
        except ParseError:
            continue  # unreadable files are reported by the readers, not here
        findings.extend(lint_text(path, fmt, text, options or RewriteOptions()))
    return findings


def lint_text(
    path: Path, fmt: ConfigFormat, text: str, options: RewriteOptions
) -> list[ConfigFinding]:
    """The traps in one configuration file's text."""
    findings = credential_findings(path, text)
    match fmt:
        case ConfigFormat.REQUIREMENTS:
            findings.extend(_requirements_findings(path, text, options))
        case ConfigFormat.PIP_CONF:
            findings.extend(_pipconf_findings(path, text, options))
        case ConfigFormat.PYPROJECT | ConfigFormat.UV_TOML | ConfigFormat.PIPFILE:
            try:
                data = load_toml(path, text)
            except ParseError:
                return findings
            findings.extend(_toml_findings(path, fmt, text, data, options))
        case ConfigFormat.LOCK:
            pass
        case _:
            assert_never(fmt)
    return findings


def credential_findings(path: Path, text: str) -> list[ConfigFinding]:
    """URLs with literal credentials, one finding per line (the secret is not repeated)."""
    findings = []
    for number, line in enumerate(text.split("\n"), start=1):
        for match in URL_PATTERN.finditer(line):
            if has_secret(match.group(0)):
                findings.append(
                    ConfigFinding(
                        location=Location(path=path, line=number),
                        code="credentials-in-url",
                        message=(
                            f"a URL carries credentials: {redact_url(match.group(0))} "
                            "(user-info removed here)"
                        ),
                        hint=(
                            "remove them and revoke them; give them through .netrc or the "
                            "tool's environment variables (`cg-action rewrite` prints which)"
                        ),
                    )
                )
                break
    return findings


def _requirements_findings(path: Path, text: str, options: RewriteOptions) -> list[ConfigFinding]:
    findings = []
    entries = find_index_lines(text.split("\n"))
    pypi_index = [
        e for e in entries if e.option == INDEX_URL and role_of(e.url, options) is Role.PYPI
    ]
    for entry in pypi_index:
        findings.append(
            ConfigFinding(
                location=Location(path=path, line=entry.start + 1),
                code="pypi-index-url",
                message=(
                    f"{path}:{entry.start + 1}: --index-url points at PyPI "
                    f"({redact_url(entry.url)})"
                ),
                hint=REWRITE_HINT,
            )
        )
    if pypi_index:
        findings.extend(
            _chainguard_as_extra(path, e.start + 1, e.url)
            for e in entries
            if e.option == EXTRA_INDEX_URL and role_of(e.url, options) is Role.CHAINGUARD
        )
    return findings


def _chainguard_as_extra(path: Path, line: int, url: str) -> ConfigFinding:
    return ConfigFinding(
        location=Location(path=path, line=line),
        code="chainguard-as-extra",
        message=(
            f"Chainguard ({redact_url(url)}) is an extra index while PyPI is the index URL: "
            "pip gives extra indexes no priority and may take PyPI's files"
        ),
        hint=f"make Chainguard the index URL; {REWRITE_HINT}",
    )


def _pipconf_findings(path: Path, text: str, options: RewriteOptions) -> list[ConfigFinding]:
    conf = parse_conf(text)
    indexes = [v for e in conf.entries if e.key == INDEX_URL for v in e.values]
    if indexes and not any(role_of(v, options) is Role.PYPI for v in indexes):
        return []
    return [
        _chainguard_as_extra(path, entry.start + 1, value)
        for entry in conf.entries
        if entry.key == EXTRA_INDEX_URL
        for value in entry.values
        if role_of(value, options) is Role.CHAINGUARD
    ]


def _entries(data: Mapping[str, Any], keys: Sequence[str]) -> list[Mapping[str, Any]]:
    current: Any = data
    for key in keys:
        current = current.get(key) if isinstance(current, Mapping) else None
    if not isinstance(current, list):
        return []
    return [e for e in current if isinstance(e, Mapping)]


def _role(entry: Mapping[str, Any], options: RewriteOptions, *, pypi_by_name: bool) -> Role:
    url, name = entry.get("url"), entry.get("name")
    if isinstance(url, str):
        role = role_of(url, options)
        if role is not Role.OTHER:
            return role
    if isinstance(name, str):
        lowered = name.lower()
        if lowered == "chainguard":
            return Role.CHAINGUARD
        if lowered == "chainguard-remediated":
            return Role.REMEDIATED
        if pypi_by_name and lowered == "pypi" and not isinstance(url, str):
            return Role.PYPI
    return Role.OTHER


def _toml_findings(
    path: Path, fmt: ConfigFormat, text: str, data: Mapping[str, Any], options: RewriteOptions
) -> list[ConfigFinding]:
    lines = TomlLines(text)
    findings: list[ConfigFinding] = []
    if fmt is ConfigFormat.UV_TOML:
        findings.extend(
            _uv_findings(path, _entries(data, ["index"]), lines.headers("index"), options)
        )
    elif fmt is ConfigFormat.PIPFILE:
        findings.extend(_pipfile_findings(path, _entries(data, ["source"]), lines, options))
    else:
        findings.extend(
            _uv_findings(
                path,
                _entries(data, ["tool", "uv", "index"]),
                lines.headers("tool.uv.index"),
                options,
            )
        )
        findings.extend(
            _poetry_findings(
                path,
                _entries(data, ["tool", "poetry", "source"]),
                lines.headers("tool.poetry.source"),
                options,
            )
        )
        findings.extend(
            _ordered_findings(
                path,
                _entries(data, ["tool", "pdm", "source"]),
                lines.headers("tool.pdm.source"),
                options,
                "PDM",
            )
        )
    return findings


def _line(headers: list[int], position: int) -> int | None:
    return headers[position] if position < len(headers) else None


def _pypi_first(path: Path, line: int | None, tool: str, why: str) -> ConfigFinding:
    return ConfigFinding(
        location=Location(path=path, line=line),
        code="pypi-before-chainguard",
        message=f"{tool} asks PyPI before Chainguard: {why}",
        hint=f"list Chainguard first and PyPI only as a fallback; {REWRITE_HINT}",
    )


def _uv_findings(
    path: Path,
    entries: list[Mapping[str, Any]],
    headers: list[int],
    options: RewriteOptions | None = None,
) -> list[ConfigFinding]:
    options = options or RewriteOptions()
    roles = [_role(e, options, pypi_by_name=False) for e in entries]
    if Role.CHAINGUARD not in roles:
        return []
    position = roles.index(Role.CHAINGUARD)
    chainguard = entries[position]
    findings = []
    any_default = any(e.get("default") is True for e in entries)
    if chainguard.get("default") is not True and not any_default:
        findings.append(
            ConfigFinding(
                location=Location(path=path, line=_line(headers, position)),
                code="uv-chainguard-not-default",
                message=(
                    "the Chainguard index is not `default = true`, so PyPI stays uv's default "
                    "index and what Chainguard lacks or blocks comes from PyPI with no sign"
                ),
                hint=(
                    "add `default = true` to the Chainguard index (or declare PyPI as the "
                    f"default explicitly, after it, if that fallback is wanted); {REWRITE_HINT}"
                ),
            )
        )
    for number, (entry, role) in enumerate(zip(entries, roles, strict=True)):
        if role is not Role.PYPI or entry.get("explicit") is True or entry.get("default") is True:
            continue
        if number < position:
            why = "it is listed before the Chainguard index"
        elif chainguard.get("default") is True:
            why = "uv asks the default index (Chainguard) last, after every other index"
        else:
            continue
        findings.append(_pypi_first(path, _line(headers, number), "uv", why))
    return findings


def _poetry_findings(
    path: Path, entries: list[Mapping[str, Any]], headers: list[int], options: RewriteOptions
) -> list[ConfigFinding]:
    roles = [_role(e, options, pypi_by_name=True) for e in entries]
    if Role.CHAINGUARD not in roles:
        return []
    position = roles.index(Role.CHAINGUARD)
    findings = []
    if Role.PYPI not in roles and options.fallback:
        findings.append(
            ConfigFinding(
                location=Location(path=path, line=_line(headers, position)),
                code="poetry-no-supplemental-pypi",
                message=(
                    "Poetry has a Chainguard source but no PyPI source: nothing falls back to "
                    "PyPI, and resolution has been seen to hang"
                ),
                hint=(
                    'add [[tool.poetry.source]] name = "PyPI", priority = "supplemental" '
                    f"(or, if no fallback is wanted, run with --no-fallback); {REWRITE_HINT}"
                ),
            )
        )
    for number, (entry, role) in enumerate(zip(entries, roles, strict=True)):
        if role is not Role.PYPI:
            continue
        priority = entry.get("priority", "primary")
        if priority == "default" or (priority == "primary" and number < position):
            findings.append(
                _pypi_first(
                    path,
                    _line(headers, number),
                    "Poetry",
                    f"the PyPI source has priority '{priority}' ahead of the Chainguard source",
                )
            )
    return findings


def _ordered_findings(
    path: Path,
    entries: list[Mapping[str, Any]],
    headers: list[int],
    options: RewriteOptions,
    tool: str,
) -> list[ConfigFinding]:
    roles = [_role(e, options, pypi_by_name=False) for e in entries]
    if Role.CHAINGUARD not in roles:
        return []
    position = roles.index(Role.CHAINGUARD)
    return [
        _pypi_first(path, _line(headers, n), tool, "the PyPI source is listed first")
        for n, role in enumerate(roles[:position])
        if role is Role.PYPI
    ]


def _pipfile_findings(
    path: Path, entries: list[Mapping[str, Any]], lines: TomlLines, options: RewriteOptions
) -> list[ConfigFinding]:
    headers = lines.headers("source")
    roles = [_role(e, options, pypi_by_name=False) for e in entries]
    if Role.CHAINGUARD not in roles or not roles or roles[0] is not Role.PYPI:
        return []
    return [
        _pypi_first(
            path,
            _line(headers, 0),
            "Pipenv",
            "the first [[source]] is PyPI, and Pipenv installs every package without "
            "`index = ...` from the first source",
        )
    ]
