"""``python -m cg_action`` with project pages asked through httpx, as for an https index.

Plain-http indexes take the one-thread loop; https indexes (Chainguard's) go through httpx on
asyncio. The latency index speaks plain HTTP, so this wrapper makes the client take the httpx
path for it, to measure that path without TLS. Benchmarks only: not part of the tool.
"""

from __future__ import annotations

import runpy
import sys

import cg_action._index._client as client

vars(client)["can_fetch_directly"] = lambda url, environ=None: False
sys.argv = ["cg_action", *sys.argv[1:]]
runpy.run_module("cg_action", run_name="__main__", alter_sys=True)
