"""Wiring: store + fetcher + watchers + poll cycle + dispatcher + sinks + front ends, and the long-running job."""
from __future__ import annotations

import asyncio
import logging
import signal
import time
from dataclasses import dataclass, field
from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.context import CoreContext
from bot.core.status import FrontEndState, record_cycle, record_front_ends
from bot.defaults import seed_defaults
from bot.delivery.console import ConsoleSink
from bot.delivery.dispatcher import Dispatcher, DispatchReport
from bot.delivery.sink import Sink
from bot.frontends import FrontEnd
from bot.progress import poll_progress
from bot.settings import Settings, names_example_contact
from storage.models import utcnow
from storage.store import Store, StoreError
from watchers.fetch.http import Fetcher
from watchers.parse.pool import FeedParser
from watchers.schedule.catalyst_reminders import catalyst_notices
from watchers.schedule.heap import loosen_young_collections
from watchers.schedule.poll_cycle import CycleReport, PollCycle, poll_tick_seconds
from watchers.sources import Watchers, build_watchers

log = logging.getLogger(__name__)


def build_front_ends(settings: Settings) -> list[FrontEnd]:
    """The front ends whose tokens are configured (imported lazily so each stays optional)."""
    front_ends: list[FrontEnd] = []
    if settings.discord_token is not None:
        from bot.discord.frontend import DiscordFrontEnd

        front_ends.append(DiscordFrontEnd(settings))
    if settings.slack_bot_token is not None:
        from bot.slack.frontend import SlackFrontEnd

        front_ends.append(SlackFrontEnd(settings))
    return front_ends


async def _seed(store: Store, settings: Settings) -> None:
    try:
        # Workers starting together on a new PostgreSQL store would all seed it at once: one at a time.
        async with store.exclusive("milestone-bot seed"):
            seeded = await seed_defaults(store, settings.openfda_base_url, settings.ctgov_base_url)
    except StoreError as exc:
        # e.g. a programme registered before seeding already uses a default's alias: say how to get past it.
        raise StoreError(
            f"cannot add the default watch list: {exc} (rename yours, or set SEED_DEFAULTS=false)"
        ) from None
    if seeded:
        log.info("new store: seeded the default watch list and programmes")


async def _close(store: Store, fetcher: Fetcher | None, parser: FeedParser | None) -> None:
    """Close everything that was opened, each even if another one fails to close."""
    try:
        if fetcher is not None:
            await fetcher.close()
    finally:
        try:
            await store.close()
        finally:
            if parser is not None:
                await asyncio.to_thread(parser.close)


