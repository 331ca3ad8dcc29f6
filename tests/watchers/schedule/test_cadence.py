"""The adaptive poll schedule's properties: budget, floor, ceiling, fallback, spread, and that it follows habits."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from watchers.schedule import cadence
from watchers.schedule.cadence import (
    ZONE,
    Budget,
    History,
    Params,
    build_prior,
    describe,
    next_poll_at,
    phase_for,
)

NOW = datetime(2024, 10, 28, 4, 0, tzinfo=UTC)  # Monday; the week simulated below contains the end of DST


def _habit(days: int = 60, hour: int = 7, minutes: tuple[int, ...] = (0, 0, 30, 5)) -> tuple[datetime, ...]:
    """Weekday releases at `hour` Eastern, on the hour, half-hour or five past."""
    out = []
    for d in range(1, days):
        day = (NOW - timedelta(days=d)).astimezone(ZONE)
        if day.weekday() < 5:
            local = day.replace(hour=hour, minute=minutes[d % len(minutes)], second=0, microsecond=0)
            out.append(local.astimezone(UTC))
    return tuple(out)


def _simulate(history: History, budget: Budget, start: datetime, days: float = 7, phase: float = 0.0,
              lag: float = 0.0) -> list[datetime]:
    """Poll as the live scheduler does: each poll (taking `lag` seconds) asks for the next one."""
    polls = [start]
    t = start
    while True:
        t = next_poll_at(history, t + timedelta(seconds=lag), budget, phase=phase)
        if t >= start + timedelta(days=days):
            return polls
        polls.append(t)


week_starts = st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2025, 12, 31), timezones=st.just(UTC))


# The defaults and the tail's options at their most demanding (issue 19): each must keep the same guarantees.
VARIANTS = [Params(), Params(busy_gap_seconds=240.0, busy_share=0.75),
            Params(prior_gap_seconds=600.0, prior_threshold=0.5, min_share=0.5, busy_share=0.6),
            Params(busy_gap_seconds=240.0, busy_share=0.75, busy_block_minutes=10)]


@settings(max_examples=60, deadline=None)
@given(start=week_starts, phase=st.floats(0, 0.999), hour=st.integers(0, 23),
       per_day=st.sampled_from([30.0, 144.0, 600.0]), lag=st.sampled_from([0.0, 2.5, 45.0]),
       params=st.sampled_from(VARIANTS), new=st.booleans())
def test_budget_floor_and_ceiling_hold_over_a_simulated_week(
    start: datetime, phase: float, hour: int, per_day: float, lag: float, params: Params, new: bool
) -> None:
    # `new`: a source with no item yet, placed on the prior alone (its habit is the prior's).
    habit = () if new else tuple(d - (NOW - start) for d in _habit(hour=hour))
    prior = build_prior([tuple(d - (NOW - start) for d in _habit(hour=(hour + 3) % 24))], start)
    history = History(habit, prior, params, new=new)
    budget = Budget(requests_per_day=per_day)
    polls = _simulate(history, budget, start, phase=phase, lag=lag)
    assert len(polls) <= 7 * per_day
    gaps = [(b - a).total_seconds() for a, b in pairwise(polls)]
    assert min(gaps) >= budget.floor_seconds - 1e-6
    assert max(gaps) <= max(budget.ceiling_seconds, 86400 / per_day * 1.01) + lag + 1e-6


def test_budget_is_used_not_only_respected() -> None:
    # The grid spends the budget (less its margins: 3 a week, and the busiest hour's polls, which any 7 days
    # spanning the spring change of clocks hold twice): no cheap win from simply polling less.
    polls = _simulate(History(_habit()), Budget(), NOW)
    assert 0.95 * 7 * 144 <= len(polls) <= 7 * 144


def test_polls_crowd_where_the_source_publishes() -> None:
    polls = _simulate(History(_habit(hour=7)), Budget(), NOW)
    local = [p.astimezone(ZONE) for p in polls]
    at_seven = [p for p in local if p.weekday() < 5 and p.hour == 7]
    at_three = [p for p in local if p.weekday() < 5 and p.hour == 15]
    # More than 1.5× (it was 3× before the busy cover, 2× with a 60 % cover: 80 % of the week's polls now bound
    # the wait in the likeliest hours, 15:00 among them when the source has no prior to rank them by; chosen on the
    # replay's folds, branch p95).
    assert len(at_seven) > 1.5 * len(at_three)
    # A release at 7:00 sharp is heard within two minutes on every weekday; within one when the whole budget
    # goes to the peaks (no busy cover: the trade the cover makes for the tail, chosen on the replay's folds).
    peaks_only = [p.astimezone(ZONE) for p in _simulate(History(_habit(hour=7), None, Params(busy_share=0.0)),
                                                         Budget(), NOW)]
    for day in range(5):
        seven = (NOW.astimezone(ZONE) + timedelta(days=day)).replace(hour=7, minute=0, second=0)
        assert min((p - seven).total_seconds() for p in local if p >= seven) <= 120
        assert min((p - seven).total_seconds() for p in peaks_only if p >= seven) <= 60


def test_no_or_nonsense_dates_fall_back_to_the_fixed_interval() -> None:
    budget = Budget(fixed_interval_seconds=600)
    same_instant = History((NOW - timedelta(days=3, hours=5),) * 50)
    date_only = History(tuple(datetime(2024, 10, d, tzinfo=UTC) for d in range(1, 25)))
    future = History(tuple(NOW + timedelta(days=d) for d in range(1, 30)))
    for history in (History(), same_instant, date_only, future):
        assert next_poll_at(history, NOW, budget) == NOW + timedelta(seconds=600)
        assert not describe(history, NOW, budget).adaptive
    assert describe(History(_habit()), NOW, budget).adaptive


def test_a_new_source_is_polled_on_the_prior_within_its_budget() -> None:
    # No item seen yet (a new issuer's empty feed): every source's habits place its polls. Busy hours closer,
    # nights and weekends sparser, the same polls a week as the fixed interval; a release at all sources' busiest
    # hour is heard within the busy cover's gap.
    prior = build_prior([_habit(hour=10) for _ in range(20)], NOW)
    new = History((), prior, new=True)
    polls = _simulate(new, Budget(), NOW)
    assert 0.95 * 7 * 144 <= len(polls) <= 7 * 144
    local = [p.astimezone(ZONE) for p in polls]
    ten = [p for p in local if p.weekday() < 5 and p.hour == 10]
    three_am = [p for p in local if p.weekday() < 5 and p.hour == 3]
    weekend = [p for p in local if p.weekday() >= 5]
    assert len(ten) >= 5 * 3600 / Params().busy_gap_seconds
    assert len(ten) > 2 * len(three_am)
    assert len(weekend) < 2 / 7 * len(polls) / 1.5
    assert _worst_wait(polls, 1, 10, Params().busy_gap_seconds) <= Params().busy_gap_seconds + 1e-6
    shown = describe(new, NOW, Budget())
    assert shown.adaptive and shown.on_prior and shown.items == 0 and shown.busiest[0].endswith("10:00")


def test_undated_or_nonsense_dates_keep_the_fixed_interval_even_with_a_prior() -> None:
    # Items seen but their dates missing (nothing stored) or nonsense: the fixed interval, not the prior: such a
    # feed's times say nothing, and its own polls must not lean on a guess. A new source without a prior (nothing
    # stored anywhere yet), or with the option off, polls at the fixed interval too.
    prior = build_prior([_habit(hour=10) for _ in range(20)], NOW)
    budget = Budget(fixed_interval_seconds=600)
    fixed = NOW + timedelta(seconds=600)
    undated = History((), prior)  # items seen, none dated
    same_instant = History((NOW - timedelta(days=3, hours=5),) * 50, prior, new=True)  # dates given: items seen
    date_only = History(tuple(datetime(2024, 10, d, tzinfo=UTC) for d in range(1, 25)), prior, new=True)
    no_prior = History((), None, new=True)
    off = History((), prior, Params(new_on_prior=False), new=True)
    for history in (undated, same_instant, date_only, no_prior, off):
        assert next_poll_at(history, NOW, budget) == fixed
        assert not describe(history, NOW, budget).adaptive
    assert next_poll_at(History((), prior, new=True), NOW, budget) != fixed


def test_budget_holds_for_a_new_source_over_the_week_clocks_spring_forward() -> None:
    start = datetime(2024, 3, 4, tzinfo=UTC)
    for params in VARIANTS:
        prior = build_prior([tuple(d - (NOW - start) for d in _habit(hour=0))], start)
        assert len(_simulate(History((), prior, params, new=True), Budget(), start)) <= 7 * 144


def test_a_new_source_leans_on_the_prior_of_all_sources() -> None:
    prior = build_prior([_habit(hour=10) for _ in range(20)], NOW)
    one_item = History(_habit(hour=10)[:1], prior)
    polls = _simulate(one_item, Budget(), NOW)
    ten = [p for p in polls if p.astimezone(ZONE).hour == 10 and p.astimezone(ZONE).weekday() < 5]
    four = [p for p in polls if p.astimezone(ZONE).hour == 16 and p.astimezone(ZONE).weekday() < 5]
    # More than twice (3× before the 80 % busy cover of branch p95, which keeps 16:00 at ≤ 480 s too).
    assert len(ten) > 2 * len(four)


def test_sources_sharing_a_likely_minute_do_not_poll_in_the_same_second() -> None:
    history = History(_habit(hour=7))
    budget = Budget()
    seven = NOW.astimezone(ZONE).replace(hour=6, minute=58).astimezone(UTC)
    per_second: Counter[int] = Counter()
    sources = 600
    for source_id in range(1, sources + 1):
        t = seven
        for _ in range(6):
            t = next_poll_at(history, t, budget, phase=phase_for(source_id))
            per_second[int(t.timestamp())] += 1
    # Identical habits, 600 sources: at most 30 s of spacing means ≥ 20 per second on average if they lined up
    # perfectly; the phases spread them over each grid step instead of one instant.
    assert max(per_second.values()) <= sources // 30 * 2


def test_budget_holds_over_the_week_clocks_spring_forward() -> None:
    # 2024-03-10: 168 real hours span 169 local ones (found by the property test above).
    start = datetime(2024, 3, 4, tzinfo=UTC)
    for params in VARIANTS:
        history = History(tuple(d - (NOW - start) for d in _habit(hour=0)), None, params)
        assert len(_simulate(history, Budget(), start)) <= 7 * 144


def _worst_wait(polls: list[datetime], weekday: int, hour: int, gap: float) -> float:
    """The longest wait for a release in this local hour (of the first weekday of the week simulated), published
    at any minute early enough that the next poll is still due inside the hour's cap (`gap` before its end)."""
    day = (NOW.astimezone(ZONE) + timedelta(days=weekday)).replace(hour=hour, minute=0, second=0, microsecond=0)
    releases = [day + timedelta(minutes=m) for m in range(int(60 - gap / 60) + 1)]
    return max(min((p - r).total_seconds() for p in polls if p >= r) for r in releases)


