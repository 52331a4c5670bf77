"""``check``: verify every dependency against the Chainguard index (or any simple index).

Also writes what a GitHub workflow wants when it runs there: annotations, the job summary,
step outputs, a PR comment and a SARIF file.
"""

from __future__ import annotations

import argparse
import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Generic, TextIO, TypeVar

from packaging.utils import NormalizedName

from cg_action._commands._options import (
    add_client_options,
    add_fallback_options,
    add_index_options,
    add_paths_argument,
    client_settings_from,
    env_flag,
    env_list,
    env_number,
    env_path,
    index_config_for,
    index_config_from,
    paths_from,
    split_words,
)
from cg_action._errors import IndexAccessError, IndexAuthError, UsageError
from cg_action._models import (
    STATUS_TABLE,
    ConfigNotice,
    Dependency,
    ExitCode,
    FileReport,
    Report,
    ReportKind,
    SourceFile,
    Status,
)
from cg_action._report._formats import ReportFormat, parse_format
from cg_action._urls import CHAINGUARD_REMEDIATED_INDEX, PYPI_INDEX, redact_text, redact_url

_NAMES_SELECTION = re.compile(r"\b(extra|extras|dependency_groups)\b")

COMMENT_MODES = ("always", "on-findings", "never")
DEFAULT_COOLDOWN_DAYS = 7.0  # Chainguard's documented default cooldown for upstream versions


def parse_statuses(words: list[str], option: str) -> frozenset[Status]:
    """``missing,fallback`` -> statuses; ``none`` -> nothing; ``any`` -> every status that asks
    something of the user (all but chainguard and not-indexed)."""
    if words in (["none"], []):
        return frozenset()
    if words == ["any"]:
        return frozenset(s for s in Status if STATUS_TABLE[s].needs_action)
    out: set[Status] = set()
    for word in words:
        try:
            out.add(Status(word))
        except ValueError:
            choices = ", ".join(s.value for s in Status)
            raise UsageError(
                f"{option}: unknown status {word!r}; use any of {choices}, 'any' or 'none'"
            ) from None
    return frozenset(out)


ENVIRONMENT = """\
environment:
  Every option takes its default from CG_ACTION_<OPTION> (upper case, '-' as '_'), e.g.
  CG_ACTION_INDEX_URL, CG_ACTION_FAIL_ON, CG_ACTION_NO_FALLBACK=true; PATH ... from
  CG_ACTION_PATHS and --target from CG_ACTION_TARGETS (comma or space separated);
  --extras and --groups from CG_ACTION_EXTRAS and CG_ACTION_GROUPS; --report-file from
  CG_ACTION_REPORT_FILES; --counterpart-index from CG_ACTION_COUNTERPART_INDEXES.
  Credentials: CHAINGUARD_PYTHON_IDENTITY_ID and CHAINGUARD_PYTHON_TOKEN; .netrc from NETRC.
  In GitHub Actions (GITHUB_ACTIONS=true) the format defaults to github, and the job summary,
  step outputs and pull request comment (GITHUB_TOKEN) are written too.
"""


