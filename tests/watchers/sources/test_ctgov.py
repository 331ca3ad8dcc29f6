"""The ClinicalTrials.gov watcher end to end: local fake API v2 → poll cycle → store → console sink."""
from __future__ import annotations

import io
import time
from collections.abc import AsyncIterator

import pytest

from bot.delivery.console import ConsoleSink
from bot.delivery.dispatcher import Dispatcher
from storage.models import ChannelRef, Source, utcnow
from storage.store import Store
from tests.support.ctgov_fake import FakeCtgov, study
from watchers.fetch.http import FetchConfig, Fetcher, FetchError
from watchers.pipeline import collect
from watchers.record import record_outcome
from watchers.schedule.poll_cycle import CycleConfig, PollCycle
from watchers.sources.ctgov.client import CtgovClient
from watchers.sources.ctgov.watcher import CtgovWatcher

CONSOLE = ChannelRef(platform="console", channel_id="stdout")
IDS = [f"NCT0553127{i}" for i in range(10)]


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(FetchConfig(timeout_seconds=5, allow_private_addresses=True)) as f:
        yield f


class Rig:
    def __init__(self, store: Store, fetcher: Fetcher, fake: FakeCtgov, **client_options: object) -> None:
        self.store = store
        self.fake = fake
        self.out = io.StringIO()
        options = {"backoff_seconds": 0.0, **client_options}
        self.watcher = CtgovWatcher(fetcher, store, interval_seconds=0, **options)
        self.cycle = PollCycle(store, [self.watcher], CycleConfig(interval_seconds=600, max_consecutive_failures=4))
        self.dispatcher = Dispatcher(store, [ConsoleSink(self.out)])
        self.source: Source | None = None

    async def setup(self) -> Source:
        await self.store.subscriptions.ensure("console", "stdout")
        self.source = await self.store.sources.add("ctgov", self.fake.base_url, "ClinicalTrials.gov")
        return self.source

    async def poll(self) -> str:
        self.out.seek(0)
        self.out.truncate()
        await self.cycle.run_once(due_only=False)
        await self.dispatcher.drain()
        return self.out.getvalue()


async def test_first_sight_then_exact_diffs_then_nothing(store: Store, fetcher: Fetcher, fake: FakeCtgov) -> None:
    rig = Rig(store, fetcher, fake)
    await rig.setup()
    fake.put(study(IDS[0], acronym="ZUMA-9"), study(IDS[1]))
    await store.trials.add_watches(IDS[:2], "Azer-cel", CONSOLE)
    out = await rig.poll()
    assert out.count("Now watching") == 1 and "Now watching 2 trials for" not in out
    assert "Now watching 2 trials: NCT05531270 (ZUMA-9), NCT05531271" in out
    [req] = fake.requests
    assert req["filter.ids"] == f"{IDS[0]},{IDS[1]}" and req["pageSize"] == "1000"
    assert "protocolSection.statusModule" in req["fields"]

    fake.put(study(IDS[0], acronym="ZUMA-9", enrollment=(120, "ACTUAL"), primary=("2025-12", "ESTIMATED"),
                   last_update="2025-03-04"))
    out = await rig.poll()
    assert out.count("─\n") == 1, out
    assert ("NCT05531270 (ZUMA-9): enrollment 45 → 120 (ACTUAL) · primary completion 2025-06 → 2025-12 "
            "(+6 months, 1st slip)") in out
    assert "programme: Azer-cel" in out and "trial: NCT05531270" in out

    fake.put(study(IDS[0], acronym="ZUMA-9", enrollment=(120, "ACTUAL"), primary=("2026-03", "ESTIMATED"),
                   last_update="2025-09-01"))
    out = await rig.poll()
    assert "primary completion 2025-12 → 2026-03 (+3 months, 2nd slip)" in out
    assert await rig.poll() == ""
    [latest] = await store.events.latest(1)
    assert latest.facts["changes"] == [{"field": "primary_completion_date", "old": "2025-12", "new": "2026-03",
                                        "change": "slip", "slip_months": 3, "slip_count": 2}]
    history = await store.trials.changes(IDS[0])
    assert [h.change.field for h in history] == ["enrollment", "primary_completion_date", "primary_completion_date"]


async def test_watch_without_asker_is_silent_baseline(store: Store, fetcher: Fetcher, fake: FakeCtgov) -> None:
    rig = Rig(store, fetcher, fake)
    await rig.setup()
    fake.put(study(IDS[0]))
    await store.trials.add_watches([IDS[0]])
    assert await rig.poll() == ""
    assert IDS[0] in await store.trials.snapshots([IDS[0]])


