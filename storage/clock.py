"""One timestamp format for the store, so text comparison orders correctly."""
from __future__ import annotations

from datetime import UTC, datetime

_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"


def to_db(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    # isoformat writes the same text as the format, twice as fast (every seen item and poll goes through here);
    # strftime writes a year before 1000 unpadded, which stays so.
    return value.isoformat(timespec="microseconds") if value.year >= 1000 else value.strftime(_FORMAT)


def from_db(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def months_between(old: str, new: str) -> int:
    """Whole months from one ISO date/month to another (positive when `new` is later)."""
    oy, om = int(old[:4]), int(old[5:7])
    ny, nm = int(new[:4]), int(new[5:7])
    return (ny - oy) * 12 + (nm - om)
