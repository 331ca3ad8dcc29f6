"""When to poll a source next: often when it is likely to publish, rarely when not, within a request budget.

A pure function of the source's past publication times (no I/O): `next_poll_at(history, now, budget)`.

The model. Press releases cluster: on weekdays, in a few hours of the (US Eastern) day, on the hour, the half-hour
or five past, and each issuer has its own hours. A source's publication rate is modelled as
    rate(hour of the week) × rate(minute of the hour)
each estimated from the source's own dates shrunk towards a global prior (all sources' dates), so a source with
three items leans on the prior and one with three hundred on itself. Times are binned in America/New_York local
time (the wires' clock, daylight saving included).

The placement. For events of rate λ(t) and polls of density d(t), the expected wait is smallest with d ∝ √λ
(the square-root rule); the exponent is a parameter (chosen on the replay's learning period only, see
bench/bench_time_to_alert.py). The density is clipped to [1/(ceiling − floor), 1/floor] and scaled so one week
holds at most `7 × requests_per_day − 3` polls. Polls sit on a fixed grid of that density over the local week
(one grid point per unit of accumulated density, shifted by the source's `phase`), so however often the function
is called, a week never holds more polls than the grid has points: the budget holds without remembering past
polls. The phase (from the source id) spreads sources that share a likely minute across that minute.

Three cases without usable dates of the source's own, kept apart on purpose:
* a new source (`History.new`: no item seen yet, so no dates either) is placed on the global prior alone, within
  the same budget: all sources' busy hours polled more often, nights and weekends less (when there is a prior);
* a source whose items carry no dates, or nonsense ones (all the same instant, date-only, all in the future), and a
  new source when there is no prior yet → the fixed interval: there is nothing to place polls by.
A source with a few dates of its own leans on the prior (shrinkage: the prior counts as `hour_prior_weight` items).
"""
from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import accumulate
from zoneinfo import ZoneInfo

import numpy as np

ZONE = ZoneInfo("America/New_York")
HOURS = 168
MINUTES = 60
WEEK_MINUTES = HOURS * MINUTES
WEEK_SECONDS = WEEK_MINUTES * 60
_GOLDEN = (math.sqrt(5) - 1) / 2
_MAX_AGE = timedelta(days=730)  # older habits say little about today's
# Sunday 00:00–03:59 local: the hour repeated when daylight saving ends lies here; kept at the ceiling's rate so
# the repeat costs at most a poll or two (the budget keeps a margin of 3 for it).
_QUIET_SUNDAY = range(6 * 24, 6 * 24 + 4)


@dataclass(frozen=True)
class Params:
    """The policy's free parameters (chosen on the learning period of the replay, never on the scored one)."""

    # Defaults: chosen by `bench/bench_time_to_alert.py --validate` on rolling-origin folds of the corpus's learning
    # period (never the scored one). Branch p95, on the replay that plays the live scheduler: busy cover at 480 s
    # over 80 % of the week's polls, objective 1.389 vs 1.616 for branch tail's 360 s / 60 % (grid `p95`).
    exponent: float = 0.35  # poll density ∝ rate ** exponent (0.5: the square-root rule) over the hours …
    minute_exponent: float = 0.35  # … and over the minutes of the hour
    day_pooling: float = 0.5  # share of a weekday hour's count taken from the same hour on every weekday
    hour_prior_weight: float = 16.0  # the prior counts as this many items in a source's hour-of-week profile
    minute_prior_weight: float = 30.0  # … and in its minute-of-hour profile
    neighbour_hours: float = 0.5  # weight each hour lends its neighbours (a habit drifts by an hour)
    floor_rate: float = 0.02  # every hour keeps at least this share of the average hour's rate
    min_share: float = 0.0  # poll density never below this share of the budget's average (bounds the tail)
    half_life_days: float = 0.0  # a date this much older than the newest counts half (0: all count the same)
    busy_gap_seconds: float = 480.0  # in the source's busy hours polls are at most this far apart (0: no cap)
    busy_threshold: float = 1.0  # an hour is busy when its rate is at least this many times the average hour's
    # The tail (issue 19): a release at an hour the source rarely uses waits as long as polls are apart there.
    busy_share: float = 0.8  # > 0: the busy hours are instead the likeliest hours, by rate, whose gap cap fits in
    #                          this share of the week's polls (the rest still goes where the rate is highest)
    prior_gap_seconds: float = 0.0  # in the hours every source uses (the prior's rate ≥ prior_threshold × the
    prior_threshold: float = 1.0  # average hour's), polls at most this far apart whatever the source's habits
    # < 60 (a divisor of 60): the busy cover ranks blocks of this many minutes (hour's rate × the block's share of
    # the minute profile) instead of whole hours, so the share pays for the likely quarter of more hours.
    busy_block_minutes: int = 60
    # A new source (no item seen yet) polled on the prior's habits within its budget; False: the fixed interval,
    # as a source with undated items. Branch prior, grid `new` on the folds: objective 1.204 vs 1.389 (off); the
    # prior weights above stayed (6, 48, 100 hour-items and 90 minute-items all scored worse: 1.25–1.32).
    new_on_prior: bool = True


