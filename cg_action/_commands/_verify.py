"""``verify``: which installed distributions carry Chainguard's intact SBOM, or match its wheels.

An open counterpart of ``chainctl libraries verify``. PATH is a virtual environment, a
site-packages folder, a wheel or a folder of wheels (default: the running interpreter's
environment). With ``--index-url`` each distribution is also compared with the RECORD of the
index's wheel for its version, read with HTTP range requests; a match verifies only on
Chainguard's own index.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from cg_action._commands._options import add_client_options, add_index_options
from cg_action._errors import UsageError
from cg_action._models import ExitCode

FORMATS = ("text", "json", "github", "markdown")


def configure(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    """The options of ``verify``."""
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help=(
            "a virtual environment, site-packages folder, wheel or folder of wheels "
            "(default: $CG_ACTION_VERIFY_PATHS, else the running Python's environment)"
        ),
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=env.get("CG_ACTION_VERIFY_FORMAT") or "text",
        help="report format (default: text; $CG_ACTION_VERIFY_FORMAT)",
    )
    parser.add_argument(
        "--fail-under",
        type=_percent,
        default=_env_percent(env, "CG_ACTION_FAIL_UNDER"),
        metavar="PERCENT",
        help="exit 1 when verification coverage is below PERCENT ($CG_ACTION_FAIL_UNDER)",
    )
    parser.add_argument(
        "--output", "-o", type=Path, default=None, help="write here instead of standard output"
    )
    add_index_options(parser, env)
    add_client_options(parser, env)
    parser.epilog = (
        "With --index-url (or $CG_ACTION_INDEX_URL), every distribution is also compared with "
        "the RECORD of the index's wheel for its version; only a few KiB of each wheel are read. "
        "A match verifies only on Chainguard's own index; on any other (a repository manager, "
        "a mirror) it is reported as evidence 'other-index-record', and only a Chainguard SBOM "
        "verifies."
    )


def _env_percent(env: Mapping[str, str], name: str) -> float | None:
    raw = env.get(name)
    if not raw:
        return None
    try:
        return _percent(raw)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"{name}={raw!r}: {exc}") from exc


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a percentage: {text!r}") from None
    if not 0.0 <= value <= 100.0:
        raise argparse.ArgumentTypeError(f"a percentage is between 0 and 100, not {text}")
    return value


def default_paths(env: Mapping[str, str]) -> list[Path]:
    """$CG_ACTION_VERIFY_PATHS, else the running Python's virtual environment or site-packages."""
    import sys
    import sysconfig

    from cg_action._commands._options import env_list

    from_env = env_list(env, "CG_ACTION_VERIFY_PATHS")
    if from_env:
        return [Path(p) for p in from_env]
    prefix = Path(sys.prefix)
    if (prefix / "pyvenv.cfg").is_file():
        return [prefix]
    paths = sysconfig.get_paths()
    found = dict.fromkeys(Path(paths[key]) for key in ("purelib", "platlib"))
    return [p for p in found if p.is_dir()]


def run(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    """Verify, print the report, and exit 1 when coverage is under ``--fail-under``."""
    from cg_action._commands._options import client_settings_from, index_config_from
    from cg_action._commands._output import write_file
    from cg_action._verify._check import verify_paths
    from cg_action._verify._render import VerifyFormat, format_coverage, render

    paths = list(args.paths) or default_paths(env)
    if not paths:
        raise UsageError("no PATH given and no site-packages found for the running Python")
    if args.index_url:
        from cg_action._index import IndexClient

        index = index_config_from(args, env)
        with IndexClient(client_settings_from(args, env)) as client:
            report = verify_paths(paths, index=index, client=client)
    else:
        report = verify_paths(paths)
    text = render(report, VerifyFormat(args.format))
    if args.output:
        write_file(args.output, text)
    else:
        out.write(text)
    from cg_action._verify._model import IndexCheck

    unasked = [
        p
        for p in report.packages
        if p.index is not None and p.index.outcome is IndexCheck.UNAVAILABLE
    ]
    if args.fail_under is not None and report.is_below(args.fail_under):
        err.write(
            f"cg-action: verification coverage {format_coverage(report)} "
            f"is below --fail-under {args.fail_under:g}%\n"
        )
        return ExitCode.FINDINGS
    if unasked:
        # The comparison the user asked for could not be made: say so in the exit code too.
        err.write(
            f"cg-action: {len(unasked)} distribution(s) could not be compared with the index "
            "(see 'unavailable' above)\n"
        )
        return ExitCode.INDEX
    return ExitCode.OK
