"""The retry policy: full-jitter backoff bounds and Retry-After in both of its forms."""

from __future__ import annotations

import random
from datetime import datetime, timezone
from email.utils import format_datetime

import pytest

from cg_action._index._retry import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    RETRY_AFTER_CAP,
    backoff_delay,
    retry_after_seconds,
)


@pytest.mark.parametrize("attempt", range(8))
def test_backoff_stays_within_its_exponential_ceiling(attempt: int) -> None:
    rng = random.Random(attempt)  # noqa: S311 - reproducible jitter for the test
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)
    delays = [backoff_delay(attempt, rng=rng) for _ in range(200)]
    assert all(0.0 <= d <= ceiling for d in delays)
    assert max(delays) > ceiling / 2  # full jitter spreads over the whole range


def test_retry_after_seconds_and_dates() -> None:
    now = datetime(2026, 8, 1, 12, 0, 0, tzinfo=timezone.utc).timestamp()
    later = format_datetime(datetime(2026, 8, 1, 12, 0, 7, tzinfo=timezone.utc), usegmt=True)
    earlier = format_datetime(datetime(2026, 8, 1, 11, 0, 0, tzinfo=timezone.utc), usegmt=True)
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds(" 0 ") == 0.0
    assert retry_after_seconds("3600") == RETRY_AFTER_CAP
    assert retry_after_seconds(later, now=now) == pytest.approx(7.0)
    assert retry_after_seconds(earlier, now=now) == 0.0
    for unusable in (None, "", "soon", "-5", "1.5"):
        assert retry_after_seconds(unusable) is None