@dataclass
class App:
    settings: Settings
    store: Store
    fetcher: Fetcher
    watchers: Watchers
    cycle: PollCycle
    sinks: list[Sink] = field(default_factory=list)
    parser: FeedParser | None = None
    core: CoreContext = field(init=False)

    def __post_init__(self) -> None:
        self.core = CoreContext(self.store, self.fetcher, self.settings, self.watchers)

    @classmethod
    async def open(cls, settings: Settings) -> App:
        loosen_young_collections()  # a polling process allocates fast: fewer, larger young collections
        store = await Store.open(settings.database_url)
        fetcher: Fetcher | None = None
        parser: FeedParser | None = None
        try:
            # Whatever fails from here on, the store is closed: its connection thread would keep the process alive.
            if settings.seed_defaults:
                await _seed(store, settings)
            fetcher = Fetcher(settings.fetch_config())
            parser = FeedParser(settings.parse_processes)
            watchers = build_watchers(store, fetcher, settings.source_config(), parser)
            cycle = PollCycle(store, watchers, settings.cycle_config())
        except BaseException:
            await _close(store, fetcher, parser)
            raise
        return cls(settings, store, fetcher, watchers, cycle, parser=parser)

    async def close(self) -> None:
        if self.watchers.pages is not None:
            await self.watchers.pages.close()  # pages still queued: their alerts go when their hold ends
        await _close(self.store, self.fetcher, self.parser)

    def warn_about_settings(self) -> None:
        """Settings that run but will fail later, said once when polling starts."""
        if names_example_contact(self.settings.user_agent):
            log.warning("USER_AGENT still names the example contact (%s): SEC EDGAR refuses such requests; "
                        "set USER_AGENT to the project and your e-mail address", self.settings.user_agent)

    async def use_console(self, as_json: bool = False) -> None:
        """The default sink when no chat token is set, with an implicit subscription to everything."""
        sink = ConsoleSink(as_json=as_json)
        await self.store.subscriptions.ensure(sink.platform, sink.channel_id)
        self.sinks.append(sink)

    def dispatcher(self) -> Dispatcher:
        return Dispatcher(self.store, self.sinks, max_attempts=self.settings.max_delivery_attempts,
                          max_concurrent=self.settings.delivery_concurrency,
                          global_rates={"discord": self.settings.discord_global_rate_per_second})

    async def catalyst_notices(self) -> list[int]:
        return await catalyst_notices(self.store, utcnow().date(), self.settings.reminder_days())

    async def run_cycle(self, due_only: bool = True) -> CycleReport:
        """One poll cycle, its time and duration recorded for `status`."""
        started, clock = utcnow(), time.monotonic()
        report = await self.cycle.run_once(due_only=due_only)
        if report.polled:
            await record_cycle(self.store.meta, started, time.monotonic() - clock, report.polled, report.failed,
                               report.not_modified)
        return report

    async def poll_once(self) -> tuple[CycleReport, DispatchReport]:
        report = await self.run_cycle(due_only=False)
        if self.watchers.pages is not None:
            await self.watchers.pages.settled()  # one poll, then out: its alerts go with their pages' facts
        report.new_event_ids.extend(await self.catalyst_notices())
        delivered = await self.dispatcher().drain()
        return report, delivered

    async def run_forever(self) -> None:
        """The main job: seed defaults, poll on a schedule, deliver, until SIGINT/SIGTERM."""
        self.warn_about_settings()
        started = await start_front_ends(self)
        self.sinks.extend(front_end.sink for front_end in started)
        await record_front_ends(self.store.meta, [FrontEndState(name=f.name, connected_at=utcnow()) for f in started])
        if not self.sinks:
            await self.use_console()
        dispatcher = self.dispatcher()
        # A poll that queues deliveries wakes the dispatcher at once (the interval job stays as the fallback).
        self.cycle.on_new_events = dispatcher.wake
        if self.watchers.pages is not None:
            # An alert waiting for its release page's facts goes as soon as they are stored.
            self.watchers.pages.on_facts = dispatcher.wake
        woken = asyncio.create_task(dispatcher.run_when_woken())
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)

        first_cycle = True

        async def poll_job() -> None:
            nonlocal first_cycle
            if first_cycle:  # a new store polls everything at once: show how far it got (on a terminal)
                first_cycle = False
                async with poll_progress(self.store):
                    report = await self.run_cycle()
            else:
                report = await self.run_cycle()
            if report.polled:
                log.info(
                    "polled %d sources: %d not modified, %d failed, %d new events",
                    report.polled, report.not_modified, report.failed, len(report.new_event_ids),
                )
            await dispatcher.drain()

        async def deliver_job() -> None:
            await dispatcher.drain()

        async def catalyst_job() -> None:
            if await self.catalyst_notices():
                await dispatcher.drain()

        async def digest_job() -> None:
            await dispatcher.send_digests(utcnow())

        tick = poll_tick_seconds(self.settings.poll_interval_seconds, self.settings.adaptive_polling)
        scheduler = AsyncIOScheduler(timezone=UTC)
        common = {"misfire_grace_time": 300, "coalesce": True, "max_instances": 1}
        # Each source carries its own next poll time (with jitter and back-off); this job polls the due ones.
        scheduler.add_job(poll_job, "interval", seconds=tick, jitter=max(1, int(tick * 0.1)) if tick >= 10 else None,
                          id="poll", next_run_time=utcnow(), **common)
        scheduler.add_job(deliver_job, "interval", seconds=self.settings.delivery_interval_seconds,
                          id="deliver", **common)
        scheduler.add_job(digest_job, "cron", minute="*/5", id="digest", **common)
        scheduler.add_job(catalyst_job, "interval", hours=1, id="catalysts", next_run_time=utcnow(), **common)
        scheduler.start()
        log.info("milestone-bot running: %d sources; sinks: %s",
                 len(await self.store.sources.list()), ", ".join(s.platform for s in self.sinks))
        try:
            await stop.wait()
        finally:
            log.info("shutting down")
            scheduler.shutdown(wait=False)
            woken.cancel()
            for front_end in started:
                await front_end.stop()
            await record_front_ends(self.store.meta, [])
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)


async def start_front_ends(app: App) -> list[FrontEnd]:
    """Every configured front end, started. One failing (e.g. a refused token) stops the ones already connected and
    the error goes up: a run or a gateway does not start half-connected."""
    started: list[FrontEnd] = []
    for front_end in build_front_ends(app.settings):
        try:
            await front_end.start(app.core)
        except BaseException:
            for other in started:
                await other.stop()
            raise
        started.append(front_end)
        log.info("%s front end started", front_end.name)
    return started