def test_the_hours_every_source_uses_keep_polls_close_whatever_the_source_habits() -> None:
    # The tail of issue 19: a release at an hour its issuer rarely uses, but the wires use, waited up to the
    # ceiling. With a time-of-day cap from the prior, those hours keep polls at most that far apart.
    prior = build_prior([_habit(hour=10) for _ in range(20)], NOW)
    habit = _habit(days=300, hour=7)
    capped = Params(prior_gap_seconds=900.0, busy_gap_seconds=0.0, exponent=1.0, hour_prior_weight=1.0)
    polls = _simulate(History(habit, prior, capped), Budget(), NOW)
    assert _worst_wait(polls, 1, 10, 900) <= 900 + 1e-6
    assert len(polls) <= 7 * 144
    uncapped = _simulate(History(habit, prior, replace(capped, prior_gap_seconds=0.0)), Budget(), NOW)
    assert _worst_wait(uncapped, 1, 10, 900) > 900


def test_the_busy_cover_takes_the_likeliest_hours_as_far_as_its_share_of_the_budget_goes() -> None:
    # Two habits, 07:00 (most items) and 15:00 (a few): a share that pays for one covers 07:00 only; a larger
    # share covers both; the week's polls never exceed the budget either way.
    habit = _habit(days=120, hour=7) + _habit(days=8, hour=15)
    base = Params(busy_gap_seconds=300.0, busy_threshold=1e9, busy_share=0.0, exponent=1.0)
    hour_cost = 3600 / 300 * 5  # polls a weekday hour costs at that gap, times five weekdays
    small = _simulate(History(habit, None, replace(base, busy_share=(hour_cost + 5) / (7 * 144))), Budget(), NOW)
    large = _simulate(History(habit, None, replace(base, busy_share=0.6)), Budget(), NOW)
    none = _simulate(History(habit, None, base), Budget(), NOW)
    assert _worst_wait(small, 2, 7, 300) <= 300 + 1e-6 and _worst_wait(large, 2, 7, 300) <= 300 + 1e-6
    assert _worst_wait(small, 2, 15, 300) > 300 and _worst_wait(none, 2, 15, 300) > 300
    assert _worst_wait(large, 2, 15, 300) <= 300 + 1e-6
    assert all(len(p) <= 7 * 144 for p in (small, large, none))


