"""The store's one timestamp text: `to_db` writes what the format string writes, for any datetime."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

from storage.clock import _FORMAT, from_db, to_db


def test_to_db_writes_the_formats_text_for_any_datetime() -> None:
    rng = random.Random(19)
    values = [datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), datetime(2026, 1, 2, 3, 4, 5),  # naive: taken as UTC
              datetime(1, 1, 1, tzinfo=UTC), datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
              datetime(1000, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)]
    for _ in range(2000):
        zone = timezone(timedelta(minutes=rng.randint(-14 * 60, 14 * 60)))
        stamp = datetime(rng.randint(1001, 9998), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                         rng.randint(0, 59), rng.randint(0, 59), rng.choice([0, rng.randint(0, 999_999)]))
        values += [stamp.replace(tzinfo=zone), stamp]
    for value in values:
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        assert to_db(value) == aware.astimezone(UTC).strftime(_FORMAT), value
        if value.year >= 1000:
            assert from_db(to_db(value)) == aware
    assert to_db(None) is None
