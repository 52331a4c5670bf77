"""``python -m cg_action`` with the reading of JSON project pages taken out: an experiment.

Every JSON page the index sends is received whole (TLS, HTTP/2, decompression, the size
limits) and stored in the cache as usual, but then read as if it listed no file. So a cold
check run through this script pays everything a real one pays except reading the pages (and
what the check does with their files afterwards): its time is the floor a faster page reader
could reach, whatever it did. The verdicts are wrong by design (every pin is missing); this is
a measurement, never a mode of the tool. Benchmarks only.

Run: ``python benchmarks/_without_page_reading.py check ARGS...`` (arguments as for
``python -m cg_action``); ``bench_real_pages.py --floor`` runs it beside the real check.
"""

from __future__ import annotations

import runpy
import sys
from typing import Any

from packaging.utils import NormalizedName

from cg_action._index import _json
from cg_action._models import IndexProject

_read_page = _json.parse_json_page


def _unread(data: bytes | str, page_url: str, *, name: NormalizedName, index_url: str) -> Any:
    """The answer of a page listing no file (the received body is dropped unread)."""
    del data
    empty = b'{"meta": {"api-version": "1.1"}, "files": []}'
    project: IndexProject = _read_page(empty, page_url, name=name, index_url=index_url)
    return project


if __name__ == "__main__":
    _json.parse_json_page = _unread
    sys.argv = ["cg_action", *sys.argv[1:]]
    runpy.run_module("cg_action", run_name="__main__", alter_sys=True)
