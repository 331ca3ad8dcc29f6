"""One polling cycle over every due source: isolation, back-off, health alerts, storing outcomes."""
from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from storage.models import NewEvent, Polled, Source, utcnow
from storage.store import Store
from watchers.fetch.http import FetchError
from watchers.parse.feed import FeedParseError
from watchers.pipeline import collect
from watchers.record import add_events, changes_store, record_outcome
from watchers.schedule.cadence import Budget, History, Prior, build_prior, next_poll_at, phase_for
from watchers.schedule.changed import ChangedPoll, ChangedWrites
from watchers.schedule.not_modified import NotModifiedWrites
from watchers.sources.base import PollOutcome, Watcher

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=12)
PRIOR_REFRESH = timedelta(hours=6)  # all sources' habits change slowly; rebuilding the prior is one scan
PRIOR_WINDOW = timedelta(days=365)


def poll_tick_seconds(interval_seconds: float, adaptive: bool) -> float:
    """How often the one-process app looks for due sources (`bot/app.py`): a due poll waits for the next tick.
    Adaptive polls are placed to the second (30 s apart at busy minutes): a coarse tick would waste that. The
    replay (`bench/bench_time_to_alert.py`) polls on the same ticks."""
    tick = min(60.0, interval_seconds)
    return min(tick, 5.0) if adaptive else tick


def prior_due(prior: Prior | None, prior_at: datetime | None, now: datetime) -> bool:
    """Whether a cycle starting now rebuilds the prior (the replay asks the same)."""
    return prior is None or prior_at is None or now - prior_at >= PRIOR_REFRESH


def prior_from(everyone: Mapping[int, Sequence[datetime]], now: datetime) -> Prior | None:
    """The prior from every source's dates of the last PRIOR_WINDOW (`publications.since`). Built from nothing yet
    (a new store): None, asked again next cycle rather than in six hours."""
    return build_prior(everyone.values(), now) if everyone else None


# Kinds whose items carry a time of publication, so a source of theirs with no item yet is new, not undated. The
# registry (ctgov: records, no item keys) and openFDA (approval dates, no time) teach nothing: the fixed interval.
DATED_KINDS = frozenset({"rss", "edgar"})


async def is_new(store: Store, source: Source) -> bool:
    """Whether a source has handed over no item yet (asked only when it has no dates stored): a new source is
    polled on the prior, one whose items carry no dates at the fixed interval (`cadence.History.new`)."""
    return source.kind in DATED_KINDS and (await store.seen.history(source.id)).primed_at is None


def _enable_hint(source: Source) -> str:
    """The command that re-enables a disabled source (named in the "disabled" notice)."""
    return "trials enable" if source.kind == "ctgov" else f"feeds enable {source.id}"


@dataclass
class CycleReport:
    polled: int = 0
    not_modified: int = 0
    failed: int = 0
    new_event_ids: list[int] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)
    outage: bool = False  # every source polled got no answer, on several hosts: our network, not theirs
    # The next poll each polled source was given, as written to the store (None: the poll disabled it), so a queue
    # job re-defers its source without reading it back; kept by `poll_one` only (a cycle of 100,000 sources has no
    # use for it).
    next_polls: dict[int, datetime | None] | None = None

    def scheduled(self, source_id: int, when: datetime | None) -> None:
        if self.next_polls is not None:
            self.next_polls[source_id] = when


@dataclass(frozen=True)
class CycleConfig:
    interval_seconds: float = 600.0
    jitter_fraction: float = 0.1
    max_consecutive_failures: int = 11
    concurrency: int = 64
    # Adaptive polling (watchers/schedule/cadence.py): each source polled when it is likely to publish, within
    # `requests_per_day` (None: as many as the fixed interval makes); off, every source every interval.
    adaptive: bool = False
    requests_per_day: float | None = None
    floor_seconds: float = 30.0
    ceiling_seconds: float = 3600.0

    def budget(self) -> Budget:
        per_day = self.requests_per_day or 86400.0 / self.interval_seconds
        floor = min(self.floor_seconds, self.interval_seconds)  # asked for 10 s polling, never held to 30 s
        return Budget(requests_per_day=per_day, floor_seconds=floor,
                      ceiling_seconds=max(self.ceiling_seconds, floor * 2),
                      fixed_interval_seconds=self.interval_seconds, jitter_fraction=self.jitter_fraction)


