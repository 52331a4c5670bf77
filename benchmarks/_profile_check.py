"""``python -m cg_action`` under cProfile in every thread, the profiles merged into one file.

cProfile sees only the thread that enables it; the check also works on other threads (the
https requests on an event loop thread, a helper thread). This wrapper gives each thread
started during the run a profiler of its own and merges them at the end. Benchmarks only.

Run: ``python benchmarks/_profile_check.py OUT.prof check ARGS...`` (the exit code is the
check's). Print a summary with ``python benchmarks/_profile_check.py --show OUT.prof``.
"""

from __future__ import annotations

import cProfile
import pstats
import runpy
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

_PROFILES: list[tuple[str, cProfile.Profile, list[float]]] = []


def _profiled_run(
    original: Callable[[threading.Thread], None],
) -> Callable[[threading.Thread], None]:
    def run(self: threading.Thread) -> None:
        profile = cProfile.Profile()
        wall = [time.perf_counter(), 0.0]
        _PROFILES.append((self.name, profile, wall))
        profile.enable()
        try:
            original(self)
        finally:
            profile.disable()
            wall[1] = time.perf_counter()

    return run


def profile_check(out: str, arguments: list[str]) -> int:
    """Run ``cg_action`` with ``arguments``; write the merged profile to ``out``."""
    # every thread started from now on runs under a profiler of its own
    setattr(threading.Thread, "run", _profiled_run(threading.Thread.run))  # noqa: B010  # a method patched for the run, not an attribute
    main = cProfile.Profile()
    wall = [time.perf_counter(), 0.0]
    _PROFILES.insert(0, ("main", main, wall))
    sys.argv = ["cg_action", *arguments]
    code: Any = 0
    main.enable()
    try:
        runpy.run_module("cg_action", run_name="__main__", alter_sys=True)
    except SystemExit as exit_:
        code = exit_.code
    finally:
        main.disable()
        wall[1] = time.perf_counter()
    stats = pstats.Stats(main)
    for _, profile, _ in _PROFILES[1:]:
        stats.add(profile)
    stats.dump_stats(out)
    for name, profile, (start, end) in _PROFILES:
        busy = sum(entry.inlinetime for entry in profile.getstats())
        print(
            f"thread {name}: {end - start:.2f} s alive, {busy:.2f} s in profiled code",
            file=sys.stderr,
        )
    return int(code or 0)


def show(path: str, top: int = 25) -> None:
    """Print the top entries by own time, and cg-action's functions by cumulative time.

    The threads' profiles are merged: a thread waiting for another (a lock's ``acquire``)
    counts that wait as its own time; read the rest as CPU time of the run.
    """
    stats = pstats.Stats(path)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(r"cg_action[/\\]", top)


if __name__ == "__main__":
    if sys.argv[1] == "--show":
        show(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 25)
    else:
        raise SystemExit(profile_check(sys.argv[1], sys.argv[2:]))
