"""``report``: merge many repositories' ``check --format json`` reports into one page.

Coverage per repository (a bar chart), the statuses per repository, and the packages the
organisation most often gets only from the fallback index or from no index, ranked by how
many repositories need them: as self-contained HTML, Markdown for a job summary, or JSON.
Reports are read as hostile input: a malformed one is exit 2 naming the file and key path.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from cg_action._commands._options import env_path
from cg_action._compat import StrEnum, assert_never
from cg_action._errors import UsageError
from cg_action._models import ExitCode

if TYPE_CHECKING:
    from cg_action._org._merge import OrgReport

NAME = "report"
HELP = "merge check --format json reports of many repositories into one page"


class OrgFormat(StrEnum):
    """The forms of the organisation report."""

    HTML = "html"
    MARKDOWN = "markdown"
    JSON = "json"


FORMATS = tuple(f.value for f in OrgFormat)
NAME_SOURCES = ("auto", "field", "path")

ENVIRONMENT = """\
repository names:
  auto (default): the report's "repository" field when it has one, else the file name
  without .json; field: the "repository" field, required; path: the file name, always.

environment:
  CG_ACTION_REPORT_FORMAT, CG_ACTION_REPORT_NAME_FROM and CG_ACTION_REPORT_OUTPUT give the
  defaults of --format, --name-from and --output.
"""


def _choice(env: Mapping[str, str], variable: str, choices: tuple[str, ...], default: str) -> str:
    value = env.get(variable, "").strip() or default
    if value not in choices:
        raise UsageError(f"{variable}={value!r}: use one of {', '.join(choices)}")
    return value


def configure(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    """The options of ``report``."""
    parser.epilog = ENVIRONMENT
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "reports",
        nargs="+",
        type=Path,
        metavar="REPORT.json",
        help="reports written by `check --format json`, one per repository",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=_choice(env, "CG_ACTION_REPORT_FORMAT", FORMATS, "markdown"),
        help="html (a self-contained page), markdown (a job summary) or json (default: markdown)",
    )
    parser.add_argument(
        "--name-from",
        choices=NAME_SOURCES,
        default=_choice(env, "CG_ACTION_REPORT_NAME_FROM", NAME_SOURCES, "auto"),
        help="where each repository's name comes from (default: auto, see below)",
    )
    parser.add_argument(
        "--output",
        "-o",
        type=Path,
        default=env_path(env, "CG_ACTION_REPORT_OUTPUT"),
        help="write here instead of standard output",
    )


def run(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    """Read, merge and render the reports; exit 2 when any report cannot be read."""
    del env, err
    from cg_action._commands._output import write_file
    from cg_action._org._load import NameFrom, read_reports
    from cg_action._org._merge import merge
    from cg_action._urls import redact_text

    reports = read_reports(args.reports, name_from=NameFrom(args.name_from))
    merged = merge(reports)
    text = redact_text(_render(merged, OrgFormat(args.format)))
    if args.output:
        write_file(args.output, text)
    else:
        out.write(text)
    return ExitCode.OK


def _render(merged: OrgReport, fmt: OrgFormat) -> str:
    match fmt:
        case OrgFormat.HTML:
            from cg_action._org._html import render_org_html

            return render_org_html(merged)
        case OrgFormat.MARKDOWN:
            from cg_action._org._markdown import render_org_markdown

            return render_org_markdown(merged)
        case OrgFormat.JSON:
            from cg_action._org._json import render_org_json

            return render_org_json(merged)
        case _:  # pragma: no cover - exhaustive
            assert_never(fmt)
