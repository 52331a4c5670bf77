"""The only package that talks HTTP: the index client, the PEP 691/503 parsers and the cache.

Importing the package is cheap: the parsers use the standard library and ``packaging``; the
client (and with it httpx) loads on first use of ``IndexClient``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cg_action._index._files import PageError
from cg_action._index._html import parse_html_page
from cg_action._index._json import parse_json_page

if TYPE_CHECKING:
    from cg_action._index._client import IndexClient


def __getattr__(name: str) -> Any:
    if name == "IndexClient":
        from cg_action._index._client import IndexClient

        return IndexClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["IndexClient", "PageError", "parse_html_page", "parse_json_page"]
