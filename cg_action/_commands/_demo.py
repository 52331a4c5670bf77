"""``demo``: a first run with no credentials and no network.

Starts the SAMPLE index on 127.0.0.1, writes the bundled example project to a new temporary
folder (kept, so the lines the report cites can be opened), shows its requirements file with
line numbers, checks it against the sample (with a sample PyPI as the fallback) and shows the
report. One sample pin is on no index, so the check it runs fails, as a pull request with that
pin would; the demo itself exits 0 once it has shown that (2 or 3 only if it could not run).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from cg_action._models import ExitCode


def configure(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    """The options of ``demo``."""
    from cg_action._report._formats import ReportFormat

    parser.add_argument(
        "--format",
        # annotations need a runner to read them: every other report format
        choices=[fmt.value for fmt in ReportFormat if fmt is not ReportFormat.GITHUB],
        default="text",
        help="report format (default: text)",
    )


def run(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    """Run the demo: 0 once the sample check has run (it fails on purpose), else its code."""
    import tempfile
    from pathlib import Path

    from cg_action._cli import main
    from cg_action._demo._server import sample_index

    project = Path(tempfile.mkdtemp(prefix="cg-action-demo-")) / "example-project"
    with sample_index() as base:
        requirements = _write_project(project)
        notes = out if args.format == "text" else err
        notes.write(
            "cg-action demo: checking a SAMPLE project against a SAMPLE index on "
            f"{base} (made-up data, not real Chainguard content)\n\n"
            f"The sample project (kept, to look at or try commands on): {project}\n"
        )
        if args.format == "text":
            out.write(f"{requirements.name}:\n")
            lines = requirements.read_text("utf-8").splitlines()
            out.writelines(f"{number:4}  {line}\n" for number, line in enumerate(lines, 1))
        notes.write("\n")
        code = main(
            [
                "check",
                str(requirements),
                "--root",
                str(project),
                "--index-url",
                f"{base}/python/simple/",
                "--fallback-index-url",
                f"{base}/pypi/simple/",
                "--no-netrc",
                "--no-cache",
                "--target",
                "linux-x86_64@3.12",
                "--target",
                "macos-arm64@3.12",
                "--fail-on",
                "missing",
                "--format",
                args.format,
            ],
            env={},
            out=out,
            err=err,
        )
    if code not in (ExitCode.OK, ExitCode.FINDINGS):
        return code
    if args.format == "text":
        out.write(_closing(project, code))
    return ExitCode.OK


def _write_project(project: Path) -> Path:
    """Write the example project into ``project``; return its requirements file."""
    from importlib import resources

    from cg_action._demo._server import sample_digest

    source = resources.files("cg_action._demo").joinpath("project")
    project.mkdir()
    for entry in source.iterdir():
        if entry.is_file():
            (project / entry.name).write_text(entry.read_text("utf-8"), "utf-8")
    requirements = project / "requirements.txt"
    requirements.write_text(
        requirements.read_text("utf-8").replace(
            "PYPI_URLLIB3_DIGEST", sample_digest("pypi", "urllib3-2.2.2-py3-none-any.whl")
        ),
        "utf-8",
    )
    local = project / "vendored" / "localtool"
    local.mkdir(parents=True)
    (local / "pyproject.toml").write_text('[project]\nname = "localtool"\nversion = "0.1"\n')
    return requirements


def _closing(project: Path, code: int) -> str:
    """What the run showed, and what to try next on the sample project (not the current folder)."""
    import shlex

    folder = shlex.quote(str(project))
    if code == ExitCode.FINDINGS:
        verdict = (
            "\nThis is what a failing pull request looks like: a pin at the --fail-on level\n"
            "(missing) fails the check, and `cg-action check` would exit 1 here. The demo\n"
            "itself exits 0: it ran as intended.\n"
        )
    else:
        verdict = "\nNothing reached the --fail-on level (missing): the check passes.\n"
    return (
        f"{verdict}"
        "\nThe steps above are for your own project, in the current folder. To try `rewrite`\n"
        "on the sample project instead (--diff only prints the change to its pip.conf):\n"
        f"  python -m cg_action rewrite --diff {folder}\n"
        "\nCheck your own project with:\n"
        "  export CHAINGUARD_PYTHON_IDENTITY_ID=... CHAINGUARD_PYTHON_TOKEN=...\n"
        "  python -m cg_action check .\n"
    )