@dataclass(frozen=True)
class Prior:
    """All sources' publication habits: the share of items in each hour of the week and minute of the hour."""

    hours: tuple[float, ...] = field(default_factory=lambda: (1.0 / HOURS,) * HOURS)
    minutes: tuple[float, ...] = field(default_factory=lambda: (1.0 / MINUTES,) * MINUTES)


@dataclass(frozen=True)
class Budget:
    requests_per_day: float = 144.0  # the default: the same as polling every 600 s
    floor_seconds: float = 30.0
    ceiling_seconds: float = 3600.0
    fixed_interval_seconds: float = 600.0  # used when the dates teach nothing
    jitter_fraction: float = 0.0  # the fixed interval stretched by up to this share, so sources drift apart


@dataclass(frozen=True)
class History:
    """A source's publication times as seen, and the prior that fills in what they do not say."""

    published: tuple[datetime, ...] = ()
    prior: Prior | None = None
    params: Params = Params()
    # True: the source has handed over no item yet (a new source; nothing of its own to learn from, so it is placed
    # on the prior). False (the default): items were seen, so no dates means missing or nonsense ones (the fixed
    # interval). Dates given always mean items seen, whatever this says.
    new: bool = False


@dataclass(frozen=True)
class Cadence:
    """What the policy learned about a source, for display (`feeds list`)."""

    items: int
    adaptive: bool
    busiest: tuple[str, ...]  # e.g. ("Tue 10:00", "Mon 02:00") in Eastern time
    polls_per_day: float
    on_prior: bool = False  # a new source, placed on all sources' habits (`busiest` are the prior's)


def phase_for(source_id: int) -> float:
    """A well-spread phase in [0, 1) per source (golden-ratio sequence): neighbours' polls do not coincide."""
    return (source_id * _GOLDEN) % 1.0


def usable_dates(published: Iterable[datetime], now: datetime | None) -> list[datetime]:
    """The dates that say something about the time of day: distinct, not in the future, not ancient; none when
    the feed gives dates only (most at local or UTC midnight) or stamps most items with one date."""
    seen: set[datetime] = set()
    given = 0
    for d in published:
        given += 1
        d = d if d.tzinfo else d.replace(tzinfo=UTC)
        if now is None or now - _MAX_AGE <= d <= now + timedelta(minutes=5):  # None: all known to be inside
            seen.add(d)
    return _usable(given, seen)


def _usable(given: int, seen: set[datetime]) -> list[datetime]:
    """`usable_dates` of `given` dates of which `seen` (distinct, aware) lie inside the window."""
    if given >= 5 and len(seen) * 5 < given:
        return []  # most items share a date: the feed stamps its build time, not each release's
    dates = sorted(seen)
    if dates:
        midnight = sum(1 for d in dates if _is_midnight(d) or _is_midnight(d.astimezone(ZONE)))
        if midnight * 2 > len(dates):
            return []  # date-only feed: the time of day is made up
    return dates


Bins = tuple[tuple[float, ...], tuple[float, ...]]


def _is_midnight(d: datetime) -> bool:
    return d.hour == 0 and d.minute == 0 and d.second == 0


