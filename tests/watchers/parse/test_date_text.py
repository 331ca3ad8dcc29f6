from __future__ import annotations

import pytest

from watchers.parse.date_text import months_between, parse_date_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PDUFA target action date of April 30, 2027", ("2027-04-30", "day")),
        ("a goal date of Sept. 5, 2026", ("2026-09-05", "day")),
        ("on 14 March 2027", ("2027-03-14", "day")),
        ("2027-01-02", ("2027-01-02", "day")),
        ("PDUFA date in March 2027", ("2027-03", "month")),
        ("topline data expected in 2H 2026", ("2026-12", "half")),
        ("data in the second half of 2026", ("2026-12", "half")),
        ("readout in 1H26 or H1 2027", ("2027-06", "half")),
        ("results expected Q3 2026", ("2026-09", "quarter")),
        ("in the third quarter of 2026", ("2026-09", "quarter")),
        ("expected mid-2027", ("2027-06", "half")),
        ("by year-end 2026", ("2026-12", "year")),
        ("enrollment to complete in 2027", ("2027-12", "year")),
    ],
)
def test_dates_as_written(text: str, expected: tuple[str, str]) -> None:
    assert parse_date_text(text) == expected


@pytest.mark.parametrize("text", ["", "no date here", "February 30, 2027", "Phase 3 study 301"])
def test_no_date(text: str) -> None:
    assert parse_date_text(text) is None


def test_months_between() -> None:
    assert months_between("2025-06", "2025-12") == 6
    assert months_between("2027-03-14", "2027-06-14") == 3
    assert months_between("2026-01", "2025-11") == -2
