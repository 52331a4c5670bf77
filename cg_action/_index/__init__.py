"""The only package that talks HTTP: the index client, the PEP 691/503 parsers and the cache.

Importing the package is cheap: every name below loads its module on first use, so the
parsers are imported while the first requests are in flight, and httpx only when a request
needs it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cg_action._index._client import IndexClient
    from cg_action._index._files import PageError
    from cg_action._index._html import parse_html_page
    from cg_action._index._json import parse_json_page

_MODULES = {
    "IndexClient": "_client",
    "PageError": "_files",
    "parse_html_page": "_html",
    "parse_json_page": "_json",
}

__all__ = ["IndexClient", "PageError", "parse_html_page", "parse_json_page"]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