class PollCycle:
    def __init__(self, store: Store, watchers: Mapping[str, Watcher] | Sequence[Watcher], config: CycleConfig) -> None:
        self._store = store
        self._watchers = dict(watchers) if isinstance(watchers, Mapping) else {w.kind: w for w in watchers}
        self._config = config
        self._lock = asyncio.Lock()
        self._prior: Prior | None = None
        self._prior_at: datetime | None = None
        # Called as soon as a poll queues deliveries (the app wakes its dispatcher), not at the cycle's end.
        self.on_new_events: Callable[[], None] | None = None

    async def run_once(self, now: datetime | None = None, due_only: bool = True) -> CycleReport:
        # A cycle never overlaps itself, whoever triggers it.
        async with self._lock:
            now = now or utcnow()
            sources = (
                await self._store.sources.due(now)
                if due_only
                else [s for s in await self._store.sources.list() if not s.disabled]
            )
            sources = [s for s in sources if s.kind in self._watchers]
            if self._config.adaptive and sources:
                await self._refresh_prior(now)
            report = CycleReport()
            unanswered: list[tuple[Source, FetchError]] = []
            writes = NotModifiedWrites(self._store)
            changed = self._changed_writes(report)
            queue = iter(sources)

            async def worker() -> None:
                # `concurrency` workers take the due sources in turn: as many polls at once as a task per
                # source behind a semaphore, without 100,000 tasks waiting in memory.
                for source in queue:
                    await self._poll_source(source, report, unanswered, writes.add, changed)

            try:
                await asyncio.gather(*(worker() for _ in range(min(self._config.concurrency, len(sources)))))
            finally:
                await writes.flush()
                await changed.close()
            await self._settle_unanswered(unanswered, report)
            return report

    async def _refresh_prior(self, now: datetime) -> None:
        """The prior from all sources' recent dates (refreshed now and then; bounded, so 100,000 feeds fit)."""
        if prior_due(self._prior, self._prior_at, now):
            everyone = await self._store.publications.since(now - PRIOR_WINDOW)
            self._prior = prior_from(everyone, now)
            self._prior_at = now

    async def next_poll_for(self, source: Source, now: datetime) -> datetime:
        """After a successful poll: the adaptive schedule's next poll, or the fixed interval's. The source's dates
        are read when it is polled (one keyed query), not for every due source at once."""
        if not self._config.adaptive:
            return self._next_poll(now, 0)
        dates = (await self._store.publications.for_sources([source.id])).get(source.id, [])
        history = History(tuple(dates), self._prior, new=not dates and await is_new(self._store, source))
        return next_poll_at(history, now, self._config.budget(), phase=phase_for(source.id))

    async def _settle_unanswered(self, unanswered: list[tuple[Source, FetchError]], report: CycleReport) -> None:
        """Sources that got no answer at all (refused, DNS, timeout). When every source polled this cycle got none,
        on at least two hosts, the network is ours that is down (a laptop offline, DNS gone): the polls are retried
        next cycle without spending the sources' failure attempts, or a night offline would disable every source.
        Otherwise each counts as that source's failure."""
        if not unanswered:
            return
        hosts = {urlsplit(source.url).hostname or source.url for source, _ in unanswered}
        if len(unanswered) == report.polled and len(hosts) >= 2:
            report.outage = True
            log.warning("no source answered (%d sources on %d hosts): network outage on our side; not counted "
                        "against the sources", len(unanswered), len(hosts))
            now = utcnow()
            for source, exc in unanswered:
                report.failed += 1
                report.errors[source.id] = str(exc)
                retry_at = self._next_poll(now, 0)
                await self._store.sources.mark_unreachable(source.id, str(exc), now, retry_at)
                report.scheduled(source.id, retry_at)
            return
        for source, exc in unanswered:
            await self._failed(source, str(exc), exc.retry_after, report)

    def polls(self, source: Source) -> bool:
        """Whether this cycle has a watcher for the source's kind."""
        return source.kind in self._watchers

    async def poll_one(self, source: Source) -> CycleReport:
        """Poll one source with the same isolation, back-off and health notices as a cycle (a queue job's work:
        several run at once, one per source, so this takes no cycle lock). The report holds the source's next poll
        as written (`next_polls`)."""
        report = CycleReport(next_polls={})
        if self.polls(source):
            if self._config.adaptive:
                await self._refresh_prior(utcnow())
            unanswered: list[tuple[Source, FetchError]] = []
            await self._poll_source(source, report, unanswered)
            await self._settle_unanswered(unanswered, report)  # one source alone is never our outage
        return report

    def _changed_writes(self, report: CycleReport) -> ChangedWrites:
        """The cycle's changed polls, written in batches (watchers/schedule/changed.py); the report learns of each
        poll when it is written."""
        def recorded(poll: ChangedPoll, new_ids: list[int]) -> None:
            self._polled(poll.source, poll.outcome, poll.next_poll_at, new_ids, report)

        async def failed(poll: ChangedPoll, exc: Exception) -> None:
            source = poll.source
            # Called inside the handler of the error: the traceback is logged, as for an error inside a poll.
            log.exception("unexpected error recording source %s (%s)", source.id, source.url)
            await self._failed(source, f"internal error: {type(exc).__name__}: {exc}", None, report)

        return ChangedWrites(self._store, recorded, failed)

    async def _poll_source(self, source: Source, report: CycleReport,
                           unanswered: list[tuple[Source, FetchError]],
                           not_modified: Callable[[Polled], Awaitable[None]] | None = None,
                           changed: ChangedWrites | None = None) -> None:
        report.polled += 1
        watcher = self._watchers[source.kind]
        try:
            next_poll = await self.next_poll_for(source, utcnow())
            outcome = await collect(self._store, watcher, source)
            if changed is not None and changes_store(outcome):
                # Written with other polls' (its report entries then); a failure there still counts against it.
                await changed.add(ChangedPoll(source, outcome, next_poll))
                return
            new_ids = await record_outcome(self._store, outcome, next_poll, not_modified)
        except FetchError as exc:
            if exc.network:
                unanswered.append((source, exc))  # settled when the cycle knows whether anything answered
                return
            await self._failed(source, str(exc), exc.retry_after, report)
            return
        except FeedParseError as exc:
            await self._failed(source, str(exc), getattr(exc, "retry_after", None), report)
            return
        except Exception as exc:  # one broken source must never stop the others
            log.exception("unexpected error polling source %s (%s)", source.id, source.url)
            await self._failed(source, f"internal error: {type(exc).__name__}: {exc}", None, report)
            return
        self._polled(source, outcome, next_poll, new_ids, report)

    def _polled(self, source: Source, outcome: PollOutcome, next_poll: datetime, new_ids: list[int],
                report: CycleReport) -> None:
        report.scheduled(source.id, next_poll)
        if outcome.not_modified:
            report.not_modified += 1
        report.new_event_ids.extend(new_ids)
        if new_ids and self.on_new_events is not None:
            self.on_new_events()

    async def _failed(self, source: Source, error: str, retry_after: float | None, report: CycleReport) -> None:
        report.failed += 1
        report.errors[source.id] = error
        limit = self._config.max_consecutive_failures
        failures = source.consecutive_failures + 1
        disable = failures >= limit
        next_poll = self._next_poll(utcnow(), failures)
        if retry_after:
            next_poll = max(next_poll, utcnow() + timedelta(seconds=min(retry_after, MAX_BACKOFF.total_seconds())))
        failures = await self._store.sources.mark_failed(source.id, error, next_poll, disable)
        report.scheduled(source.id, None if disable else next_poll)
        log.warning("source %s (%s) failed (%d in a row): %s", source.id, source.name, failures, error)
        notice = self._health_notice(source, failures, error, disable)
        if notice is not None:
            report.new_event_ids.extend(await add_events(self._store, [notice], source.id))

    def _health_notice(self, source: Source, failures: int, error: str, disabled: bool) -> NewEvent | None:
        limit = self._config.max_consecutive_failures
        episode = source.last_success_at.isoformat() if source.last_success_at else "never"
        if disabled:
            return NewEvent(
                dedupe_key=f"health:{source.id}:disabled:{episode}:{failures}",
                kind="system", subtype="source_disabled",
                title=f"Source disabled after {failures} failures in a row: {source.name}",
                summary=f"{source.url} — last error: {error}. Re-enable it with `{_enable_hint(source)}`.",
                url=source.url, facts={"source_id": source.id, "failures": failures, "last_error": error},
            )
        if failures == max(1, limit // 2):
            return NewEvent(
                dedupe_key=f"health:{source.id}:warning:{episode}:{failures}",
                kind="system", subtype="source_failing",
                title=f"Source failing ({failures} times in a row): {source.name}",
                summary=f"{source.url} — last error: {error}. It will be disabled after {limit} failures.",
                url=source.url, facts={"source_id": source.id, "failures": failures, "last_error": error},
            )
        return None

    def _next_poll(self, now: datetime, failures: int) -> datetime:
        base = self._config.interval_seconds
        delay = base * (2 ** min(max(failures - 1, 0), 10)) if failures else base
        delay = min(delay, MAX_BACKOFF.total_seconds())
        jitter = delay * self._config.jitter_fraction
        return now + timedelta(seconds=max(1.0, delay + random.uniform(-jitter, jitter)))