async def test_paging_and_batches(store: Store, fetcher: Fetcher, fake: FakeCtgov) -> None:
    fake.page_cap = 3
    rig = Rig(store, fetcher, fake, ids_per_request=5)
    await rig.setup()
    fake.put(*(study(n) for n in IDS))
    await store.trials.add_watches(IDS)
    await rig.poll()
    # Two batches of five, each served in pages of at most three: 2 + 2 requests.
    assert len(fake.requests) == 4
    assert [r.get("pageToken") for r in fake.requests] == [None, "tok3", None, "tok3"]
    assert len(await store.trials.snapshots(IDS)) == 10


async def test_failed_batch_keeps_the_others_and_catches_up_later(
    store: Store, fetcher: Fetcher, fake: FakeCtgov
) -> None:
    rig = Rig(store, fetcher, fake, ids_per_request=5, max_retries=2)
    source = await rig.setup()
    fake.put(*(study(n) for n in IDS))
    await store.trials.add_watches(IDS, None, CONSOLE)
    fake.fail = lambda q: 503 if IDS[7] in q.get("filter.ids", "") else None
    out = await rig.poll()
    assert "Now watching 5 trials" in out
    assert len(await store.trials.snapshots(IDS)) == 5
    assert len(fake.requests) == 1 + 3  # the good batch, the bad one tried three times
    s = await store.sources.get(source.id)
    assert s.consecutive_failures == 0 and "HTTP 503" in (s.last_error or "")
    fake.fail = None
    out = await rig.poll()
    assert "Now watching 5 trials: NCT05531275" in out
    assert (await store.sources.get(source.id)).last_error is None


async def test_everything_failing_is_a_failed_poll(store: Store, fetcher: Fetcher, fake: FakeCtgov) -> None:
    rig = Rig(store, fetcher, fake, max_retries=1)
    source = await rig.setup()
    fake.put(study(IDS[0]))
    await store.trials.add_watches([IDS[0]])
    fake.fail = lambda q: 500
    await rig.poll()
    s = await store.sources.get(source.id)
    assert s.consecutive_failures == 1 and "HTTP 500" in (s.last_error or "")
    assert len(fake.requests) == 2


async def test_429_is_retried_after_its_delay(store: Store, fetcher: Fetcher, fake: FakeCtgov) -> None:
    answers = [429, None]
    fake.fail = lambda q: answers.pop(0) if answers else None
    fake.put(study(IDS[0]))
    client = CtgovClient(fetcher, fake.base_url, 0, backoff_seconds=0.05)
    started = time.monotonic()
    result = await client.fetch_ids([IDS[0]])
    assert len(result.studies) == 1 and result.requests == 2 and not result.errors
    assert time.monotonic() - started >= 0.05


async def test_pacing_between_requests(fetcher: Fetcher, fake: FakeCtgov) -> None:
    fake.put(*(study(n) for n in IDS[:3]))
    client = CtgovClient(fetcher, fake.base_url, 0.2, ids_per_request=1)
    started = time.monotonic()
    await client.fetch_ids(IDS[:3])
    assert time.monotonic() - started >= 0.4 and len(fake.requests) == 3


async def test_uri_too_long_halves_the_batch(fetcher: Fetcher, fake: FakeCtgov) -> None:
    fake.max_ids = 4
    fake.put(*(study(n) for n in IDS))
    result = await CtgovClient(fetcher, fake.base_url, 0).fetch_ids(IDS)
    assert len(result.studies) == 10 and not result.errors


async def test_not_json_is_a_clear_error(fetcher: Fetcher, fake: FakeCtgov) -> None:
    client = CtgovClient(fetcher, fake.base_url.replace("/api/v2", "/nothing"), 0)
    with pytest.raises(FetchError, match="HTTP 404"):
        await client.get_json("/studies")


async def test_unknown_trial_is_reported_not_fatal(store: Store, fetcher: Fetcher, fake: FakeCtgov) -> None:
    rig = Rig(store, fetcher, fake)
    source = await rig.setup()
    fake.put(study(IDS[0]))
    await store.trials.add_watches([IDS[0], "NCT09999999"])
    await rig.poll()
    s = await store.sources.get(source.id)
    assert s.consecutive_failures == 0 and s.last_error == "not found on ClinicalTrials.gov: NCT09999999"


