"""``tomllib``, or ``tomli`` on Python 3.10: imported only where TOML is read (about 5 ms)."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib

__all__ = ["tomllib"]
