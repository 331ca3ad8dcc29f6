"""One timestamp format for the store, so text comparison orders correctly."""
from __future__ import annotations

from datetime import UTC, datetime

_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"


def to_db(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime(_FORMAT)


def from_db(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