def _bins(dates: Sequence[datetime], half_life_days: float = 0.0) -> Bins:
    """Counts per hour of the week and minute of the hour; with a half-life, older dates count less (habits
    drift), relative to the newest date so the result does not depend on the clock."""
    hours = [0.0] * HOURS
    minutes = [0.0] * MINUTES
    newest = max(dates) if dates and half_life_days else None
    for d in dates:
        weight = 0.5 ** ((newest - d).total_seconds() / (half_life_days * 86400)) if newest else 1.0
        local = d.astimezone(ZONE)
        hours[local.weekday() * 24 + local.hour] += weight
        minutes[local.minute] += weight
    return tuple(hours), tuple(minutes)


def build_prior(histories: Iterable[Iterable[datetime]], now: datetime) -> Prior:
    """The global prior from every source's dates (each source weighs as much as its items)."""
    hours = [0.0] * HOURS
    minutes = [0.0] * MINUTES
    for published in histories:
        learned = _learn(History(tuple(published)), now)  # the same bins, cached per source's dates
        if learned is None:
            continue
        h, m = learned
        for i, c in enumerate(h):
            hours[i] += c
        for i, c in enumerate(m):
            minutes[i] += c
    total = sum(hours)
    if total == 0:
        return Prior()
    # A little uniform mass: an hour nobody has used yet is unlikely, not impossible.
    return Prior(tuple((c + 0.5) / (total + 0.5 * HOURS) for c in hours),
                 tuple((c + 0.5) / (total + 0.5 * MINUTES) for c in minutes))


def _grid(hours: tuple[float, ...], minutes: tuple[float, ...], prior: Prior, params: Params,
          budget: Budget) -> tuple[float, ...]:
    """Cumulative poll mass at the end of each minute of the local week (the grid's coordinates)."""
    return _grid_cached(hours, minutes, prior, params, budget)


@lru_cache(maxsize=4096)
def _grid_cached(hours: tuple[float, ...], minutes: tuple[float, ...], prior: Prior, params: Params,
                 budget: Budget) -> tuple[float, ...]:
    """The grid with numpy over the week's 10,080 minutes: the same operations as `_grid_plain` in the same order
    (elementwise IEEE products and clips; every sum sequential, as Python's), so the same floats, 20× faster. A
    new prior (every few hours) rebuilds every source's grid, in the live scheduler and in the replay alike."""
    shaped = _shape(hours, minutes, prior, params, budget)
    if not isinstance(shaped, _Shape):
        return shaped
    hour_p, hour_w, minute_w, lo, hi, target = (shaped.hour_p, shaped.hour_w, shaped.minute_w, shaped.lo, shaped.hi,
                                                shaped.target)
    weight = (np.array(hour_w)[:, None] * np.array(minute_w)[None, :]).ravel()
    quiet = np.zeros(WEEK_MINUTES, dtype=bool)
    quiet[_QUIET_SUNDAY[0] * MINUTES : (_QUIET_SUNDAY[-1] + 1) * MINUTES] = True
    hour_lows = _hour_lows(hour_p, prior, params, lo, hi, target)
    if _by_blocks(params):
        lows = np.array(_block_cover(hour_lows, hour_p, shaped.minute_p, params, lo, hi, target))
        loud_lows = lows[~quiet]
        values, first_at = np.unique(loud_lows, return_index=True)
        order = values[np.argsort(first_at)].tolist()
    else:
        lows = np.repeat(np.array(hour_lows), MINUTES)
        loud_lows = lows[~quiet]
        order = list(dict.fromkeys(h for i, h in enumerate(hour_lows) if i not in _QUIET_SUNDAY))
    loud_weight = weight[~quiet]
    solve = []
    for low in order:  # the groups in order of first appearance, as the plain version makes them
        solve.append((np.sort(loud_weight[loud_lows == low]).tolist(), low))
    prepared = _prepare(solve)
    n_quiet = int(quiet.sum())

    def per_minute(polls: float) -> np.ndarray:
        scale = _solve_prepared(prepared, polls / 60 - lo * n_quiet, hi)
        with np.errstate(over="ignore"):
            v = scale * weight
        out = np.where(v >= hi, hi, np.where(v > lows, v, lows))
        out[quiet] = lo
        return 60 * out

    first = per_minute(target)
    # Each hour's polls summed in order (np.cumsum is sequential, like sum(); np.sum is pairwise).
    busiest_hour = float(np.cumsum(first.reshape(HOURS, MINUTES), axis=1)[:, -1].max())
    final = per_minute(max(target - busiest_hour, WEEK_MINUTES * lo * 60 + 1))
    return tuple(np.cumsum(final).tolist())


