"""Registry dates at month ("2025-06") or day ("2025-06-05") precision, and how far one moved."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


@dataclass(frozen=True)
class RegistryDate:
    year: int
    month: int
    day: int | None  # None: the registry gives only the month

    @property
    def month_index(self) -> int:
        return self.year * 12 + self.month - 1


def parse_registry_date(text: str | None) -> RegistryDate | None:
    m = _DATE.match(text or "")
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    day = int(m.group(3)) if m.group(3) else None
    if not 1 <= month <= 12:
        return None
    if day is not None:
        try:
            date(year, month, day)
        except ValueError:
            return None
    return RegistryDate(year, month, day)


@dataclass(frozen=True)
class Shift:
    direction: int  # +1 later, -1 earlier, 0 same month at the precision both share
    months: int  # whole months, signed
    days: int | None  # signed, only when both dates have a day


def shift(old: RegistryDate, new: RegistryDate) -> Shift:
    months = new.month_index - old.month_index
    if old.day is not None and new.day is not None:
        days = (date(new.year, new.month, new.day) - date(old.year, old.month, old.day)).days
        # Whole months moved, counted like a calendar: 06-05 → 12-05 is 6, 06-30 → 07-01 is 0.
        if months > 0 and new.day < old.day:
            months -= 1
        elif months < 0 and new.day > old.day:
            months += 1
        return Shift((days > 0) - (days < 0), months, days)
    return Shift((months > 0) - (months < 0), months, None)
