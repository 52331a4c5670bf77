"""When to try again: exponential backoff with full jitter, and ``Retry-After``.

Pure functions of the attempt number and the response headers, so the client's loop stays
readable and the policy is tested on its own.
"""

from __future__ import annotations

import random
import time

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BACKOFF_BASE = 0.25  # seconds before the first retry, at most
BACKOFF_CAP = 8.0  # no single backoff is longer
RETRY_AFTER_CAP = 30.0  # a server asking for longer is asked again after this


def backoff_delay(attempt: int, *, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based): full jitter."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2**attempt))
    return (rng or random).uniform(0.0, ceiling)


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` (delta seconds or an HTTP date) in seconds, capped; None if unusable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return min(float(text), RETRY_AFTER_CAP)
    from email.utils import parsedate_to_datetime  # only for the rare HTTP-date form

    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    delta = when.timestamp() - (time.time() if now is None else now)
    return min(max(delta, 0.0), RETRY_AFTER_CAP)
