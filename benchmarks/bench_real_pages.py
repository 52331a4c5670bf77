"""Time ``cg-action check`` against uv on real index pages and on one-file pages.

Starts ``_real_index.py`` on 127.0.0.1 (50 ms per request by default; http, and https with a
throw-away certificate authority both tools trust through ``SSL_CERT_FILE``), and times, as
whole processes, in turns (so that all meet the same load on the machine):

- ``check`` cold (empty cache directory), warm (cache within its TTL: no request) and
  revalidating (``--cache-ttl 0``: one conditional request per project, answered 304);
- ``uv pip install --dry-run --no-deps --no-cache`` with the same pins;

for the first ``--real`` pins of the captured real pages (``data/real-pages.json.xz``) and
for ``--synthetic`` counts of one-file pages, each over https and over http. Every run is
checked, outside its timing: the exit code; every pin in ``check``'s JSON report found in
the index (status ``chainguard``); every pin in uv's ``Would install`` list; and, from the
server's counters, the requests each run made (N pages, N 304s, or none) with no 404.

``--at COMMIT`` (repeatable) measures ``cg_action/`` as committed there, exported to a
temporary folder, instead of the checkout's working tree (which other work may change while
the benchmark runs); with several, each version's commands take turns too, against the same
uv runs. Every command runs in an empty folder, and the driver checks first that each
version's ``cg_action`` is imported from where it should be.

``--live URL`` times ``check`` and uv against a real index instead (the same real pins; not
the default: the default run never leaves 127.0.0.1). Prints Markdown tables of medians,
each with its ratio to uv and the https/http ratio. Run::

    python benchmarks/bench_real_pages.py [--runs 5] [--real 100] [--synthetic 300 1000]
    python benchmarks/bench_real_pages.py --at HEAD~5 --at HEAD   # before/after, in turns
    python benchmarks/bench_real_pages.py --live https://pypi.org/simple/ --runs 3
    python benchmarks/bench_real_pages.py --runs 1 --real 10 --synthetic 50   # a quick look
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
PINS = HERE / "data" / "real-pins.txt"
COMMANDS = ("check cold", "check warm", "check revalidate", "uv")
FLOOR = "check cold, pages unread"  # --floor: _without_page_reading.py
_UV_LINE = re.compile(r"^ \+ (\S+)==(\S+)$", re.MULTILINE)


class RunFailed(RuntimeError):
    """A run did not do what it is timed for: its number cannot be trusted."""


@dataclass
class Row:
    """The samples of one table row: a set of pins, over one scheme, against one index."""

    pages: str
    size: int
    scheme: str
    code: str
    samples: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)  # the command's own CPU time
    connections: dict[str, Counter[str]] = field(default_factory=dict)
    server_cpu: dict[str, list[float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def median(self, command: str, *, cpu: bool = False) -> float | None:
        values = (self.cpu if cpu else self.samples).get(command)
        return statistics.median(values) if values else None

    def spread(self, command: str) -> str:
        values = self.samples.get(command)
        return f"{min(values):.2f} to {max(values):.2f}" if values else ""


@dataclass(frozen=True)
class Source:
    """A version of cg-action: where ``cg_action`` is imported from, and what it is."""

    label: str
    path: Path
    described: str


def _real_pins(count: int) -> list[tuple[str, str]]:
    pins = []
    for line in PINS.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins.append((name, version))
    if len(pins) < count:
        raise SystemExit(f"{PINS} holds {len(pins)} pins, fewer than --real {count}")
    return pins[:count]


class Bench:
    """The commands, how they are timed, and how each run is verified."""

    def __init__(self, options: argparse.Namespace, work: Path, env: dict[str, str]) -> None:
        self.options = options
        self.work = work
        self.env = env
        self.cwd = work / "cwd"  # empty: no pyproject.toml, no cg_action folder on sys.path[0]
        self.cwd.mkdir(exist_ok=True)
        self.uv = shutil.which("uv") or "uv"
        self.stats_url: str | None = None
        self.strict = True
        self.last_cpu = 0.0
        self._numbers = iter(range(10**9))
        python = work / "uv-python"
        subprocess.run(
            [self.uv, "venv", "-q", "--python", sys.executable, str(python)], check=True, env=env
        )
        self.uv_python = str(python / "bin" / "python")

    # -- the commands -------------------------------------------------------------------

    def verify_source(self, source: Source) -> None:
        """Check that ``source``'s ``cg_action`` is the one its commands import."""
        command = [sys.executable, "-c", "import cg_action; print(cg_action.__file__)"]
        done = subprocess.run(
            command, env=self._env(source), cwd=self.cwd, capture_output=True, text=True, check=True
        )
        imported = Path(done.stdout.strip()).resolve()
        if not imported.is_relative_to(source.path.resolve()):
            raise SystemExit(
                f"{source.label}: cg_action imported from {imported}, not {source.path}"
            )

    def _env(self, source: Source | None) -> dict[str, str]:
        if source is None:
            return self.env
        return {**self.env, "PYTHONPATH": str(source.path)}

    def check(
        self,
        source: Source,
        reqs: Path,
        pins: Sequence[tuple[str, str]],
        index: str,
        cache: Path,
        *extra: str,
        unread: bool = False,
    ) -> float:
        """One check; ``unread``: through ``_without_page_reading.py`` (its report is not
        checked: every pin is missing by design)."""
        report = self.work / f"report-{next(self._numbers)}.json"
        program = [str(HERE / "_without_page_reading.py")] if unread else ["-m", "cg_action"]
        command = [
            sys.executable,
            *program,
            "check",
            str(reqs),
            "--index-url",
            index,
            "--no-fallback",
            "--no-remediated",
            "--no-netrc",
            "--fail-on",
            "none",
            "--format",
            "json",
            "--output",
            str(report),
            "--concurrency",
            str(self.options.concurrency),
            "--cache-dir",
            str(cache),
            *extra,
        ]
        elapsed, _ = self._timed(command, source)
        if not unread:
            self._verify_report(report, pins)
        report.unlink()
        return elapsed

    def uv_dry_run(self, reqs: Path, pins: Sequence[tuple[str, str]], index: str) -> float:
        command = [
            self.uv,
            "pip",
            "install",
            "--dry-run",
            "--no-deps",
            "--no-cache",
            "--python",
            self.uv_python,
            "--index-url",
            index,
            "-r",
            str(reqs),
        ]
        elapsed, output = self._timed(command)
        found = {(canonicalize_name(n), v) for n, v in _UV_LINE.findall(output)}
        wanted = {(canonicalize_name(n), v) for n, v in pins}
        if found != wanted or f"Would install {len(pins)} package" not in output:
            self._fail(
                f"uv resolved {len(found)} of {len(pins)} pins; missing "
                f"{sorted(wanted - found)[:5]}:\n{output[-1500:]}"
            )
        return elapsed

    def _timed(self, command: Sequence[str], source: Source | None = None) -> tuple[float, str]:
        """Wall time of ``command``; its CPU time (user + system) goes to ``last_cpu``."""
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(
            command,
            env=self._env(source),
            cwd=self.cwd,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
        now = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.last_cpu = (now.ru_utime - used.ru_utime) + (now.ru_stime - used.ru_stime)
        if done.returncode != 0:
            raise RunFailed(
                f"{' '.join(command[:5])} ... exited {done.returncode}:\n{done.stderr[-2000:]}"
            )
        return elapsed, done.stdout + done.stderr

    def _verify_report(self, report: Path, pins: Sequence[tuple[str, str]]) -> None:
        results = json.loads(report.read_text())["results"]
        wanted = {canonicalize_name(n): v for n, v in pins}
        found = {
            canonicalize_name(r["name"]): r["matched_version"]
            for r in results
            if r["status"] == "chainguard"
        }
        if found != wanted:
            others = [r["message"] for r in results if r["status"] != "chainguard"][:3]
            self._fail(f"check found {len(found)} of {len(pins)} pins in the index: {others}")

    def _fail(self, message: str) -> None:
        if self.strict:
            raise RunFailed(message)
        print(f"  note: {message}", file=sys.stderr)

    # -- the server's counters ------------------------------------------------------------

    def server_state(self) -> tuple[Counter[str], Counter[str], float]:
        """The server's answers by kind and status, connections by protocol, CPU seconds."""
        if self.stats_url is None:
            return Counter(), Counter(), 0.0
        with urllib.request.urlopen(self.stats_url, timeout=10) as response:
            data = json.load(response)
        return (
            Counter(data["answers"]),
            Counter(data["connections"]),
            data["cpu"]["server ms"] / 1000,
        )

    def measured(
        self, row: Row, command: str, run: Callable[[], float], expect: dict[str, int]
    ) -> None:
        """Time ``run``; check the requests it made against ``expect`` (answers by kind)."""
        answers_before, connections_before, cpu_before = self.server_state()
        elapsed = run()
        row.cpu.setdefault(command, []).append(self.last_cpu)
        answers, connections, cpu = self.server_state()
        answers -= answers_before
        row.samples.setdefault(command, []).append(elapsed)
        row.connections[command] = connections - connections_before
        if self.stats_url is None:
            return
        row.server_cpu.setdefault(command, []).append(cpu - cpu_before)
        if any(key.endswith(" 404") for key in answers):
            raise RunFailed(f"{command}: the index answered 404: {dict(answers)}")
        if answers != Counter(expect):
            note = f"{command}: requests {dict(answers)}, expected {expect}"
            if note not in row.notes:
                row.notes.append(note)
                where = f"{row.pages} N={row.size} {row.scheme} {row.code}"
                print(f"  note: {where}: {note}", file=sys.stderr)

    # -- one set of pins ----------------------------------------------------------------

    def measure(
        self,
        pages: str,
        pins: Sequence[tuple[str, str]],
        indexes: dict[str, str],
        sources: Sequence[Source],
    ) -> list[Row]:
        """All commands for these pins against each index (by scheme), in turns."""
        size = len(pins)
        reqs = self.work / f"reqs-{pages}-{size}.txt"
        reqs.write_text("".join(f"{n}=={v}\n" for n, v in pins))
        page_kind = "page-json" if pages == "real" else "synthetic-page"
        fetched = {f"{page_kind} 200": size}
        revalidated = {f"{page_kind} 304": size}
        rows = {
            (scheme, source.label): Row(pages, size, scheme, source.label)
            for scheme in indexes
            for source in sources
        }
        warm = {key: self.work / f"cache-warm-{pages}-{size}-{'-'.join(key)}" for key in rows}
        for scheme, label in rows:  # fill the warm caches (and compile, and warm up)
            source = next(s for s in sources if s.label == label)
            self.check(source, reqs, pins, indexes[scheme], warm[scheme, label])
        long_ttl = ("--cache-ttl", str(24 * 3600))
        for number in range(self.options.runs):
            order = list(indexes) if number % 2 == 0 else list(reversed(indexes))
            versions = list(sources) if number % 2 == 0 else list(reversed(sources))
            for scheme in order:
                index = indexes[scheme]
                uv = functools.partial(self.uv_dry_run, reqs, pins, index)
                uv_row = rows[scheme, versions[0].label]
                self.measured(uv_row, "uv", uv, fetched)
                for source in versions:
                    row = rows[scheme, source.label]
                    if row is not uv_row:  # one uv run per turn, shared by the versions
                        row.samples.setdefault("uv", []).append(uv_row.samples["uv"][-1])
                        row.cpu.setdefault("uv", []).append(uv_row.cpu["uv"][-1])
                        row.connections["uv"] = uv_row.connections["uv"]
                        if "uv" in uv_row.server_cpu:
                            row.server_cpu.setdefault("uv", []).append(uv_row.server_cpu["uv"][-1])
                    check = functools.partial(self.check, source, reqs, pins, index)
                    cold = self.work / f"cache-cold-{next(self._numbers)}"
                    self.measured(row, "check cold", functools.partial(check, cold), fetched)
                    shutil.rmtree(cold, ignore_errors=True)
                    if self.options.floor and pages == "real":
                        cold = self.work / f"cache-cold-{next(self._numbers)}"
                        unread = functools.partial(check, cold, unread=True)
                        self.measured(row, FLOOR, unread, fetched)
                        shutil.rmtree(cold, ignore_errors=True)
                    cache = warm[scheme, source.label]
                    self.measured(row, "check warm", functools.partial(check, cache, *long_ttl), {})
                    revalidate = functools.partial(check, cache, "--cache-ttl", "0")
                    self.measured(row, "check revalidate", revalidate, revalidated)
            print(
                f"  {pages} N={size} run {number + 1}/{self.options.runs}: "
                + "; ".join(
                    f"{scheme} {label}: "
                    + ", ".join(f"{c} {row.samples[c][-1]:.2f}" for c in COMMANDS)
                    for (scheme, label), row in rows.items()
                ),
                file=sys.stderr,
                flush=True,
            )
        return list(rows.values())

    def profile(
        self, source: Source, pins: Sequence[tuple[str, str]], index: str, out: Path
    ) -> None:
        """One cold check under cProfile (all threads), written to ``out``; summary printed."""
        reqs = self.work / "reqs-profile.txt"
        reqs.write_text("".join(f"{n}=={v}\n" for n, v in pins))
        command = [
            sys.executable,
            str(HERE / "_profile_check.py"),
            str(out),
            "check",
            str(reqs),
            "--index-url",
            index,
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
            str(self.work / f"cache-profile-{next(self._numbers)}"),
        ]
        elapsed, output = self._timed(command, source)
        print(
            f"\nprofiled cold check of {source.described}, N={len(pins)}, {index}: "
            f"{elapsed:.2f} s under cProfile",
            flush=True,
        )
        print(output.strip(), flush=True)
        subprocess.run(
            [sys.executable, str(HERE / "_profile_check.py"), "--show", str(out), "30"], check=True
        )


def _start_server(
    options: argparse.Namespace, work: Path
) -> tuple[subprocess.Popen[str], dict[str, str]]:
    command = [
        sys.executable,
        str(HERE / "_real_index.py"),
        "--latency",
        str(options.latency),
        "--synthetic",
        str(max(options.synthetic, default=0)),
        "--ca-file",
        str(work / "ca.pem"),
        "--json-only",
    ]
    if options.no_http2:
        command.append("--no-http2")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    try:
        urls: dict[str, str] = json.loads(line)
    except ValueError:
        process.kill()
        raise SystemExit("the local index did not start") from None
    return process, urls


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def _sources(commits: Sequence[str] | None, work: Path) -> list[Source]:
    """The versions to measure: the checkout's working tree (``checkout``), or commits exported.

    The working tree includes uncommitted changes (the description says so); an exported
    commit is the ``cg_action`` folder as committed, nothing else.
    """
    sources = []
    for at in commits or ["checkout"]:
        if at == "checkout":
            commit = _git("rev-parse", "--short", "HEAD")
            dirty = _git("status", "--porcelain", "--", "cg_action")
            described = f"the checkout at {commit}" + (
                " with uncommitted changes under cg_action/" if dirty else ""
            )
            sources.append(Source("checkout", ROOT, described))
            continue
        commit = _git("rev-parse", "--short", at)
        if not commit:
            raise SystemExit(f"--at {at}: no such commit")
        target = work / f"source-{commit}"
        target.mkdir(exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", "--format=tar", commit, "cg_action"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
        subject = _git("log", "-1", "--format=%s", commit)
        sources.append(Source(commit, target, f"{commit} ({subject[:60]})"))
    return sources


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _number(value: float | None, unit: str = "") -> str:
    return "" if value is None else f"{value:.2f}{unit}"


def _scheme(row: Row, several: bool) -> str:
    return f"{row.scheme}, {row.code}" if several else row.scheme


def _medians_table(rows: Sequence[Row], *, cpu: bool) -> None:
    several = len({row.code for row in rows}) > 1
    print(
        "| pages | N | scheme | check cold | check warm (TTL) | check revalidate (304s) | uv | "
        "cold / uv | warm / uv | revalidate / uv |"
    )
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        medians = [row.median(c, cpu=cpu) for c in COMMANDS]
        ratios = [_ratio(m, medians[-1]) for m in medians[:-1]]
        mark = " *" if row.notes else ""
        print(
            f"| {row.pages} | {row.size} | {_scheme(row, several)}{mark} | "
            + " | ".join(_number(m, " s") for m in medians)
            + " | "
            + " | ".join(_number(r) for r in ratios)
            + " |"
        )


def print_tables(rows: Sequence[Row], header: str) -> None:
    """Medians of wall and of CPU time with ratios to uv; https/http; the spread."""
    print()
    print(header)
    print()
    print("Wall time (medians; the ratio is to uv's median in the same row):")
    print()
    _medians_table(rows, cpu=False)
    print()
    print("CPU time of the command itself (user + system, all its threads; medians):")
    print()
    _medians_table(rows, cpu=True)
    several = len({row.code for row in rows}) > 1
    by_set: dict[tuple[str, int, str], dict[str, Row]] = {}
    for row in rows:
        by_set.setdefault((row.pages, row.size, row.code), {})[row.scheme] = row
    pairs = [(key, s) for key, s in by_set.items() if {"https", "http"} <= set(s)]
    if pairs:
        print()
        print("https / http (median over median; wall time, then CPU time):")
        print()
        print(
            "| pages | N | check cold | check warm (TTL) | check revalidate (304s) | uv | "
            "CPU: check cold | check warm | check revalidate | uv |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for (pages, size, code), schemes in pairs:
            secure, plain = schemes["https"], schemes["http"]
            ratios = [_ratio(secure.median(c), plain.median(c)) for c in COMMANDS]
            ratios += [
                _ratio(secure.median(c, cpu=True), plain.median(c, cpu=True)) for c in COMMANDS
            ]
            label = f"{size}, {code}" if several else f"{size}"
            print(f"| {pages} | {label} | " + " | ".join(_number(r) for r in ratios) + " |")
    print()
    print("Spread of the wall times (fastest and slowest run, seconds):")
    print()
    print("| pages | N | scheme | check cold | check warm (TTL) | check revalidate (304s) | uv |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row.pages} | {row.size} | {_scheme(row, several)} | "
            + " | ".join(row.spread(c) for c in COMMANDS)
            + " |"
        )
    floors = [row for row in rows if FLOOR in row.samples]
    if floors:
        print()
        print(
            "The floor (--floor): the same cold check with every page received and stored but "
            "not read (`_without_page_reading.py`), wall and CPU medians:"
        )
        print()
        print(
            "| pages | N | scheme | check cold | pages unread | uv | unread / uv | "
            "CPU: cold | unread | uv |"
        )
        print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for row in floors:
            wall = [row.median(c) for c in ("check cold", FLOOR, "uv")]
            cpu = [row.median(c, cpu=True) for c in ("check cold", FLOOR, "uv")]
            print(
                f"| {row.pages} | {row.size} | {_scheme(row, several)} | "
                + " | ".join(_number(m, " s") for m in wall)
                + f" | {_number(_ratio(wall[1], wall[2]))} | "
                + " | ".join(_number(m, " s") for m in cpu)
                + " |"
            )
    notes = [f"{r.pages} N={r.size} {r.scheme} {r.code}: {n}" for r in rows for n in r.notes]
    if notes:
        print()
        print("\\* not as expected: " + "; ".join(notes))


def print_server_side(rows: Sequence[Row]) -> None:
    """What the server saw: its CPU time per run, and the connections each tool opened."""
    print()
    print(
        "Server side (median CPU seconds of the local index per run; connections of the last run):"
    )
    print()
    print(
        "| pages | N | scheme | "
        + " | ".join(f"server CPU, {c}" for c in COMMANDS)
        + " | connections, check cold | connections, uv |"
    )
    print("| --- | ---: | --- | " + "---: | " * len(COMMANDS) + "--- | --- |")
    several = len({row.code for row in rows}) > 1
    for row in rows:
        cpu = [
            statistics.median(row.server_cpu[c]) if row.server_cpu.get(c) else None
            for c in COMMANDS
        ]
        opened = [
            ", ".join(f"{v} {k}" for k, v in sorted(row.connections.get(c, Counter()).items()))
            for c in ("check cold", "uv")
        ]
        print(
            f"| {row.pages} | {row.size} | {_scheme(row, several)} | "
            + " | ".join(f"{v:.2f}" if v is not None else "" for v in cpu)
            + f" | {opened[0]} | {opened[1]} |"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the tables."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command (median)")
    parser.add_argument("--real", type=int, default=100, help="real pins (0: none)")
    parser.add_argument(
        "--synthetic", type=int, nargs="*", default=[300, 1000], help="one-file pin counts"
    )
    parser.add_argument(
        "--schemes", nargs="+", choices=["https", "http"], default=["https", "http"]
    )
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--concurrency", type=int, default=50)  # the CLI default
    parser.add_argument("--no-http2", action="store_true", help="https offers HTTP/1.1 only")
    parser.add_argument(
        "--live", metavar="URL", help="time against this index instead (no local server)"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="OUT.prof",
        help="also profile one cold check of the real pins over the first scheme "
        "(OUT-<commit>.prof for each of several --at)",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also time each cold real check with the pages received but not read "
        "(_without_page_reading.py): what no page reader could go below",
    )
    parser.add_argument("--json-out", type=Path, help="write every sample here")
    parser.add_argument(
        "--at",
        metavar="COMMIT",
        action="append",
        help="measure cg_action/ as committed there, or 'checkout' for the working tree "
        "(repeatable; default: the checkout)",
    )
    options = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="cg-bench-real-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CG_ACTION_", "PIP_", "UV_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: bytecode is cached
    env["NETRC"] = str(work / "no-netrc")
    env.pop("GITHUB_ACTIONS", None)
    if sys.version_info[:2] != (3, 11):
        print(
            "note: the real pins were chosen for CPython 3.11; uv runs this Python", file=sys.stderr
        )

    load_before = os.getloadavg()[0]
    process: subprocess.Popen[str] | None = None
    rows: list[Row] = []
    try:
        sources = _sources(options.at, work)
        if options.live:
            bench = Bench(options, work, env)
            bench.strict = False
            for source in sources:
                bench.verify_source(source)
            pins = _real_pins(options.real)
            rows += bench.measure("real", pins, {"live": options.live}, sources)
            where = f"against {options.live}"
        else:
            process, urls = _start_server(options, work)
            env["SSL_CERT_FILE"] = urls["ca"]  # the local index's authority, and no other
            env.pop("SSL_CERT_DIR", None)
            bench = Bench(options, work, env)
            for source in sources:
                bench.verify_source(source)
            bench.stats_url = urls["http"].replace("/simple/", "/_stats")
            indexes = {scheme: urls[scheme] for scheme in options.schemes}
            if options.real:
                rows += bench.measure("real", _real_pins(options.real), indexes, sources)
            for size in options.synthetic:
                pins = [(f"bench-{i}", "1.0.0") for i in range(size)]
                rows += bench.measure("one-file", pins, indexes, sources)
            if options.profile and options.real:
                for source in sources:
                    out = options.profile
                    if len(sources) > 1:
                        out = out.with_name(f"{out.stem}-{source.label}{out.suffix}")
                    index = urls[options.schemes[0]]
                    bench.profile(source, _real_pins(options.real), index, out)
            where = f"local index, {options.latency * 1000:g} ms per request, https " + (
                "HTTP/1.1 only" if options.no_http2 else "offering HTTP/2"
            )
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)

    arguments = list(argv if argv is not None else sys.argv[1:])
    uv_version = subprocess.run(
        [bench.uv, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    header = (
        f"{time.strftime('%Y-%m-%d')}, {where}; concurrency {options.concurrency}; medians of "
        f"{options.runs} runs; {os.cpu_count()} cores (load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after), {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, {uv_version}; cg-action: "
        f"{'; '.join(source.described for source in sources)}; "
        f"`python benchmarks/bench_real_pages.py {' '.join(arguments)}`"
    )
    print_tables(rows, header)
    if not options.live:
        print_server_side(rows)
    if options.json_out:
        options.json_out.write_text(
            json.dumps(
                {
                    "header": header,
                    "rows": [
                        {
                            "pages": r.pages,
                            "size": r.size,
                            "scheme": r.scheme,
                            "code": r.code,
                            "samples": r.samples,
                            "cpu": r.cpu,
                            "server_cpu": r.server_cpu,
                            "notes": r.notes,
                        }
                        for r in rows
                    ],
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