def configure(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    """The options of ``check``."""
    parser.epilog = ENVIRONMENT
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add_paths_argument(parser, env)
    add_index_options(parser, env)
    add_fallback_options(parser, env)
    group = parser.add_argument_group("verdicts")
    group.add_argument(
        "--fail-on",
        action="append",
        metavar="STATUS[,STATUS...]",
        help=(
            "statuses that fail the run (exit 1): "
            + ", ".join(s.value for s in Status)
            + ", 'any' or 'none' (default: $CG_ACTION_FAIL_ON, else the policy file, else missing)"
        ),
    )
    group.add_argument(
        "--probe-files",
        action=argparse.BooleanOptionalAction,
        default=env_flag(env, "CG_ACTION_PROBE_FILES")
        if env.get("CG_ACTION_PROBE_FILES", "").strip()
        else None,
        help="ask for each served file (no download) to find files withheld by policy (409)",
    )
    group.add_argument(
        "--cooldown-days",
        type=float,
        default=env_number(env, "CG_ACTION_COOLDOWN_DAYS", DEFAULT_COOLDOWN_DAYS)
        if env.get("CG_ACTION_COOLDOWN_DAYS", "").strip()
        else None,  # None: the policy file's, else the default
        metavar="DAYS",
        help=(
            "a pin Chainguard lacks whose release reached the fallback fewer days ago is "
            "reported as held back (Chainguard's cooldown or malware scan), so it can wait; "
            "0: never (default: $CG_ACTION_COOLDOWN_DAYS, else the policy file, else "
            f"{DEFAULT_COOLDOWN_DAYS:g})"
        ),
    )
    group.add_argument(
        "--counterpart-index",
        action="append",
        metavar="RECORDED=URL",
        help=(
            "ask URL about the pins a lock records from the index RECORDED, repeatable; URL may "
            "be a CUDA variant such as cu128: Chainguard's index of it beside --index-url. "
            "PyTorch's download.pytorch.org/whl/cu126, cu128 and cu129 need none "
            "(default: $CG_ACTION_COUNTERPART_INDEXES, comma or space separated)"
        ),
    )
    group.add_argument(
        "--target",
        action="append",
        metavar="PLATFORM[@X.Y]",
        help=(
            "where the pins must install, repeatable: linux-x86_64, linux-aarch64, macos-arm64, "
            "windows-amd64, ... with @X.Y for Python (default: $CG_ACTION_TARGETS, else "
            "linux-x86_64 with this Python)"
        ),
    )
    group.add_argument(
        "--extras",
        action="append",
        metavar="NAME[,NAME...]",
        help=(
            "the extras an install selects, for lockfile markers such as 'security' in extras: "
            "names, 'all' or 'none' (default: $CG_ACTION_EXTRAS, else the policy file, else all)"
        ),
    )
    group.add_argument(
        "--groups",
        action="append",
        metavar="NAME[,NAME...]",
        help=(
            "the dependency groups an install selects besides a lock's default groups, for "
            "lockfile markers such as 'dev' in dependency_groups: names, 'all' or 'none' "
            "(default: $CG_ACTION_GROUPS, else the policy file, else all)"
        ),
    )
    group.add_argument(
        "--config",
        type=Path,
        default=env_path(env, "CG_ACTION_CONFIG"),
        help="policy file (default: .cg-action.toml, else [tool.cg-action] in pyproject.toml)",
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "--format",
        choices=[f.value for f in ReportFormat],
        default=env.get("CG_ACTION_FORMAT") or None,
        help="report format (default: github inside GitHub Actions, else text)",
    )
    output.add_argument(
        "--output",
        "-o",
        type=Path,
        default=env_path(env, "CG_ACTION_OUTPUT"),
        help="write the report here instead of standard output",
    )
    output.add_argument(
        "--sarif-file",
        type=Path,
        default=env_path(env, "CG_ACTION_SARIF_FILE"),
        help="also write a SARIF 2.1.0 report to this file",
    )
    output.add_argument(
        "--json-file",
        type=Path,
        default=env_path(env, "CG_ACTION_JSON_FILE"),
        help="also write the JSON report to this file",
    )
    output.add_argument(
        "--report-file",
        action="append",
        metavar="FORMAT=PATH",
        help=(
            "also write the report in FORMAT to PATH, repeatable, e.g. json=report.json "
            "(default: $CG_ACTION_REPORT_FILES, comma or space separated)"
        ),
    )
    output.add_argument(
        "--comment",
        choices=COMMENT_MODES,
        default=env.get("CG_ACTION_COMMENT") or "never",
        help="keep one pull request comment up to date (GitHub; default: never)",
    )
    output.add_argument(
        "--only-changed",
        action="store_true",
        default=env_flag(env, "CG_ACTION_ONLY_CHANGED"),
        help="annotate and fail only on dependencies the pull request adds or changes",
    )
    output.add_argument(
        "--base",
        default=env.get("CG_ACTION_BASE") or None,
        metavar="REF",
        help="with --only-changed: the commit to compare with (default: the PR's base)",
    )
    output.add_argument(
        "--network-errors",
        choices=("fail", "warn"),
        default=env.get("CG_ACTION_NETWORK_ERRORS") or "fail",
        help="when the index cannot be asked: exit 3 (fail, the default) or say so and exit 0",
    )
    output.add_argument(
        "--root",
        type=Path,
        default=env_path(env, "CG_ACTION_ROOT"),
        help="where paths are shown from and the policy is read (default: the current directory)",
    )
    add_client_options(parser, env)


def run(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    """Run ``check`` and write its reports."""
    import datetime as dt

    from cg_action._policy import load_policy
    from cg_action._run import (
        CheckSettings,
        check_dependencies,
        dependencies_to_check,
        load_sources,
    )
    from cg_action._targets import Selection, default_targets, parse_target

    root = (args.root or Path.cwd()).resolve()
    if not root.is_dir():
        raise UsageError(
            f"--root (CG_ACTION_ROOT) {args.root}: not a folder; give the repository's folder"
        )
    policy = load_policy(root, args.config)

    index_url = args.index_url or policy.setting("index-url")
    args.index_url = index_url
    primary = index_config_from(args, env)
    fallback = None
    if not args.no_fallback:
        fallback_url = args.fallback_index_url or policy.setting("fallback-index-url") or PYPI_INDEX
        fallback = index_config_for(fallback_url, args, env, with_env_credentials=False)
    remediated_wanted = (
        args.remediated if args.remediated is not None else bool(policy.setting("remediated"))
    )
    remediated = None
    if remediated_wanted or args.remediated_index_url:
        remediated = index_config_for(
            args.remediated_index_url or CHAINGUARD_REMEDIATED_INDEX, args, env
        )

    fail_words = split_words(args.fail_on) or env_list(env, "CG_ACTION_FAIL_ON")
    if not fail_words:
        configured = policy.setting("fail-on")
        fail_words = split_words(
            [configured] if isinstance(configured, str) else configured or ["missing"]
        )
    fail_on = parse_statuses(fail_words, "--fail-on")

    target_words = split_words(args.target) or env_list(env, "CG_ACTION_TARGETS")
    if not target_words:
        configured_targets = policy.setting("targets")
        target_words = split_words(
            [configured_targets]
            if isinstance(configured_targets, str)
            else configured_targets or []
        )
    targets = tuple(parse_target(t) for t in target_words) or default_targets()
    selection = Selection.of(
        _selected(args.extras, env, "CG_ACTION_EXTRAS", "--extras", policy.setting("extras")),
        _selected(args.groups, env, "CG_ACTION_GROUPS", "--groups", policy.setting("groups")),
    )
    targets = tuple(target.with_selection(selection) for target in targets)
    probe_files = (
        args.probe_files if args.probe_files is not None else bool(policy.setting("probe-files"))
    )
    cooldown_days = args.cooldown_days
    if cooldown_days is None:
        configured_days = policy.setting("cooldown-days")  # a number: the policy checked it
        cooldown_days = DEFAULT_COOLDOWN_DAYS if configured_days is None else configured_days
    if not (math.isfinite(cooldown_days) and cooldown_days >= 0):
        raise UsageError(
            "--cooldown-days (CG_ACTION_COOLDOWN_DAYS) must be a number of days, 0 or more, "
            f"not {cooldown_days:g}"
        )

    in_github = env.get("GITHUB_ACTIONS") == "true"
    # argparse does not check a default: CG_ACTION_FORMAT is checked here, before any request
    fmt = (
        parse_format(args.format, "--format (CG_ACTION_FORMAT)")
        if args.format
        else (ReportFormat.GITHUB if in_github else ReportFormat.TEXT)
    )
    show_progress = err.isatty() and fmt is not ReportFormat.GITHUB
    report_files = _report_files(args.report_file, env)
    settings = CheckSettings(
        primary=primary,
        fallback=fallback,
        remediated=remediated,
        probe_files=probe_files,
        cooldown_days=float(cooldown_days),
        counterparts=_counterparts(args.counterpart_index, env),
        targets=targets,
        client=client_settings_from(args, env, show_progress=show_progress),
    )

    held = [c.credentials for c in (primary, fallback, remediated) if c and c.credentials]
    secrets = [value for c in held for value in (c.username, c.password)]
    loaded = load_sources(paths_from(args, env), root=root, secrets=secrets, environ=env)
    deps = dependencies_to_check(loaded.sources)
    notices = _WhileWaiting(lambda: _config_notices(paths_from(args, env), primary.url, env))

    def meanwhile() -> None:  # what comes after the answers, done while they travel
        notices.run()
        _import_renderer(fmt)

    try:
        outcome = check_dependencies(
            deps, settings, policy=policy, today=dt.date.today(), meanwhile=meanwhile
        )
    except IndexAccessError as exc:
        if args.network_errors != "warn":
            raise
        # The pre-commit hook's lenient mode: say it once, do not block the commit.
        err.write(
            "cg-action: the index could not be used, nothing was checked: "
            f"{redact_text(exc.diagnostics())}\n"
        )
        _say_nothing_was_checked(
            env,
            err,
            redact_text(exc.diagnostics()),
            without_credentials=isinstance(exc, IndexAuthError) and primary.credentials is None,
        )
        return _lenient_exit(loaded.files, err)
    only_changed = None
    if args.only_changed:
        only_changed = _changed(root, args, env, loaded.sources)

    report = Report(
        kind=ReportKind.CHECK,
        root=root,
        files=loaded.files,
        findings=outcome.findings,
        index_url=redact_url(primary.url),
        fallback_index_url=redact_url(fallback.url) if fallback else None,
        remediated_index_url=redact_url(remediated.url) if remediated else None,
        fail_on=fail_on,
        only_changed=only_changed,
        notes=outcome.notes
        + _selection_note(deps, selection.describe())
        + _nothing_found(loaded.files, paths_from(args, env)),
        config_notices=notices.result(),
    )
    checked = [f for f in report.findings if f.status is not Status.NOT_INDEXED]
    if (
        args.network_errors == "warn"
        and checked
        and all(f.status is Status.UNKNOWN for f in checked)
    ):
        # Nothing could be asked (offline, index down): one line on the terminal, not one per
        # dependency; files asked for (--output, SARIF, JSON, GitHub) are still written.
        err.write(
            f"cg-action: none of {len(checked)} dependencies could be checked, the first: "
            f"{redact_text(checked[0].message)}; not failing (--network-errors=warn)\n"
        )
        stdout = io.StringIO() if not args.output else out
        _write_reports(report, fmt, report_files, args, env, stdout, err)
        _say_nothing_was_checked(
            env, err, redact_text(checked[0].message), without_credentials=False
        )
        return _lenient_exit(report.files, err)
    _write_reports(report, fmt, report_files, args, env, out, err)
    return exit_code(report, network_errors=args.network_errors, err=err)


def _selected(
    values: Sequence[str] | None,
    env: Mapping[str, str],
    variable: str,
    option: str,
    configured: str | list[str] | None = None,
) -> list[str] | None:
    """The names given to --extras / --groups (else their variable, else the policy file's
    ``configured``); None for all of them."""
    words = split_words(values) if values else env_list(env, variable)
    if not words and configured:
        words = split_words([configured] if isinstance(configured, str) else configured)
    if not words or words == ["all"]:
        return None
    if words == ["none"]:
        return []
    if "all" in words or "none" in words:
        raise UsageError(f"{option}: give names, or 'all' or 'none' alone, not {','.join(words)}")
    return words


def _report_files(
    values: Sequence[str] | None, env: Mapping[str, str]
) -> list[tuple[ReportFormat, Path]]:
    """The ``FORMAT=PATH`` pairs of --report-file (or CG_ACTION_REPORT_FILES), checked."""
    option = "--report-file" if values else "CG_ACTION_REPORT_FILES"
    pairs = []
    for word in split_words(values) if values else env_list(env, "CG_ACTION_REPORT_FILES"):
        name, equals, path = word.partition("=")
        if not equals or not path:
            raise UsageError(f"{option}: {word!r} is not FORMAT=PATH, e.g. json=report.json")
        pairs.append((parse_format(name, option), Path(path)))
    return pairs


_VARIANT = re.compile(r"cu[0-9]+")


def _counterparts(values: Sequence[str] | None, env: Mapping[str, str]) -> dict[str, str]:
    """The ``RECORDED=URL`` pairs of --counterpart-index (or CG_ACTION_COUNTERPART_INDEXES)."""
    from cg_action._classify import index_key
    from cg_action._urls import check_index_url, normalize_index_url, split_credentials

    option = "--counterpart-index" if values else "CG_ACTION_COUNTERPART_INDEXES"
    pairs: dict[str, str] = {}
    for word in split_words(values) if values else env_list(env, "CG_ACTION_COUNTERPART_INDEXES"):
        # the "=" before the URL or variant: a recorded URL may hold "=" in its query
        cuts = [
            i
            for i, char in enumerate(word)
            if char == "="
            and (
                word.startswith(("http://", "https://"), i + 1) or _VARIANT.fullmatch(word[i + 1 :])
            )
        ]
        if not cuts:
            raise UsageError(
                f"{option}: {redact_text(word)!r} is not RECORDED=URL or RECORDED=cuNNN, e.g. "
                "https://mirror.example.com/pytorch-cu128/simple=cu128"
            )
        recorded, asked = word[: cuts[-1]], word[cuts[-1] + 1 :]
        for url in (recorded, asked) if not _VARIANT.fullmatch(asked) else (recorded,):
            check_index_url(url, option)
            if split_credentials(url)[1] is not None or "@" in url:
                raise UsageError(
                    f"{option}: write the URLs without credentials; the primary index's "
                    "credentials go to a counterpart on its host, .netrc to any other"
                )
        pairs[index_key(recorded)] = (
            asked if _VARIANT.fullmatch(asked) else normalize_index_url(asked)
        )
    return pairs


def _selection_note(dependencies: Sequence[Dependency], described: str) -> tuple[str, ...]:
    """Which extras and groups were assumed, when a marker names some."""
    if not any(
        d.marker is not None and _NAMES_SELECTION.search(str(d.marker)) for d in dependencies
    ):
        return ()
    return (
        f"markers that name extras or dependency groups were evaluated for {described} "
        "(choose with --extras and --groups)",
    )


def _nothing_found(files: Sequence[FileReport], paths: Sequence[Path]) -> tuple[str, ...]:
    if files:
        return ()
    from cg_action._formats_table import known_names

    where = ", ".join(str(p) for p in paths)
    return (f"no dependency file was found under {where} ({known_names(reading=True)})",)


def _say_nothing_was_checked(
    env: Mapping[str, str], err: TextIO, reason: str, *, without_credentials: bool
) -> None:
    """In GitHub Actions, --network-errors=warn: a warning, and the job summary says plainly
    that nothing was checked and why (a passing step would hide it otherwise)."""
    summary = env.get("GITHUB_STEP_SUMMARY")
    if env.get("GITHUB_ACTIONS") != "true" or not summary:
        return
    from cg_action._report._github import append_step_summary, workflow_command

    first_line = reason.splitlines()[0] if reason else "the index could not be used"
    err.write(workflow_command("warning", f"nothing was checked: {first_line}", title="cg-action"))
    err.write("\n")
    # without credentials the hint (check the credentials) is the paragraph below
    why, _, hint = reason.partition("\n  hint: ")
    if hint and not without_credentials:
        why += f"\n\nHint: {hint}"
    text = f"## cg-action: nothing was checked\n\nThe index could not be used: {why}\n\n"
    if without_credentials:
        text += (
            "No credentials were given: `CHAINGUARD_PYTHON_IDENTITY_ID` and "
            "`CHAINGUARD_PYTHON_TOKEN` (the Action's `identity-id` and `token`) are empty. Pull "
            "requests from Dependabot and from forks get no Actions secrets. Dependabot can be "
            "given its own: add both under Settings → Secrets and variables → Dependabot. A pull "
            "request from a fork cannot have them.\n\n"
        )
    text += (
        "The step does not fail because of `--network-errors=warn` (the Action's "
        "`on-no-credentials: warn` or `on-index-error: warn`).\n"
    )
    append_step_summary(text, Path(summary))


def _lenient_exit(files: Sequence[FileReport], err: TextIO) -> int:
    """After a one-line network message: what could not be read is still said, file and line."""
    problems = [problem for file in files for problem in file.problems]
    for problem in problems:
        err.write(f"cg-action: {problem}\n")
    return ExitCode.INPUT if problems else ExitCode.OK


T = TypeVar("T")


class _WhileWaiting(Generic[T]):
    """A value computed early (while the index answers) or when asked; an error is raised
    when the value is asked for, so doing it early changes nothing but the time it takes."""

    def __init__(self, compute: Callable[[], T]) -> None:
        self._compute = compute
        self._values: list[T] = []
        self._error: Exception | None = None

    def run(self) -> None:
        if not self._values and self._error is None:
            try:
                self._values.append(self._compute())
            except Exception as exc:  # raised again by result(), in its place
                self._error = exc

    def result(self) -> T:
        self.run()
        if self._error is not None:
            raise self._error
        return self._values[0]


def _import_renderer(fmt: ReportFormat) -> None:
    """Import the modules that turn the answers into the report in ``fmt``."""
    import importlib

    from cg_action._report._formats import renderer

    for name in ("cg_action._index._html", "cg_action._index._json"):
        importlib.import_module(name)
    renderer(fmt)


def _config_notices(
    paths: Sequence[Path], index_url: str, env: Mapping[str, str]
) -> tuple[ConfigNotice, ...]:
    """The configuration traps under ``paths`` (they are reported, they never fail a check).

    Whether a PyPI fallback is intended is the repository's own choice, not ``check``'s
    --fallback-index-url: traps that depend on that intent are left to ``rewrite --check``.
    """
    from cg_action._rewrite._interface import RewriteOptions
    from cg_action._rewrite._lint import lint_paths

    pip_config = env.get("PIP_CONFIG_FILE")
    found = lint_paths(
        paths,
        options=RewriteOptions(index_url=index_url),
        pip_config_file=Path(pip_config) if pip_config else None,
    )
    notices = []
    for finding in found:
        # The lint's messages may name their place and end with the hint: reports show the
        # place, the trap (message) and what to do (hint) once each.
        message = finding.message.removeprefix(f"{finding.location}: ")
        message = message.removesuffix(f"; {finding.hint}") if finding.hint else message
        hint = "" if finding.hint and finding.hint in message else finding.hint
        notices.append(
            ConfigNotice(location=finding.location, code=finding.code, message=message, hint=hint)
        )
    return tuple(notices)


def exit_code(report: Report, *, network_errors: str, err: TextIO) -> int:
    """2 for unreadable input, else 3 when an index could not be asked, else 1 or 0."""
    if report.has_input_errors:
        return ExitCode.INPUT
    unknown = report.counts()[Status.UNKNOWN]
    if unknown and network_errors == "fail":
        return ExitCode.INDEX
    if unknown:
        err.write(
            f"cg-action: {unknown} dependencies could not be checked (index unreachable or "
            "offline); not failing because of --network-errors=warn\n"
        )
    return ExitCode.FINDINGS if report.failing() else ExitCode.OK


def _changed(
    root: Path, args: argparse.Namespace, env: Mapping[str, str], sources: Sequence[SourceFile]
) -> frozenset[tuple[Path, int | None, NormalizedName]]:
    from functools import partial

    from cg_action._github._changes import changed_dependencies
    from cg_action._github._env import base_ref_from
    from cg_action._sources._dispatch import parse_file

    base = args.base or base_ref_from(env)
    if not base:
        raise UsageError(
            "--only-changed needs the base commit: run on a pull_request event or pass --base REF"
        )
    return changed_dependencies(root, base, sources, partial(parse_file, environ=env))


def _write_reports(
    report: Report,
    fmt: ReportFormat,
    report_files: Sequence[tuple[ReportFormat, Path]],
    args: argparse.Namespace,
    env: Mapping[str, str],
    out: TextIO,
    err: TextIO,
) -> None:
    from cg_action._commands._output import github_path_prefix, publish_github, render, write_file

    prefix = github_path_prefix(report, env)
    rendered = render(report, fmt, path_prefix=prefix)
    if args.output:
        write_file(args.output, rendered)
    else:
        out.write(rendered)
    if args.sarif_file:
        write_file(args.sarif_file, render(report, ReportFormat.SARIF, path_prefix=prefix))
    for other, path in report_files:
        write_file(path, render(report, other, path_prefix=prefix))
    if env.get("GITHUB_ACTIONS") == "true":
        publish_github(report, env=env, comment=args.comment, json_file=args.json_file, err=err)
    elif args.json_file:
        write_file(args.json_file, render(report, ReportFormat.JSON))
