"""The replay bench plays the live scheduler: histories and the prior grow online, polls run on the app's ticks."""
from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

from bench.bench_time_to_alert import adaptive_replay, live_budget, true_times
from watchers.schedule.cadence import ZONE, Params
from watchers.schedule.poll_cycle import PRIOR_REFRESH, poll_tick_seconds

START = datetime(2024, 3, 1, tzinfo=UTC)
FIRST = datetime(2023, 9, 1, tzinfo=UTC)


def _weekdays(since: datetime, until: datetime, hour: int, minute: int) -> list[datetime]:
    """Every weekday's release at hour:minute Eastern."""
    out, day = [], since.astimezone(ZONE).replace(hour=hour, minute=minute, second=0, microsecond=0)
    while day < until:
        if day.weekday() < 5 and day >= since:
            out.append(day.astimezone(UTC))
        day = (day + timedelta(days=1)).replace(hour=hour, minute=minute)
    return out


def test_a_source_learns_from_the_items_it_sees_during_the_replay() -> None:
    # A new issuer (nothing before the replay starts) publishing at 03:17, an hour nobody else uses. As the live
    # scheduler stores each date it sees, its later releases are heard at once; a replay that froze the source's
    # history at the start would keep polling it every ten minutes (a median wait near five minutes).
    end = START + timedelta(days=42)
    dated = {"OLD": _weekdays(FIRST, end, 10, 0), "NEW": _weekdays(START, end, 3, 17)}
    items = true_times(dated)
    run = adaptive_replay(items, FIRST, START, end, Params(), live_budget())
    new_waits = [w for w, at in zip(run.waits, run.seen_at, strict=True)
                 if datetime.fromtimestamp(at, UTC).astimezone(ZONE).hour == 3]
    assert len(new_waits) == len(dated["NEW"])
    # Its first release is waited for on the prior (a new source: every source's habits), which polls 03:00
    # sparsely (up to the ceiling): the trade a new source on the prior makes for releases at everyone's busy
    # hours (next test). The old replay restarted a chain 2 h (12 × 600 s) before each item and heard it at 0 s.
    assert 0 < new_waits[0] <= 3600 + poll_tick_seconds(600.0, adaptive=True)
    assert statistics.median(new_waits[-10:]) < 60
    assert max(new_waits[-10:]) < 360


def test_new_issuers_are_polled_on_the_prior_until_they_publish() -> None:
    # Eight issuers with no item before the replay, each publishing once a few minutes after 10:00 (the hour every
    # other source uses): on the prior they are heard within the busy cover's gap; on the fixed fallback (the
    # option off) they wait up to 600–660 s.
    end = START + timedelta(days=21)
    dated = {f"OLD{i}": _weekdays(FIRST, end, 10, i) for i in range(5)}
    firsts = _weekdays(START + timedelta(days=2), end, 10, 3)[:8]
    dated |= {f"NEW{i}": [first + timedelta(minutes=i)] for i, first in enumerate(firsts)}
    items = true_times(dated)
    tick = poll_tick_seconds(600.0, adaptive=True)

    def new_waits(params: Params) -> list[float]:
        run = adaptive_replay(items, FIRST, START, end, params, live_budget())
        firsts_at = {round(real.timestamp(), 3) for t, pairs in items.items() if t.startswith("NEW")
                     for _, real in pairs}
        return [w for w, at in zip(run.waits, run.seen_at, strict=True) if round(at - w, 3) in firsts_at]

    on_prior = new_waits(Params())
    fixed = new_waits(Params(new_on_prior=False))
    assert len(on_prior) == len(fixed) == 8
    assert max(on_prior) <= Params().busy_gap_seconds + tick
    assert max(fixed) > Params().busy_gap_seconds + tick


def test_polls_run_on_the_apps_ticks_and_the_prior_is_rebuilt_as_live() -> None:
    end = START + timedelta(days=10)
    items = true_times({"A": _weekdays(FIRST, end, 10, 0), "B": _weekdays(FIRST, end, 8, 30)})
    run = adaptive_replay(items, FIRST, START, end, Params(), live_budget())
    tick = poll_tick_seconds(600.0, adaptive=True)
    assert tick == 5.0
    assert run.seen_at and all(at % tick == 0 for at in run.seen_at)  # a due poll waits for the next tick
    assert min(run.waits) >= 0
    # Rebuilt every PRIOR_REFRESH from the dates seen so far (the chains start two hours early).
    span = end - START + timedelta(hours=2)
    assert span / PRIOR_REFRESH - 1 <= run.prior_builds <= span / PRIOR_REFRESH + 1


def test_the_replayed_polls_stay_within_the_budget_across_both_changes_of_clocks() -> None:
    for start in (datetime(2024, 3, 4, tzinfo=UTC), datetime(2024, 10, 28, tzinfo=UTC)):
        end = start + timedelta(days=14)
        items = true_times({"A": _weekdays(FIRST, end, 0, 0)[1::2] + _weekdays(FIRST, end, 7, 5),
                            "B": _weekdays(FIRST, end, 16, 30), "C": []})
        run = adaptive_replay(items, FIRST, start, end, Params(), live_budget())
        assert run.requests_per_source_day <= 144