@dataclass(frozen=True)
class _Shape:
    hour_p: list[float]  # each hour's rate, shrunk towards the prior
    hour_w: list[float]  # the poll weights of the hours …
    minute_w: list[float]  # … and of the minutes of the hour
    minute_p: list[float]  # the minute-of-hour profile, shrunk towards the prior
    lo: float  # the least poll density (per second) …
    hi: float  # … and the most
    target: float  # polls the week may hold


def _shape(hours: tuple[float, ...], minutes: tuple[float, ...], prior: Prior, params: Params,
           budget: Budget) -> tuple[float, ...] | _Shape:
    """The per-hour and per-minute weights and the density bounds; or, when the budget cannot even pay for the
    ceiling, the finished uniform grid."""
    n = sum(hours)
    if params.day_pooling:
        # A habit at 07:00 on Tuesdays is likely one at 07:00 on weekdays: pool weekdays by hour of the day.
        by_hour = [sum(hours[d * 24 + h] for d in range(5)) / 5 for h in range(24)]
        a = params.day_pooling
        hours = tuple((1 - a) * c + a * by_hour[i % 24] if i < 5 * 24 else c for i, c in enumerate(hours))
        n = sum(hours)
    spread = [hours[i] + params.neighbour_hours * (hours[i - 1] + hours[(i + 1) % HOURS]) for i in range(HOURS)]
    spread_total = sum(spread) or 1.0
    k_h, k_m = params.hour_prior_weight, params.minute_prior_weight
    hour_p = [(n * s / spread_total + k_h * p) / (n + k_h) for s, p in zip(spread, prior.hours, strict=True)]
    least = params.floor_rate / HOURS
    hour_p = [max(p, least) for p in hour_p]
    minute_p = [(c + k_m * p) / (n + k_m) for c, p in zip(minutes, prior.minutes, strict=True)]
    hour_w = [p**params.exponent for p in hour_p]
    minute_w = [p**params.minute_exponent for p in minute_p]
    lo = 1.0 / max(budget.ceiling_seconds - budget.floor_seconds, 1.0)
    hi = 1.0 / budget.floor_seconds
    target = 7 * budget.requests_per_day - 3  # polls a week may hold (margin: daylight saving, rounding)
    lo = min(max(lo, params.min_share * target / WEEK_SECONDS), hi)
    if WEEK_MINUTES * lo * 60 >= target:
        uniform = max(target, 1.0) / WEEK_SECONDS  # too small a budget for the ceiling: the budget wins
        return tuple(accumulate([uniform * 60] * WEEK_MINUTES))
    return _Shape(hour_p, hour_w, minute_w, minute_p, lo, hi, target)


def _grid_plain(hours: tuple[float, ...], minutes: tuple[float, ...], prior: Prior, params: Params,
                budget: Budget) -> tuple[float, ...]:
    """The grid in plain Python, minute by minute: the reference `_grid_cached` is tested against."""
    shaped = _shape(hours, minutes, prior, params, budget)
    if not isinstance(shaped, _Shape):
        return shaped
    hour_p, hour_w, minute_w, lo, hi, target = (shaped.hour_p, shaped.hour_w, shaped.minute_w, shaped.lo, shaped.hi,
                                                shaped.target)
    weight = [hw * mw for hw in hour_w for mw in minute_w]
    quiet = [False] * WEEK_MINUTES
    for h in _QUIET_SUNDAY:
        quiet[h * MINUTES : (h + 1) * MINUTES] = [True] * MINUTES
    lows = _lows(hour_p, shaped.minute_p, prior, params, lo, hi, target)
    groups: dict[float, list[float]] = {}
    for w, q, low in zip(weight, quiet, lows, strict=True):
        if not q:
            groups.setdefault(low, []).append(w)
    solve = [(sorted(ws), low) for low, ws in groups.items()]

    def per_minute(polls: float) -> list[float]:
        scale = _solve_scale(solve, polls / 60 - lo * sum(quiet), hi)
        # min(hi, max(low, scale * w)) written out: the same values, three times faster.
        out = [scale * w for w in weight]
        return [60 * (lo if q else (hi if v >= hi else (v if v > low else low)))
                for v, q, low in zip(out, quiet, lows, strict=True)]

    # Any 7 days that contain the spring change of clocks span 169 local hours: one hour's polls more than the grid
    # holds. So the grid holds that much less (solved again; a lower scale only lowers every hour's share).
    first = per_minute(target)
    busiest_hour = max(sum(first[h * MINUTES : (h + 1) * MINUTES]) for h in range(HOURS))
    return tuple(accumulate(per_minute(max(target - busiest_hour, WEEK_MINUTES * lo * 60 + 1))))


