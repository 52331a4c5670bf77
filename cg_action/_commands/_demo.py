"""``demo``: a first run with no credentials and no network.

Starts the SAMPLE index on 127.0.0.1, copies the bundled example project to a temporary
folder, checks it against the sample (with a sample PyPI as the fallback) and shows the report.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TextIO

from cg_action._models import ExitCode

NAME = "demo"
HELP = "check a bundled example project against a SAMPLE index on 127.0.0.1"


def configure(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    """The options of ``demo``."""
    parser.add_argument(
        "--format",
        choices=("text", "json", "markdown", "sarif"),
        default="text",
        help="report format (default: text)",
    )


def run(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    """Run the demo; exits 0 when the check itself ran, whatever it found."""
    import shutil
    import tempfile
    from importlib import resources
    from pathlib import Path

    from cg_action._cli import main
    from cg_action._demo._server import sample_digest, sample_index

    with tempfile.TemporaryDirectory(prefix="cg-action-demo-") as temp, sample_index() as base:
        project = Path(temp) / "example-project"
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
        (out if args.format == "text" else err).write(
            "cg-action demo: checking a SAMPLE project against a SAMPLE index on "
            f"{base} (made-up data, not real Chainguard content)\n\n"
        )
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
        shutil.rmtree(project, ignore_errors=True)
    if code in (ExitCode.OK, ExitCode.FINDINGS):
        if args.format == "text":
            out.write(
                "\nThis was a demo. Check your own project with:\n"
                "  export CHAINGUARD_PYTHON_IDENTITY_ID=... CHAINGUARD_PYTHON_TOKEN=...\n"
                "  python -m cg_action check .\n"
            )
        return ExitCode.OK
    return code
