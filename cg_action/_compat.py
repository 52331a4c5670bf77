"""Small shims for the oldest supported Python (3.10)."""

from __future__ import annotations

import enum
import sys

if sys.version_info >= (3, 11):
    from enum import StrEnum
    from typing import assert_never
else:  # pragma: no cover - exercised only on Python 3.10
    from typing import NoReturn

    class StrEnum(str, enum.Enum):
        """`enum.StrEnum` for Python 3.10: members are strings and print as their value."""

        def __str__(self) -> str:
            return str(self.value)

    def assert_never(value: NoReturn, /) -> NoReturn:
        raise AssertionError(f"unhandled value: {value!r}")


__all__ = ["StrEnum", "assert_never"]
