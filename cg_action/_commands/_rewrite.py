"""``cg-action rewrite``: point index configuration at Chainguard, show the diff, or check it.

Without options the files are rewritten in place. ``--diff`` prints a unified diff and writes
nothing; ``--check`` writes nothing and exits 1 when a file would change or holds a trap (the
pre-commit hook); ``--check --fix`` writes, and still exits 1 when it changed something, so
that pre-commit shows the change. Notes on credentials go to stderr with ``--diff``/``--check``
(stdout stays a clean diff), to stdout otherwise.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from typing import TextIO
from urllib.parse import urlsplit

from cg_action._commands._options import (
    add_fallback_options,
    add_paths_argument,
    env_flag,
    env_path,
    paths_from,
)
from cg_action._models import ExitCode


def configure(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    """Add the rewrite options; each takes its default from a CG_ACTION_* variable."""
    add_paths_argument(parser, env)
    parser.add_argument(
        "--index-url",
        default=env.get("CG_ACTION_INDEX_URL") or None,
        metavar="URL",
        help=(
            "the index to write (default: $CG_ACTION_INDEX_URL, else Chainguard's "
            "https://libraries.cgr.dev/python/simple/); a repository manager's URL works too. "
            "Never put credentials in it: they are not written"
        ),
    )
    add_fallback_options(parser, env, writing=True)
    mode = parser.add_argument_group("mode")
    mode.add_argument(
        "--diff",
        action="store_true",
        default=env_flag(env, "CG_ACTION_DIFF"),
        help="print a unified diff and write nothing",
    )
    mode.add_argument(
        "--check",
        action="store_true",
        default=env_flag(env, "CG_ACTION_CHECK"),
        help="write nothing; exit 1 when a file would change or holds a trap",
    )
    mode.add_argument(
        "--fix",
        action="store_true",
        default=env_flag(env, "CG_ACTION_FIX"),
        help="with --check: write the files, and still exit 1 when something changed",
    )


def run(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    """Plan every file, then print, check or write; return the exit code."""
    from cg_action._errors import UsageError
    from cg_action._report._escape import printable
    from cg_action._rewrite._files import find_config_files, plan_rewrite, root_of
    from cg_action._rewrite._interface import RewriteOptions
    from cg_action._rewrite._lint import lint_paths
    from cg_action._rewrite._plan import FilePlan, apply_plan, ensure_writable
    from cg_action._rewrite._roles import userinfo_of
    from cg_action._urls import (
        CHAINGUARD_INDEX,
        CHAINGUARD_REMEDIATED_INDEX,
        PYPI_INDEX,
        normalize_index_url,
        redact_text,
    )

    urls = {
        "--index-url": args.index_url or CHAINGUARD_INDEX,
        "--remediated-index-url": args.remediated_index_url or CHAINGUARD_REMEDIATED_INDEX,
        "--fallback-index-url": args.fallback_index_url or PYPI_INDEX,
    }
    for option, url in urls.items():
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(
                f"{option}: {redact_text(url)!r} is not an http(s) URL of an index, e.g. "
                f"{CHAINGUARD_INDEX}"
            )
        if userinfo_of(url) is not None:
            raise UsageError(
                f"{option} carries credentials; they are never written into files: give the "
                "URL without them (the notes say how each tool takes credentials)"
            )
    options = RewriteOptions(
        index_url=normalize_index_url(urls["--index-url"]),
        remediated=bool(args.remediated) or args.remediated_index_url is not None,
        remediated_index_url=normalize_index_url(urls["--remediated-index-url"]),
        fallback=False if args.no_fallback else (True if args.fallback else None),
        fallback_index_url=normalize_index_url(urls["--fallback-index-url"]),
    )
    paths = paths_from(args, env)
    for path in paths:
        if not os.path.lexists(path):
            raise UsageError(f"{printable(str(path))}: no such file or directory")
    pip_config = env_path(env, "PIP_CONFIG_FILE")
    plans: list[FilePlan] = []
    for path, fmt in find_config_files(paths, pip_config_file=pip_config):
        plan = plan_rewrite(path, fmt, options, root=root_of(path, paths))
        if plan is not None:
            plans.append(plan)
    changed = [p for p in plans if p.is_change]
    notes = list(dict.fromkeys(note for p in changed for note in p.notes))
    writing = not args.diff and (not args.check or args.fix)

    if not writing:
        for plan in changed:
            out.write(plan.diff())
        findings = lint_paths(paths, options=options, pip_config_file=pip_config)
        for finding in findings:
            out.write(f"{printable(str(finding))}\n  hint: {printable(finding.hint)}\n")
        _write_notes(err, notes)
        if args.check:
            if changed:
                err.write(
                    f"cg-action: {len(changed)} file(s) would change; run `cg-action rewrite`\n"
                )
            return ExitCode.FINDINGS if changed or findings else ExitCode.OK
        return ExitCode.OK

    # Every file is checked before the first is written: a refusal changes nothing at all.
    for plan in changed:
        ensure_writable(plan.path, root=plan.source.root)
    for plan in changed:
        apply_plan(plan)
        out.write(f"rewrote {printable(str(plan.path))}\n")
    if not changed:
        out.write("nothing to change\n")
    _write_notes(out, notes)
    remaining = lint_paths(paths, options=options, pip_config_file=pip_config)
    for finding in remaining:
        out.write(f"{printable(str(finding))}\n  hint: {printable(finding.hint)}\n")
    if remaining or (args.check and changed):
        return ExitCode.FINDINGS
    return ExitCode.OK


def _write_notes(stream: TextIO, notes: list[str]) -> None:
    for note in notes:
        stream.write(f"note: {note}\n")
