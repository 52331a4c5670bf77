"""``list``: what dependency files and dependencies were found, offline."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from cg_action._commands._options import add_paths_argument, paths_from
from cg_action._models import ExitCode


def configure(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    """The options of ``list``."""
    add_paths_argument(parser, env)
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default=env.get("CG_ACTION_LIST_FORMAT") or "text",
        help="report format (default: text)",
    )
    parser.add_argument(
        "--output", "-o", type=Path, default=None, help="write here instead of standard output"
    )


def run(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    """List what was found; exit 2 when any file could not be read."""
    from cg_action._commands._output import render, write_file
    from cg_action._models import Report, ReportKind
    from cg_action._report._formats import ReportFormat
    from cg_action._run import all_dependencies, load_sources

    loaded = load_sources(paths_from(args, env), environ=env)
    report = Report(
        kind=ReportKind.LIST,
        root=Path.cwd(),
        files=loaded.files,
        dependencies=tuple(all_dependencies(loaded.sources)),
    )
    text = render(report, ReportFormat(args.format))
    if args.output:
        write_file(args.output, text)
    else:
        out.write(text)
    for file in report.files:
        for problem in file.problems:
            err.write(f"cg-action: {problem}\n")
    return ExitCode.INPUT if report.has_input_errors else ExitCode.OK
