"""The replay bench's validation mode: rolling folds inside the learning period, blind to the scored period."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bench.bench_time_to_alert import FOLDS, folds, true_times, validate
from watchers.schedule.cadence import Budget, Params

CUT = datetime(2024, 6, 27, 8, 30, tzinfo=UTC)


def _dated(until: datetime) -> dict[str, list[datetime]]:
    out: dict[str, list[datetime]] = {}
    for n, hour in enumerate((11, 14, 20)):
        day, dates = datetime(2023, 6, 1, hour, 5 * n, tzinfo=UTC), []
        while day < until:
            if day.weekday() < 5:
                dates.append(day)
            day += timedelta(days=3)
        out[f"T{n}"] = dates
    return out


def test_folds_roll_over_the_learning_period_and_stop_at_the_split() -> None:
    windows = folds(CUT)
    assert len(windows) == FOLDS
    assert windows[-1][1] == CUT and all(b <= CUT for _, b in windows)
    assert all(a < b for a, b in windows)
    assert all(windows[i][1] == windows[i + 1][0] for i in range(FOLDS - 1))  # consecutive, no overlap
    assert windows[0][0] == datetime(2023, 9, 1, tzinfo=UTC)


def test_validation_never_sees_the_scored_period() -> None:
    # The same learning items with and without a scored period after the split: the same figures, to the decimal.
    candidates = [Params(), Params(busy_share=0.0)]
    budget = Budget()
    learning_only = true_times(_dated(CUT))
    later = true_times({t: [d for d in ds if d >= CUT] for t, ds in _dated(CUT + timedelta(days=200)).items()})
    with_scored = {t: pairs + later[t] for t, pairs in learning_only.items()}
    assert all(later[t] for t in later)
    first = datetime(2023, 6, 1, tzinfo=UTC)
    a = validate(learning_only, first, CUT, budget, candidates, workers=1)
    b = validate(with_scored, first, CUT, budget, candidates, workers=1)
    assert len(a) == len(candidates) and all(len(r["folds"]) == FOLDS for r in a)  # type: ignore[arg-type]
    assert a == b
