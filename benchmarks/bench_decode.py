"""CPU cost of reading the real pages in one process, stage by stage (no network, no server).

For the first ``--real`` projects of ``data/real-pages.json.xz`` (their pages as the local
index serves them), the CPU time (``time.process_time``, median of ``--runs``) of:

- ``json.loads`` of every page: the floor any reader of the JSON form pays;
- ``parse_json_page``: what a cold check does with each JSON page;
- ``parse_html_page`` on the HTML form of the same pages (generated as the local index does);
- ``encode_project`` (the cache write after a page was read) and ``decode_project`` (what a
  warm check does with each cached project).

Garbage collection is off while a stage runs (see ``_cpu``).

It calls cg-action's private page and cache functions, so it follows their signatures: when
they change, change the calls below. ``cg_action`` is the installed one (the checkout, as
``pip install -e`` puts it), or the one ``PYTHONPATH`` names (a commit exported with
``git archive <commit> cg_action | tar -x -C <folder>``); the output says which.

Run: ``python benchmarks/bench_decode.py [--runs 3] [--real 100]`` (about a minute).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import _real_index
from packaging.utils import NormalizedName, canonicalize_name

import cg_action
from cg_action._index._cache import decode_project, encode_project
from cg_action._index._html import parse_html_page
from cg_action._index._json import parse_json_page

ORIGIN = "http://127.0.0.1:8080"
INDEX_URL = f"{ORIGIN}/simple/"


def _cpu(runs: int, work: Callable[[], object]) -> float:
    """Median CPU seconds of ``work``, garbage collection off while it runs.

    The command line collects seldom (it raises the first threshold); with the default
    thresholds the many objects alive here would be scanned again and again, which would
    measure the collector rather than the code.
    """
    times = []
    for _ in range(runs):
        gc.collect()
        gc.disable()
        try:
            started = time.process_time()
            work()
            times.append(time.process_time() - started)
        finally:
            gc.enable()
    return statistics.median(times)


def main(argv: Sequence[str] | None = None) -> int:
    """Time each stage and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--real", type=int, default=100, help="how many of the captured pages")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args(argv)

    fixture = _real_index.load_fixture()
    site = _real_index.Site(fixture, ORIGIN)
    names: list[NormalizedName] = [canonicalize_name(n) for n, _ in fixture.pins(options.real)]
    pages = {name: site.json_page(name) for name in names}
    html_pages = {name: _real_index.html_page(pages[name]).decode() for name in names}
    url = {name: f"{INDEX_URL}{name}/" for name in names}
    files = sum(len(json.loads(page)["files"]) for page in pages.values())

    def read_json() -> None:
        for page in pages.values():
            json.loads(page)

    def parse_json() -> dict[NormalizedName, object]:
        return {n: parse_json_page(pages[n], url[n], name=n, index_url=INDEX_URL) for n in names}

    def parse_html() -> None:
        for n in names:
            parse_html_page(html_pages[n], url[n], name=n, index_url=INDEX_URL)

    projects = {n: parse_json_page(pages[n], url[n], name=n, index_url=INDEX_URL) for n in names}
    stored = {n: encode_project(projects[n]) for n in names}

    def encode() -> None:
        for project in projects.values():
            encode_project(project)

    def decode() -> None:
        for n in names:
            decode_project(stored[n], name=n, index_url=INDEX_URL)

    stages = [
        ("`json.loads` of the JSON pages", read_json),
        ("`parse_json_page` (cold check, JSON form)", parse_json),
        ("`parse_html_page` (cold check, HTML form)", parse_html),
        ("`encode_project` (cache write)", encode),
        ("`decode_project` (warm check: cache read)", decode),
    ]
    megabytes = sum(len(p) for p in pages.values()) / 1e6
    print(
        f"{len(names)} real pages, {megabytes:.1f} MB of JSON, {files} file entries; "
        f"CPU medians of {options.runs} runs, one process, no garbage collection; cg_action from "
        f"{Path(cg_action.__file__).parent}"
    )
    print()
    print("| stage | CPU for all pages | per file entry |")
    print("| --- | ---: | ---: |")
    for label, work in stages:
        seconds = _cpu(options.runs, work)
        print(f"| {label} | {seconds:.2f} s | {seconds / files * 1e6:.1f} us |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