async def test_programme_query_baseline_then_new_trial(store: Store, fetcher: Fetcher, fake: FakeCtgov) -> None:
    rig = Rig(store, fetcher, fake)
    await rig.setup()
    fake.put(study(IDS[0]), study(IDS[1], interventions=[("placebo", [])]),
             study(IDS[2], interventions=[("AZERCABTAGENE ZAPRELEUCEL", [])], sponsor="Other Co"))
    await store.trials.add_query("Azer-cel", ["azer-cel", "azercabtagene"], None, CONSOLE)
    out = await rig.poll()
    assert out.count("─\n") == 1 and "Now watching 2 trials for Azer-cel: NCT05531270, NCT05531272" in out
    assert fake.requests[0]["query.intr"] == '"azer-cel" OR "azercabtagene"'
    watched = {w.nct_id: w.program for w in await store.trials.list_watches()}
    assert watched == {IDS[0]: "Azer-cel", IDS[2]: "Azer-cel"}

    fake.put(study(IDS[3], status="NOT_YET_RECRUITING", acronym="ZUMA-12"))
    out = await rig.poll()
    assert out.count("─\n") == 1
    assert "New trial for Azer-cel: NCT05531273 (ZUMA-12): NOT_YET_RECRUITING" in out
    assert len([r for r in fake.requests if "filter.ids" in r]) == 0  # the search covered every watched trial
    assert await rig.poll() == ""
    fake.put(study(IDS[3], status="RECRUITING", acronym="ZUMA-12", last_update="2025-05-05"))
    out = await rig.poll()
    assert "NCT05531273 (ZUMA-12): status NOT_YET_RECRUITING → RECRUITING (enrollment opened)" in out
    [event] = await store.events.latest(1)
    assert (event.kind, event.subtype, event.programs) == ("enrollment", "initiation", ["Azer-cel"])
    # Unwatching a trial the programme brought in sticks: the next search neither re-adds nor re-announces it.
    await store.trials.remove_watches([IDS[3]])
    fake.put(study(IDS[3], status="ACTIVE_NOT_RECRUITING", acronym="ZUMA-12", last_update="2025-06-06"))
    assert await rig.poll() == ""
    assert IDS[3] not in {w.nct_id for w in await store.trials.list_watches()}


async def test_restart_mid_way_never_repeats(store: Store, fetcher: Fetcher, fake: FakeCtgov) -> None:
    rig = Rig(store, fetcher, fake)
    source = await rig.setup()
    fake.put(study(IDS[0]))
    await store.trials.add_watches([IDS[0]])
    await rig.poll()
    fake.put(study(IDS[0], status="SUSPENDED", why_stopped="Safety review", last_update="2025-02-02"))
    outcome = await collect(store, rig.watcher, source)
    assert len(outcome.events) == 1
    # Recording the same outcome twice (a retry after a crash) stores the alert and the change once.
    assert len(await record_outcome(store, outcome, utcnow())) == 1
    assert await record_outcome(store, outcome, utcnow()) == []
    assert [h.change.field for h in await store.trials.changes(IDS[0])] == ["overall_status"]
    out = await rig.poll()  # delivers the one queued alert, finds nothing new
    assert out.count("─\n") == 1 and "why stopped: Safety review" in out
    assert await rig.poll() == ""


async def test_two_thousand_trials_in_two_requests(store: Store, fetcher: Fetcher, fake: FakeCtgov) -> None:
    ids = [f"NCT{10_000_000 + i:08d}" for i in range(2000)]
    fake.put(*(study(n) for n in ids))
    rig = Rig(store, fetcher, fake)
    await rig.setup()
    await store.trials.add_watches(ids)
    started = time.monotonic()
    await rig.poll()
    assert len(fake.requests) == 2 and time.monotonic() - started < 10
    fake.put(study(ids[1500], status="COMPLETED", last_update="2025-06-01"))
    out = await rig.poll()
    assert len(fake.requests) == 4 and out.count("─\n") == 1
    assert len(await store.trials.snapshots(ids)) == 2000


async def test_registry_events_and_programme_lookup_use_the_snapshots(
    store: Store, fetcher: Fetcher, fake: FakeCtgov
) -> None:
    from bot.core.context import CoreContext
    from bot.core.lookup import lookup
    from bot.settings import load_settings
    from storage.models import ProgramIn

    await store.programs.add(ProgramIn(name="Azer-cel", aliases=["azercabtagene"], nct_ids=[IDS[0], IDS[1]]))
    rig = Rig(store, fetcher, fake)
    await rig.setup()
    fake.put(study(IDS[0], phases=["PHASE1", "PHASE2"]))
    await store.trials.add_watches([IDS[0]], "azercabtagene")
    await rig.poll()
    fake.put(study(IDS[0], phases=["PHASE1", "PHASE2"], status="COMPLETED", last_update="2025-07-07"))
    await rig.poll()
    [event] = await store.events.latest(1)
    # The label given with the watch is an alias: the store files the alert under the programme's name.
    assert (event.reported_by, event.programs) == ("registry", ["Azer-cel"])
    card = await lookup(CoreContext(store, fetcher, load_settings()), "Azer-cel")
    assert [(t.nct_id, t.status, t.phase, t.enrollment) for t in card.trials] == [
        (IDS[0], "COMPLETED", "PHASE1/PHASE2", 45), (IDS[1], None, None, None)]
