"""Start-up cost of the command line and the pre-commit hooks.

Run: ``python benchmarks/bench_startup.py [--runs N]``. Measures, as medians of N runs:

* ``cg-action --help`` (the console script) and ``python -m cg_action --help``;
* each hook under the real ``pre-commit`` in a temporary repository holding 30 dependency
  files, when the commit stages no dependency file (the everyday commit);
* each hook's command run directly on all 30 files (the cost when they are all staged),
  with ``check`` answered from a warm cache of a local index.

The hook environment is built offline from this checkout's HEAD (pip with no index, the
environment sees this interpreter's site-packages), as the tests do.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests._servers import pypiserver  # noqa: E402
from tests._wheels import make_wheel  # noqa: E402


def median_seconds(
    command: list[str], *, runs: int, cwd: Path | None = None, env: dict[str, str] | None = None
) -> float:
    # as installed: bytecode is cached (otherwise every run compiles every module again)
    env = {k: v for k, v in (env or os.environ).items() if k != "PYTHONDONTWRITEBYTECODE"}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def make_repo(base: Path, index_url: str) -> Path:
    repo = base / "repo"
    for i in range(30):
        folder = repo / f"svc{i:02d}"
        folder.mkdir(parents=True)
        name = "requirements.txt" if i % 3 else "requirements-dev.txt"
        (folder / name).write_text(f"pkg{i % 5}==1.0.0\npkg{(i + 1) % 5}>=1.0\n")
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {head}\n    hooks:\n"
        "      - id: cg-action-config\n"
        f"      - id: cg-action-check\n        args: [--index-url, '{index_url}', --no-fallback]\n"
    )
    (repo / "README.md").write_text("x\n")
    return repo


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=11)
    runs = parser.parse_args().runs
    script = shutil.which("cg-action")
    rows = []
    if script:
        rows.append(("cg-action --help", median_seconds([script, "--help"], runs=runs)))
    rows.append(
        (
            "python -m cg_action --help",
            median_seconds([sys.executable, "-m", "cg_action", "--help"], runs=runs),
        )
    )
    rows.append(
        (
            "python -c pass (interpreter floor)",
            median_seconds([sys.executable, "-c", "pass"], runs=runs),
        )
    )
    with tempfile.TemporaryDirectory() as temp:
        base = Path(temp)
        wheels = base / "wheels"
        for i in range(5):
            make_wheel(wheels, f"pkg{i}", "1.0.0")
        with pypiserver(wheels) as index:
            repo = make_repo(base, index.url)
            env = {
                **os.environ,
                "PRE_COMMIT_HOME": str(base / "pc"),
                "VIRTUALENV_SYSTEM_SITE_PACKAGES": "1",
                "PIP_NO_INDEX": "1",
                "PIP_NO_BUILD_ISOLATION": "0",
                "CG_ACTION_CACHE_DIR": str(base / "cache"),
            }
            subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
            subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
            subprocess.run(
                ["pre-commit", "install-hooks"], cwd=repo, env=env, check=True, capture_output=True
            )
            subprocess.run(
                [
                    "git",
                    "-c",
                    "user.name=b",
                    "-c",
                    "user.email=b@example.invalid",
                    "commit",
                    "-qm",
                    "init",
                    "--no-verify",
                ],
                cwd=repo,
                check=True,
            )
            (repo / "README.md").write_text("y\n")
            subprocess.run(["git", "add", "README.md"], cwd=repo, check=True)
            for hook in ("cg-action-config", "cg-action-check"):
                rows.append(
                    (
                        f"pre-commit run {hook}, no dependency file staged",
                        median_seconds(["pre-commit", "run", hook], runs=runs, cwd=repo, env=env),
                    )
                )
            files = [str(p.relative_to(repo)) for p in sorted(repo.rglob("requirements*.txt"))]
            if script:
                rows.append(
                    (
                        "cg-action rewrite --check, all 30 files",
                        median_seconds(
                            [script, "rewrite", "--check", *files], runs=runs, cwd=repo, env=env
                        ),
                    )
                )
                check = [
                    script,
                    "check",
                    "--index-url",
                    index.url,
                    "--no-fallback",
                    "--network-errors=warn",
                    *files,
                ]
                subprocess.run(
                    check, cwd=repo, env=env, capture_output=True, check=False
                )  # warm the cache
                rows.append(
                    (
                        "cg-action check, all 30 files, warm cache",
                        median_seconds(check, runs=runs, cwd=repo, env=env),
                    )
                )
    width = max(len(name) for name, _ in rows)
    print(f"{'what':<{width}}  median (s), {runs} runs")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:.3f}")


if __name__ == "__main__":
    main()