date_lists = st.lists(st.datetimes(min_value=datetime(2021, 1, 1), max_value=datetime(2025, 6, 1),
                                   timezones=st.just(UTC)), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(dates=date_lists, extra_prior=date_lists, params=st.sampled_from([*VARIANTS, Params(busy_share=0.0)]),
       per_day=st.sampled_from([30.0, 144.0, 600.0, 3000.0]))
def test_the_grid_in_numpy_is_the_plain_grid_to_the_last_bit(
    dates: list[datetime], extra_prior: list[datetime], params: Params, per_day: float
) -> None:
    # The numpy grid (every new prior rebuilds every source's grid) must place every poll where the minute-by-
    # minute reference does: the same floats, not merely close ones.
    now = datetime(2025, 6, 2, tzinfo=UTC)
    learned = cadence._learn_at(dates, now)
    if learned is None:
        return
    prior = build_prior([extra_prior, dates], now)
    budget = Budget(requests_per_day=per_day)
    assert cadence._grid_cached.__wrapped__(*learned, prior, params, budget) == cadence._grid_plain(
        *learned, prior, params, budget)


@settings(max_examples=80, deadline=None)
@given(dates=date_lists, now=st.datetimes(min_value=datetime(2022, 1, 1), max_value=datetime(2026, 1, 1),
                                          timezones=st.just(UTC)))
def test_dates_partly_older_than_the_window_learn_as_the_window_says(dates: list[datetime], now: datetime) -> None:
    # The cached path for a history with dates older than two years (the replay's sources from 2020 on) learns
    # exactly what the uncached one does, whichever dates the window leaves out.
    assert cadence._learn(History(tuple(dates)), now) == cadence._learn_at(dates, now)


def test_the_busy_cover_by_blocks_of_minutes_reaches_the_likely_quarter_of_more_hours() -> None:
    # Releases at 07:00–07:10 (most) and 15:00–15:10 (fewer). A share that pays for one whole weekday hour at a
    # 120-s gap covers 07:00–07:59 only; spent on quarters of an hour, it covers 07:00–07:14 and 15:00–15:14.
    habit = _habit(days=120, hour=7, minutes=(0, 5, 10)) + _habit(days=20, hour=15, minutes=(0, 5, 10))
    ceiling_polls = 168 * 3600 / (3600 - 30)  # the share counts the ceiling's polls everywhere too
    hour_cost = (3600 / 120 - 3600 / (3600 - 30)) * 5
    base = Params(busy_gap_seconds=120.0, busy_share=(ceiling_polls + hour_cost + 5) / (7 * 144 - 3),
                  exponent=1.0, neighbour_hours=0.0)
    hours = _simulate(History(habit, None, base), Budget(), NOW)
    quarters = _simulate(History(habit, None, replace(base, busy_block_minutes=15)), Budget(), NOW)

    def worst(polls: list[datetime], hour: int) -> float:
        day = (NOW.astimezone(ZONE) + timedelta(days=2)).replace(hour=hour, minute=0, second=0, microsecond=0)
        return max(min((p - r).total_seconds() for p in polls if p >= r)
                   for r in (day + timedelta(minutes=m) for m in range(12)))

    assert worst(hours, 7) <= 120 + 1e-6 and worst(hours, 15) > 120
    assert worst(quarters, 7) <= 120 + 1e-6 and worst(quarters, 15) <= 120 + 1e-6
    assert len(hours) <= 7 * 144 and len(quarters) <= 7 * 144