def _lows(hour_p: Sequence[float], minute_p: Sequence[float], prior: Prior, params: Params, lo: float, hi: float,
          target: float) -> list[float]:
    """Each minute's least poll density (see `_hour_lows` and `_block_cover`)."""
    hour_lows = _hour_lows(hour_p, prior, params, lo, hi, target)
    if _by_blocks(params):
        return _block_cover(hour_lows, hour_p, minute_p, params, lo, hi, target)
    return [low for low in hour_lows for _ in range(MINUTES)]


def _by_blocks(params: Params) -> bool:
    return (params.busy_gap_seconds > 0 and params.busy_share > 0 and 0 < params.busy_block_minutes < MINUTES
            and MINUTES % params.busy_block_minutes == 0)


def _block_cover(hour_lows: Sequence[float], hour_p: Sequence[float], minute_p: Sequence[float], params: Params,
                 lo: float, hi: float, target: float) -> list[float]:
    """The busy cover by blocks of minutes: the likeliest blocks (the hour's rate × the block's share of the
    minute profile) keep polls at most `busy_gap_seconds` apart, as many as `busy_share` of the week's polls pays
    for. Releases cluster in the first minutes of the hour and at the half-hour: a whole hour's cover spends most
    of its polls on minutes that rarely publish."""
    block = params.busy_block_minutes
    low = min(max(lo, 1.0 / params.busy_gap_seconds), hi)
    allowed = min(params.busy_share * target, target - 1)
    spent = sum(hour_lows) * 3600
    lows = [h_low for h_low in hour_lows for _ in range(MINUTES)]
    quiet = set(_QUIET_SUNDAY)
    share = [sum(minute_p[b * block : (b + 1) * block]) for b in range(MINUTES // block)]
    cells = [(h, b) for h in range(HOURS) if h not in quiet for b in range(MINUTES // block)]
    for h, b in sorted(cells, key=lambda c: -hour_p[c[0]] * share[c[1]]):
        cost = max(0.0, low - hour_lows[h]) * block * 60
        if spent + cost > allowed:
            break
        start = h * MINUTES + b * block
        lows[start : start + block] = [max(hour_lows[h], low)] * block
        spent += cost
    return lows


def _hour_lows(hour_p: Sequence[float], prior: Prior, params: Params, lo: float, hi: float,
               target: float) -> list[float]:
    """Each hour's least poll density: the ceiling's everywhere, denser in the hours every source uses and in
    the source's busy hours (bounds the wait for a release at an unusual minute or hour), each tier only if the
    week's polls allow it after the minima already set."""
    hour_lows = [lo] * HOURS
    quiet = set(_QUIET_SUNDAY)

    def raised(hours: Iterable[int], gap: float) -> list[float] | None:
        low = min(max(lo, 1.0 / gap), hi)
        out = list(hour_lows)
        for h in hours:
            out[h] = max(out[h], low)
        return out if sum(out) * 3600 < target else None

    if params.prior_gap_seconds > 0:
        common = [h for h in range(HOURS) if h not in quiet and prior.hours[h] * HOURS >= params.prior_threshold]
        hour_lows = raised(common, params.prior_gap_seconds) or hour_lows
    if _by_blocks(params):
        pass  # the cover is made by blocks of minutes (`_block_cover`), on top of these
    elif params.busy_gap_seconds > 0 and params.busy_share > 0:
        # The likeliest hours first, as many as the share allows: the quantile-aware choice (a p95 is met by
        # bounding the wait where most releases fall, not by a little more density everywhere).
        low = min(max(lo, 1.0 / params.busy_gap_seconds), hi)
        allowed = min(params.busy_share * target, target - 1)
        spent = sum(hour_lows) * 3600
        for h in sorted((h for h in range(HOURS) if h not in quiet), key=lambda h: -hour_p[h]):
            cost = max(0.0, low - hour_lows[h]) * 3600
            if spent + cost > allowed:
                break
            hour_lows[h] += cost / 3600
            spent += cost
    elif params.busy_gap_seconds > 0:
        busy = [h for h in range(HOURS) if h not in quiet and hour_p[h] * HOURS >= params.busy_threshold]
        hour_lows = raised(busy, params.busy_gap_seconds) or hour_lows
    return hour_lows


def _solve_scale(groups: list[tuple[list[float], float]], wanted: float, hi: float) -> float:
    """The scale s with Σ clip(s·w, low, hi) = wanted over groups of sorted weights sharing a lower bound: a
    monotone function of s, evaluated in O(log n) per group with prefix sums, found by bisection."""
    return _solve_prepared(_prepare(groups), wanted, hi)


Prepared = list[tuple[list[float], list[float], float]]


def _prepare(groups: list[tuple[list[float], float]]) -> Prepared:
    return [(ws, list(accumulate(ws, initial=0.0)), low) for ws, low in groups]


def _solve_prepared(prepared: Prepared, wanted: float, hi: float) -> float:
    def total(scale: float) -> float:
        out = 0.0
        for ws, prefix, low in prepared:
            n = len(ws)
            if scale <= 0:
                out += low * n
                continue
            a = bisect_left(ws, low / scale)  # these sit at their lower bound
            b = bisect_right(ws, hi / scale)  # beyond this, at the floor's rate
            out += low * a + scale * (prefix[b] - prefix[a]) + hi * (n - b)
        return out

    if hi * sum(len(ws) for ws, _, _ in prepared) <= wanted:  # the budget allows polling at the floor everywhere
        return 1e300  # every bin at the floor's rate
    low_s, high_s = 0.0, 1.0
    while total(high_s) < wanted:
        high_s *= 2
    for _ in range(200):
        mid = (low_s + high_s) / 2
        if total(mid) < wanted:
            low_s = mid
        else:
            high_s = mid
        if high_s - low_s <= low_s * 1e-12:
            break
    return low_s


def _learn(history: History, now: datetime) -> Bins | None:
    published = history.published
    try:
        # Every date inside the window (the usual case): the result does not depend on `now`, so it is cached.
        if published and max(published) <= now + timedelta(minutes=5):
            oldest = now - _MAX_AGE
            if oldest <= min(published):
                return _learn_all(published, history.params.half_life_days)
            # Some too old: the answer depends on `now` only through how many, so that is cached too.
            return _learn_old(published, sum(1 for d in published if d < oldest), history.params.half_life_days)
    except TypeError:
        pass  # naive and aware dates mixed: the slow path sorts that out
    return _learn_at(published, now, history.params.half_life_days)


@lru_cache(maxsize=8192)
def _learn_all(published: tuple[datetime, ...], half_life_days: float) -> Bins | None:
    return _learn_at(published, None, half_life_days)


@lru_cache(maxsize=8192)
def _learn_old(published: tuple[datetime, ...], old: int, half_life_days: float) -> Bins | None:
    dates = _usable(len(published), set(sorted(published)[old:]))  # the `old` oldest lie before the window
    return _bins(dates, half_life_days) if dates else None


def _learn_at(published: Iterable[datetime], now: datetime | None, half_life_days: float = 0.0) -> Bins | None:
    dates = usable_dates(published, now)
    return _bins(dates, half_life_days) if dates else None


_NOTHING: Bins = ((0.0,) * HOURS, (0.0,) * MINUTES)  # a new source's own counts: the prior decides alone


def on_prior(history: History) -> bool:
    """Whether the source is new (no item seen, no date given) and placed on the prior alone."""
    return history.new and not history.published and history.prior is not None and history.params.new_on_prior


def _learn_or_prior(history: History, now: datetime) -> Bins | None:
    """The source's own counts; none for a new source (the prior alone); None: the fixed interval."""
    learned = _learn(history, now)
    if learned is None and on_prior(history):
        return _NOTHING
    return learned


def next_poll_at(history: History, now: datetime, budget: Budget, *, phase: float = 0.0) -> datetime:
    """The next poll: the first grid point after `now`, at least `floor` after it (see the module docstring)."""
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    learned = _learn_or_prior(history, now)
    if learned is None:
        # Spread over up to `jitter_fraction` more (never less: the budget holds), varying from poll to poll.
        spread = 1 + budget.jitter_fraction * ((now.timestamp() * _GOLDEN + phase) % 1.0)
        return now + timedelta(seconds=max(budget.fixed_interval_seconds * spread, budget.floor_seconds))
    cumulative = _grid_again(learned, history.prior or _NO_PRIOR, history.params, budget)
    total = cumulative[-1]
    local = now.astimezone(ZONE)
    offset = (local.weekday() * 1440 + local.hour * 60 + local.minute) + (local.second + local.microsecond / 1e6) / 60
    minute = min(int(offset), WEEK_MINUTES - 1)
    before = cumulative[minute - 1] if minute else 0.0
    mass = before + (cumulative[minute] - before) * (offset - minute)  # the grid position of `now`
    # The first grid point strictly after now: each poll then owns a grid point of its own, so a week never
    # holds more polls than grid points, however late a poll runs.
    wanted = math.floor(mass + phase + 1e-6) + 1 - phase  # 1e-6: datetimes keep microseconds only
    laps = 0
    while wanted > total:
        wanted -= total
        laps += 1
    found = min(bisect_left(cumulative, wanted), WEEK_MINUTES - 1)
    prev = cumulative[found - 1] if found else 0.0
    step = cumulative[found] - prev
    at = found + ((wanted - prev) / step if step > 0 else 0.0)  # minutes into the local week
    delay = (at + laps * WEEK_MINUTES - offset) * 60
    if delay < budget.floor_seconds:
        # Too close: wait the floor and then as long again as the grid point was away, not the floor alone, so
        # sources started together (all due at once) stay spread by their phases instead of piling up.
        delay += budget.floor_seconds
    return now + timedelta(seconds=min(delay, _ceiling(budget)))


_NO_PRIOR = Prior()
_Known = tuple[Bins, Prior, Params, Budget, tuple[float, ...]]
_by_identity: dict[tuple[int, int, int, int], _Known] = {}


def _grid_again(learned: Bins, prior: Prior, params: Params, budget: Budget) -> tuple[float, ...]:
    """`_grid`, remembered by the identity of its (cached) inputs: a source polled again with the same dates,
    prior, parameters and budget skips hashing 500 floats for the grid's cache (the replay's inner loop). Each
    entry holds its inputs, so an id is not reused while it is remembered."""
    key = (id(learned), id(prior), id(params), id(budget))
    known = _by_identity.get(key)
    if known is not None and known[0] is learned and known[1] is prior and known[2] is params and known[3] is budget:
        return known[4]
    grid = _grid(learned[0], learned[1], prior, params, budget)
    if len(_by_identity) >= 4096:
        _by_identity.clear()
    _by_identity[key] = (learned, prior, params, budget, grid)
    return grid


def _ceiling(budget: Budget) -> float:
    # With a budget below one poll per ceiling, the budget's own interval is the longest wait.
    return max(budget.ceiling_seconds, WEEK_SECONDS / max(7 * budget.requests_per_day - 3, 1))


def describe(history: History, now: datetime, budget: Budget) -> Cadence:
    """What was learned, for people: items used, adaptive or fixed, the busiest hours, polls per day."""
    learned = _learn_or_prior(history, now)
    if learned is None:
        return Cadence(0, False, (), 86400 / budget.fixed_interval_seconds)
    prior = history.prior or Prior()
    new = learned is _NOTHING
    hours = prior.hours if new else learned[0]
    cumulative = _grid(learned[0], learned[1], prior, history.params, budget)
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    top = sorted((i for i in range(HOURS) if hours[i]), key=lambda i: -hours[i])[:3]
    busiest = tuple(f"{days[i // 24]} {i % 24:02d}:00" for i in top)
    return Cadence(0 if new else len(usable_dates(history.published, now)), True, busiest, cumulative[-1] / 7, new)
