"""The command line: argparse, environment defaults, and the one place errors become exit codes.

``main`` is what ``python -m cg_action`` and the ``cg-action`` script run. Subcommands live in
``cg_action._commands``; each reads its defaults from ``CG_ACTION_*`` variables of the
environment mapping passed to it, so the GitHub Action only sets variables.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TextIO

from cg_action import __version__
from cg_action._errors import CgActionError, IndexAccessError
from cg_action._models import ExitCode
from cg_action._urls import redact_text

logger = logging.getLogger(__name__)

# name -> module under cg_action._commands; imported only when its parser is built.
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("_check", "check each dependency against the Chainguard index"),
    "list": ("_list", "list the dependencies found, offline"),
    "rewrite": ("_rewrite", "point index configuration at Chainguard, safely"),
    "update-hashes": ("_update_hashes", "replace lockfile digests with Chainguard's"),
    "verify": ("_verify", "verify installed distributions carry Chainguard provenance"),
    "report": ("_report", "merge many repositories' check --format json reports into one page"),
    "demo": ("_demo", "run a check against a sample index on 127.0.0.1 (no credentials needed)"),
}

EPILOG = """\
exit codes:
  0  nothing at or above the failure threshold
  1  findings that fail the run (or, with --check, files that would change)
  2  usage or input error (a file could not be read: file, line and reason are printed)
  3  the index could not be used (unreachable, timed out, or refused the credentials)

credentials: CHAINGUARD_PYTHON_IDENTITY_ID and CHAINGUARD_PYTHON_TOKEN (as printed by
`chainctl auth pull-token --repository=python --output env`), --username/--password, user-info
in the index URL, or .netrc. They are sent only to the index host and never printed.
"""


def _build_parser(env: Mapping[str, str], wanted: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cg-action",
        description=(
            "Tell which Python dependencies really come from Chainguard Libraries for Python."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"cg-action {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more (repeat for debug)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        child = sub.add_parser(name, help=help_text, description=help_text)
        # Only the chosen command's options are built: the others' modules stay unimported.
        if name == wanted:
            module = importlib.import_module(f"cg_action._commands.{module_name}")
            module.configure(child, env)
            child.set_defaults(_module=module)
    return parser


def _wanted_command(argv: Sequence[str]) -> str | None:
    for word in argv:
        if word in COMMANDS:
            return word
        if not word.startswith("-"):
            return None
    return None


class _PrintableFormatter(logging.Formatter):
    """Log lines whose message shows control characters escaped and user-info removed.

    A file name or a quoted line in a message cannot start a line of its own (a forged log
    line, or a workflow command in GitHub Actions) nor drive the terminal.
    """

    def formatMessage(self, record: logging.LogRecord) -> str:
        from cg_action._report._escape import printable

        record.message = printable(redact_text(record.message))
        return super().formatMessage(record)

    def formatException(
        self,
        ei: tuple[type[BaseException], BaseException, TracebackType | None]
        | tuple[None, None, None],
    ) -> str:
        from cg_action._report._escape import printable

        return printable(redact_text(super().formatException(ei)), keep_newlines=True)


def _diagnostic(exc: CgActionError) -> str:
    """An error's diagnostics as one message: user-info removed, control characters escaped."""
    from cg_action._report._escape import printable

    return f"cg-action: error: {printable(redact_text(exc.diagnostics()), keep_newlines=True)}\n"


def main(
    argv: Sequence[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run the command line; return the exit code.

    Diagnostics are written with control characters escaped. In GitHub Actions
    (``GITHUB_ACTIONS=true``) both streams are guarded too: no line written to them can be
    taken by the runner as a workflow command unless cg-action built it as one.
    """
    from cg_action._report._escape import (
        LineGuard,
        neutralise_line,
        neutralise_log_line,
        printable,
    )

    argv = list(sys.argv[1:] if argv is None else argv)
    env = os.environ if env is None else env
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    if env.get("GITHUB_ACTIONS") != "true":
        guarded_err = LineGuard(err, printable)
        try:
            return _main(argv, env, out, guarded_err)
        finally:
            guarded_err.close()
    guarded_out, guarded_err = LineGuard(out, neutralise_line), LineGuard(err, neutralise_log_line)
    try:
        # argparse writes usage errors and --help to sys.stdout/sys.stderr: guard those too.
        with contextlib.redirect_stdout(guarded_out), contextlib.redirect_stderr(guarded_err):
            return _main(argv, env, guarded_out, guarded_err)
    finally:
        guarded_out.close()
        guarded_err.close()


def _main(argv: list[str], env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    try:
        # Option defaults come from CG_ACTION_* variables: a bad value is a usage error too.
        parser = _build_parser(env, _wanted_command(argv))
        args = parser.parse_args(argv)
    except CgActionError as exc:
        err.write(_diagnostic(exc))
        return ExitCode.INPUT
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(out)
        return ExitCode.INPUT
    handler = logging.StreamHandler(err)
    handler.setFormatter(_PrintableFormatter("cg-action: %(levelname)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING - 10 * min(args.verbose, 2), handlers=[handler])
    try:
        return int(args._module.run(args, env, out, err))
    except IndexAccessError as exc:
        err.write(_diagnostic(exc))
        return ExitCode.INDEX
    except CgActionError as exc:
        err.write(_diagnostic(exc))
        return ExitCode.INPUT
    except KeyboardInterrupt:
        err.write("cg-action: interrupted\n")
        return 130
    except BrokenPipeError:
        return ExitCode.OK
    except Exception as exc:  # a bug: no layer turned this error into a message
        logger.debug("where it happened:", exc_info=True)  # shown with -vv
        err.write(_unexpected(exc))
        return ExitCode.INDEX if _is_network_error(exc) else ExitCode.INPUT
    finally:
        _forget_trust()


def _forget_trust() -> None:
    """The run's TLS trust (``--cert``) ends with the run: a later ``main`` in the same process
    (tests, a program calling it) starts from its own options."""
    trust = sys.modules.get("cg_action._index._trust")  # not imported: nothing was set
    if trust is not None:
        trust.use_trust(None)


def _unexpected(exc: Exception) -> str:
    """One line for an error cg-action did not expect: what it says, and to report it."""
    from cg_action._report._escape import printable

    what = str(exc)
    if isinstance(exc, OSError) and exc.filename is not None:
        what = f"{exc.filename}: {exc.strerror or exc}"
    what = printable(redact_text(what))
    return (
        f"cg-action: error: {type(exc).__name__}: {what} (an error cg-action does not "
        "handle yet: please report it, with the output of -vv)\n"
    )


def _is_network_error(exc: Exception) -> bool:
    """Whether ``exc`` comes from talking to a server (exit 3) rather than from the input."""
    if isinstance(exc, ConnectionError | TimeoutError):
        return True
    module = type(exc).__module__
    return module.split(".")[0] in ("httpx", "httpcore", "h11", "ssl", "socket")
