"""Time ``cg-action check`` against uv and pip on an index with injected latency.

Starts ``_latency_index.py`` (50 ms per request by default) on 127.0.0.1, writes a
requirements file pinning N generated projects, and reports medians for each N:

- ``check`` cold (empty cache), warm within the TTL (no request), and warm with revalidation
  (``--cache-ttl 0``: one conditional request per project, answered 304);
- ``uv pip install --dry-run --no-deps`` with an empty uv cache;
- ``pip install --dry-run --no-deps --ignore-installed`` without pip's cache;
- the floor: N / concurrency x latency + interpreter start-up.

Run: ``python benchmarks/bench_index.py [--sizes 50 200 1000] [--runs 5] [--latency 0.05]``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent


def _timed(command: Sequence[str], env: dict[str, str], *, ok: Sequence[int] = (0,)) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in ok:
        raise RuntimeError(
            f"{' '.join(command[:4])} ... exited {done.returncode}:\n{done.stderr[-2000:]}"
        )
    return elapsed


def _median(runs: int, once: Callable[[], float]) -> float:
    return statistics.median(once() for _ in range(runs))


def _start_index(latency: float, projects: int) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "_latency_index.py"),
            "--latency",
            str(latency),
            "--projects",
            str(projects),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        process.kill()
        raise RuntimeError("the latency index did not start")
    return process, url


_RUN_NUMBERS = itertools.count()


class _Bench:
    """The commands of one benchmark run and how to time them."""

    def __init__(
        self,
        options: argparse.Namespace,
        url: str,
        work: Path,
        env: dict[str, str],
        uv: str,
        venv_python: str,
    ) -> None:
        self.options = options
        self.url = url
        self.work = work
        self.env = env
        self.uv = uv
        self.venv_python = venv_python

    def check(self, reqs: Path, cache: Path, *extra: str, httpx_path: bool = False) -> float:
        entry = [str(HERE / "_httpx_path.py")] if httpx_path else ["-m", "cg_action"]
        return _timed(
            [
                sys.executable,
                *entry,
                "check",
                str(reqs),
                "--index-url",
                self.url,
                "--no-fallback",
                "--no-remediated",
                "--no-netrc",
                "--fail-on",
                "none",
                "--format",
                "json",
                "--output",
                os.devnull,
                "--concurrency",
                str(self.options.concurrency),
                "--cache-dir",
                str(cache),
                *extra,
            ],
            self.env,
        )

    def cold(self, reqs: Path) -> float:
        return self.check(reqs, self.work / f"cache-cold-{next(_RUN_NUMBERS)}")

    def uv_dry_run(self, reqs: Path) -> float:
        cache = self.work / f"uv-cache-{next(_RUN_NUMBERS)}"
        command = [
            self.uv,
            "pip",
            "install",
            "--dry-run",
            "--no-deps",
            "-r",
            str(reqs),
            "--index-url",
            self.url,
            "--python",
            self.venv_python,
            "--cache-dir",
            str(cache),
            "-q",
        ]
        return _timed(command, self.env)

    def pip_dry_run(self, reqs: Path) -> float:
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--no-deps",
            "--ignore-installed",
            "-r",
            str(reqs),
            "--index-url",
            self.url,
            "--no-cache-dir",
            "--disable-pip-version-check",
            "-q",
        ]
        return _timed(command, self.env)

    def measure(self, size: int) -> dict[str, float]:
        runs = self.options.runs
        reqs = self.work / f"reqs-{size}.txt"
        reqs.write_text("".join(f"bench-{i}==1.0.0\n" for i in range(size)))
        warm = self.work / f"cache-warm-{size}"
        self.check(reqs, warm)  # fill it
        # cold check and uv take turns, so that both meet the same load on the machine
        cold: list[float] = []
        uv: list[float] = []
        via_httpx: list[float] = []
        for _ in range(runs):
            cold.append(self.cold(reqs))
            uv.append(self.uv_dry_run(reqs))
            cache = self.work / f"cache-httpx-{next(_RUN_NUMBERS)}"
            via_httpx.append(self.check(reqs, cache, httpx_path=True))
        times = {
            "check cold": statistics.median(cold),
            "check cold, httpx path": statistics.median(via_httpx),
            "check warm (TTL)": _median(runs, lambda: self.check(reqs, warm)),
            "check warm (revalidate)": _median(
                runs, lambda: self.check(reqs, warm, "--cache-ttl", "0")
            ),
            "uv pip install --dry-run": statistics.median(uv),
        }
        if not self.options.skip_pip:
            pip_runs = self.options.pip_runs if size < 1000 else 1
            times["pip install --dry-run"] = _median(pip_runs, lambda: self.pip_dry_run(reqs))
        return times


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print a Markdown table of medians (seconds)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pip-runs", type=int, default=3, help="pip is slow: fewer runs")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=50)  # the CLI default
    parser.add_argument("--skip-pip", action="store_true")
    options = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="cg-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CG_ACTION_", "PIP_", "UV_"))}
    env["PYTHONPATH"] = str(ROOT)
    # as installed: bytecode is cached (otherwise every run compiles every module again)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["NETRC"] = str(work / "no-netrc")
    env.pop("GITHUB_ACTIONS", None)
    uv = shutil.which("uv") or "uv"
    subprocess.run([uv, "venv", "-q", str(work / "venv")], check=True, env=env)
    venv_python = str(work / "venv" / "bin" / "python")

    process, url = _start_index(options.latency, max(options.sizes))
    rows: list[tuple[int, dict[str, float]]] = []
    try:
        startup = _median(options.runs, lambda: _timed([sys.executable, "-c", "pass"], env))
        for size in options.sizes:
            bench = _Bench(options, url, work, env, uv, venv_python)
            times = bench.measure(size)
            times["floor"] = size / options.concurrency * options.latency + startup
            rows.append((size, times))
            print(f"N={size}: " + ", ".join(f"{k} {v:.2f}" for k, v in times.items()), flush=True)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)

    columns = list(rows[0][1])
    print()
    print(
        f"latency {options.latency * 1000:g} ms/request, concurrency {options.concurrency}, "
        f"medians of {options.runs} runs (pip: {options.pip_runs}, 1 at N=1000); "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}"
    )
    print("| N | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for size, times in rows:
        print(f"| {size} | " + " | ".join(f"{times[c]:.2f} s" for c in columns) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
