"""The store stage: one unit of work that marks items seen, stores new events, updates the ledger and queues
one delivery per channel it reaches. The decisions are made by watchers/route/ from what the store already knows."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from storage.clock import from_db, to_db
from storage.models import (
    ChannelRef,
    FusionCandidate,
    NewEvent,
    Polled,
    Queued,
    Subscription,
    utcnow,
)
from storage.names import fold_name
from storage.store import NotFoundError, Store, UnitOfWork
from watchers.route.fusion import fused_recipients, fusion_target
from watchers.route.learning import LearningPlan, learning_norms, plan_learning, renames
from watchers.route.ledger import LedgerPlan, LedgerState, is_designation, ledger_kinds, plan_ledger
from watchers.route.page_facts import fuse_page_facts, page_catalysts
from watchers.route.programs import program_norms, resolve_programs
from watchers.route.subscriptions import (
    Mutes,
    filter_names,
    group_by_channel,
    matching,
    recipients,
    under_current_names,
    unmuted,
)
from watchers.route.updates import EDITABLE_PLATFORMS, Update, confirmed, ledger_updates, registry_updates
from watchers.sources.base import PollOutcome


async def record_outcome(
    store: Store, outcome: PollOutcome, next_poll_at: datetime,
    not_modified: Callable[[Polled], Awaitable[None]] | None = None,
) -> list[int]:
    """Apply one poll in one transaction; returns the ids of events stored for the first time. `not_modified`,
    when given, takes a 304's health instead of writing it now (a cycle writes them together).

    Running it twice stores nothing twice (items, events and deliveries are keyed)."""
    now = utcnow()
    if outcome.skipped:
        # The source chose not to ask (a rate limit): not a success, so pacing and health keep the last real one.
        await store.sources.mark_skipped(outcome.source_id, now, next_poll_at)
        return []
    health = {"not_modified": outcome.not_modified, "etag": outcome.etag, "last_modified": outcome.last_modified,
              "partial_error": outcome.partial_error, "item_digests": outcome.item_digests}
    if not_modified is not None and outcome.not_modified and not (outcome.seen_items or outcome.events
                                                                  or outcome.writes):
        await not_modified(Polled(outcome.source_id, now, next_poll_at, True, partial_error=outcome.partial_error))
        return []
    if not changes_store(outcome):
        # Nothing but the source's health (a 304, an empty feed): one statement, no transaction round trips.
        await store.sources.mark_polled(outcome.source_id, now, next_poll_at, **health)  # type: ignore[arg-type]
        return []
    (new_ids,) = await _record_changed(store, [(outcome, next_poll_at)], now)
    return new_ids


def changes_store(outcome: PollOutcome) -> bool:
    """Whether a poll stores more than its source's health (items seen, events, a source's own writes)."""
    return not outcome.skipped and bool(outcome.seen_items or outcome.events or outcome.writes)


async def record_outcomes(store: Store, polls: Sequence[tuple[PollOutcome, datetime]],
                          source_names: Mapping[int, str] | None = None) -> list[list[int]]:
    """Several polls that changed something (their items, events, a source's own writes), each with its next
    poll, in ONE unit of work: what `record_outcome` writes for each, grouped (each source's health, seen items
    and dates in a few statements for all; the subscriptions read once; the events' links, names and deliveries
    written together). All or nothing: if it raises nothing is stored, and the caller records them one by one
    (watchers/schedule/changed.py), so one bad poll never stops the others. Returns each poll's new event ids."""
    return await _record_changed(store, polls, utcnow(), source_names)


async def _record_changed(
    store: Store, polls: Sequence[tuple[PollOutcome, datetime]], now: datetime,
    source_names: Mapping[int, str] | None = None,
) -> list[list[int]]:
    holds = [_hold(outcome, now) for outcome, _ in polls]
    async with store.unit_of_work() as uow:
        await uow.sources.mark_polled_many([
            Polled(o.source_id, now, next_poll_at, o.not_modified, o.etag, o.last_modified, o.partial_error,
                   o.item_digests)
            for o, next_poll_at in polls])
        await uow.seen.add_many([(o.source_id, o.seen_items) for o, _ in polls], now)
        # The dates as seen teach the source's publication habits (watchers/schedule/cadence.py).
        await uow.publications.add_many([(o.source_id, [i.published_at for i in o.seen_items]) for o, _ in polls])
        for outcome, _ in polls:
            if outcome.writes is not None:
                await outcome.writes.save(uow, now)
        batch = EventBatch(uow, now, source_names)
        await batch.prefetch([event for outcome, _ in polls for event in outcome.events])
        new_ids = [await record_events(uow, outcome.events, outcome.source_id, now, outcome.audiences, hold, batch)
                   for (outcome, _), hold in zip(polls, holds, strict=True)]
        await batch.write()
    for (outcome, _), hold in zip(polls, holds, strict=True):
        if outcome.follow_up is not None and hold is not None and hold.stored:
            outcome.follow_up.start(hold.stored)  # committed: the pages of the events stored now may be read
    return new_ids


def _hold(outcome: PollOutcome, now: datetime) -> Hold | None:
    follow_up = outcome.follow_up
    return Hold(follow_up.held_urls, now + timedelta(seconds=follow_up.hold_seconds)) if follow_up else None


@dataclass
class Hold:
    """Deliveries of the events at these urls wait (until `until`) for facts still to come: their release page.
    `stored` is filled with the ids of those events stored for the first time."""

    urls: frozenset[str]
    until: datetime
    stored: dict[str, int] = field(default_factory=dict)


async def add_events(
    store: Store,
    events: Sequence[NewEvent],
    source_id: int | None = None,
    audiences: Mapping[str, Sequence[ChannelRef]] | None = None,
) -> list[int]:
    """Store events not stored before (by dedupe_key) and queue their deliveries (notices, reminders, tests)."""
    if not events:
        return []
    async with store.unit_of_work() as uow:
        return await record_events(uow, events, source_id, utcnow(), audiences)


class EventBatch:
    """What the events of one unit of work share: the routing read (subscriptions, mutes under their current
    names, read again only after a poll taught the registry something, as each poll read them before) and the
    sources' names; and their pure writes (the event's sources, programme links, names, deliveries), written
    together by `write` before the unit of work commits. Nothing in it reads those back before then: fusion reads
    `events`, and queued deliveries are written before an update (which reads them) is queued."""

    def __init__(self, uow: UnitOfWork, now: datetime, source_names: Mapping[int, str] | None = None) -> None:
        self.uow, self._now = uow, now
        self._routing: tuple[list[Subscription], Mutes] | None = None
        self._filter_names: frozenset[str] = frozenset()
        self._stale = False
        self._names: dict[int, str | None] = dict(source_names or {})
        # Read ahead for all the batch's events (`prefetch`), kept true as the batch writes: the stored events of
        # each fingerprint, and what each folded name names.
        self._fused: dict[str, list[FusionCandidate]] = {}
        self._known: dict[str, tuple[int, str, str]] = {}
        self._asked: set[str] = set()
        self.sources: list[tuple[int, int, str | None]] = []
        self.links: list[tuple[int, int]] = []
        self.names: list[tuple[int, Sequence[str]]] = []
        self.queued: list[Queued] = []

    async def routing(self) -> tuple[list[Subscription], Mutes]:
        if self._routing is None:
            subs = await self.uow.subscriptions.active()
            mutes = await self.uow.mutes.keys()
            if names := filter_names(subs, mutes):
                subs, mutes = under_current_names(subs, mutes, await self.uow.programs.resolve(names))
            self._routing, self._filter_names = (subs, mutes), frozenset(names)
        return self._routing

    def learned(self, plan: LearningPlan) -> None:
        """The registry learned something: when it can rename what subscriptions and mutes name, the next poll
        reads the routing again (as each poll read it before); the names it added or merged are read again."""
        self._stale = self._stale or renames(plan, self._filter_names)
        merged = {id_ for m in plan.merges for id_ in (m.kept_id, m.merged_id)}
        changed = {fold_name(n) for p in plan.creates for n in (p.name, *p.aliases)}
        changed |= {fold_name(a) for e in plan.extends for a in e.aliases}
        changed |= {norm for norm, (pid, _, _) in self._known.items() if pid in merged}
        self._asked -= changed
        for norm in changed:
            self._known.pop(norm, None)

    async def prefetch(self, events: Sequence[NewEvent]) -> None:
        """Two reads for the whole batch instead of two per event: the stored events of their fingerprints and
        what their names name."""
        if fingerprints := list(dict.fromkeys(e.fingerprint for e in events if e.fingerprint)):
            self._fused = await self.uow.events.with_fingerprints(fingerprints)
        await self.known(list(dict.fromkeys(n for e in events if e.programs for n in learning_norms(e))))

    async def fused(self, fingerprint: str) -> list[FusionCandidate]:
        if fingerprint in self._fused:
            return self._fused[fingerprint]
        return await self.uow.events.with_fingerprint(fingerprint)

    def inserted(self, event: NewEvent, event_id: int, source_id: int | None, suppressed: bool) -> None:
        """An event stored now: the next event with its fingerprint finds it (as the store would answer)."""
        if event.fingerprint and event.fingerprint in self._fused:
            detected = from_db(to_db(self._now))
            assert detected is not None
            self._fused[event.fingerprint].append(FusionCandidate(event_id=event_id, source_id=source_id,
                                                                  detected_at=detected, suppressed=suppressed))

    async def known(self, norms: Sequence[str]) -> dict[str, tuple[int, str, str]]:
        """`programs.known`, asking the store only for names not read ahead (or changed by learning since)."""
        if missing := [n for n in norms if n not in self._asked]:
            self._known.update(await self.uow.programs.known(missing))
            self._asked.update(missing)
        return {n: self._known[n] for n in norms if n in self._known}

    def next_poll(self) -> None:
        if self._stale:
            self._routing, self._stale = None, False

    async def source_name(self, source_id: int | None) -> str | None:
        if source_id is None:
            return None
        if source_id not in self._names:
            self._names[source_id] = await _source_name(self.uow, source_id)
        return self._names[source_id]

    async def queued_written(self) -> None:
        """The deliveries queued so far are written (before anything reads the outbox)."""
        if self.queued:
            queued, self.queued = self.queued, []
            await self.uow.outbox.enqueue(queued, self._now)

    async def write(self) -> None:
        await self.uow.events.add_sources(self.sources, self._now)
        await self.uow.events.link_programs_many(self.links)
        await self.uow.events.index_names_many(self.names)
        await self.queued_written()
        self.sources, self.links, self.names = [], [], []


async def record_events(
    uow: UnitOfWork,
    events: Sequence[NewEvent],
    source_id: int | None,
    now: datetime,
    audiences: Mapping[str, Sequence[ChannelRef]] | None = None,
    hold: Hold | None = None,
    batch: EventBatch | None = None,
) -> list[int]:
    """resolve programmes → fuse → store → decide ledger and routing → queue deliveries, per event. With a
    `batch` (several polls in one unit of work) its pure writes wait for `batch.write()`; without, they are
    written before this returns."""
    if not events:
        return []
    if batch is None:
        batch = EventBatch(uow, now)
        new_ids = await record_events(uow, events, source_id, now, audiences, hold, batch)
        await batch.write()
        return new_ids
    batch.next_poll()
    subs, mutes = await batch.routing()
    new_ids: list[int] = []
    for event in events:
        program_ids, event = await _learn_and_resolve(uow, event, batch)
        if event.fingerprint and source_id is not None:
            # The same release from another source (IR feed and wire): one more source on the event, no alert
            # but to the channels that follow only this source.
            target = fusion_target(await batch.fused(event.fingerprint), now)
            if target is not None:
                batch.sources.append((target.event_id, source_id, event.url))
                if not target.suppressed and target.source_id != source_id:
                    # First, so the channels that get the event only now (below) get no update of it.
                    await _queue_updates(batch, [confirmed(target.event_id, source_id,
                                                           await batch.source_name(source_id))], now)
                late = fused_recipients(matching(subs, event, source_id, audiences), source_id, target)
                batch.queued.append(Queued(target.event_id, group_by_channel(unmuted(late, event, mutes))))
                continue
        event_id = await uow.events.insert(event, source_id, now)
        if event_id is None:
            continue  # stored before: announced once already
        new_ids.append(event_id)
        held = hold is not None and event.url is not None and event.url in hold.urls
        if held:
            hold.stored[event.url] = event_id  # type: ignore[union-attr,index]
        if event.fingerprint and source_id is not None:
            batch.sources.append((event_id, source_id, event.url))
        suppressed = False
        if event.programs:
            plan = await _plan_ledger(uow, event, event_id, now)
            await _apply_ledger(uow, event, event_id, plan, now)
            suppressed = plan.suppress
            designations = (await uow.ledger.designations(event.programs[0])
                            if plan.designation and not plan.new_designation else [])
            updates = ledger_updates(event, event_id, plan, designations, await batch.source_name(source_id))
            await _queue_updates(batch, updates, now)
            if plan.facts != event.facts or plan.suppress:
                event = event.model_copy(update={"facts": plan.facts})
                await uow.events.set_facts(event_id, plan.facts, plan.suppress)
        if event.trial and event.reported_by == "registry":
            earlier = await uow.events.for_trial(event.trial)
            await _queue_updates(batch, registry_updates(event, event_id, earlier), now)
        batch.inserted(event, event_id, source_id, suppressed)
        batch.links += [(event_id, pid) for pid in program_ids]
        batch.names.append((event_id, program_norms(event)))
        if not suppressed:
            batch.queued.append(Queued(event_id, recipients(subs, event, source_id, audiences, mutes),
                                       hold.until if held and hold is not None else None))
    return new_ids


async def _source_name(uow: UnitOfWork, source_id: int) -> str | None:
    try:
        return (await uow.sources.get(source_id)).name
    except NotFoundError:
        return None


async def _queue_updates(batch: EventBatch, updates: Sequence[Update], now: datetime) -> None:
    if updates:
        await batch.queued_written()  # an update goes to the channels the alert is queued for: those written
    for update in updates:
        await batch.uow.outbox.enqueue_update(update.event_id, update.change, update.note, now, EDITABLE_PLATFORMS)


async def _learn_and_resolve(uow: UnitOfWork, event: NewEvent, batch: EventBatch) -> tuple[list[int], NewEvent]:
    """Drug names no programme knows become (or extend, or merge) learned programmes, then every name resolves to
    its programme. One read when the event teaches nothing (the common case)."""
    if not event.programs:
        return [], event
    known = await batch.known(learning_norms(event))
    plan = plan_learning(event, known)
    if plan:
        await _apply_learning(uow, plan)
        batch.learned(plan)
        return resolve_programs(event, await uow.programs.resolve(program_norms(event)))
    return resolve_programs(event, {norm: (pid, name) for norm, (pid, name, _) in known.items()})


async def _apply_learning(uow: UnitOfWork, plan: LearningPlan) -> None:
    for program in plan.creates:
        await uow.programs.add_learned(program)
    for merge in plan.merges:
        await uow.programs.merge(merge.kept_id, merge.merged_id, merge.reason)
    for extension in plan.extends:
        await uow.programs.add_aliases(extension.program_id, extension.aliases)


async def _plan_ledger(uow: UnitOfWork, event: NewEvent, event_id: int, now: datetime) -> LedgerPlan:
    key = fold_name(event.programs[0])
    state = LedgerState(
        designation_id=await uow.ledger.designation_id(key, event.subtype) if is_designation(event) else None,
        open_catalysts=await uow.ledger.open_catalysts(key, ledger_kinds(event)),
    )
    return plan_ledger(event, event_id, state, to_db(now) or "")


async def _apply_ledger(uow: UnitOfWork, event: NewEvent, event_id: int, plan: LedgerPlan, now: datetime) -> None:
    program = event.programs[0]
    key = fold_name(program)
    stamp = to_db(now) or ""
    if plan.designation is not None:
        if plan.new_designation:
            indication = plan.facts.get("indication") if isinstance(plan.facts.get("indication"), str) else None
            designation_id = await uow.ledger.add_designation(key, program, plan.designation, indication,
                                                              event_id, stamp)
        else:
            designation_id = plan.designation_id or 0
        await uow.ledger.add_designation_source(designation_id, event_id, event.reported_by, stamp)
    for cat, history in plan.new_catalysts:
        await uow.ledger.add_catalyst(key, program, cat, event_id, history, stamp)
    for catalyst_id, cat, history in plan.moved_catalysts:
        await uow.ledger.move_catalyst(catalyst_id, cat, event_id, history, stamp)
    if plan.close_pdufa:
        await uow.ledger.close_pdufa(key, plan.close_pdufa, stamp)


async def apply_page_facts(store: Store, event_id: int, lede: NewEvent, page: NewEvent) -> None:
    """An event's release page was read after its poll: its facts replace the lede's (what the store added, e.g.
    a moved date, is kept), dates stated only on the page join the calendar, and the event's waiting deliveries
    go now, with those facts. One unit of work."""
    now = utcnow()
    async with store.unit_of_work() as uow:
        try:
            stored = await uow.events.get(event_id)
        except NotFoundError:
            return  # deleted meanwhile (a source removed with its events)
        facts = fuse_page_facts(stored.facts, lede.facts, page.facts)
        added = page_catalysts(lede.catalysts, page.catalysts)
        if added and stored.programs:
            # Through the same ledger plan as the poll's dates (new or moved), with the stored programme names;
            # the designation and suppression were decided with the event and stay as they are.
            event = page.model_copy(update={"programs": stored.programs, "catalysts": added, "facts": facts})
            plan = await _plan_ledger(uow, event, event_id, now)
            await _apply_ledger(uow, event, event_id, _dates_only(plan), now)
            facts = plan.facts
        if facts != stored.facts or (page.trial and not stored.trial):
            await uow.events.set_page_facts(event_id, facts, page.trial)
        await uow.outbox.release_held(event_id, now)
        note = page_facts_note(stored.facts, facts)
        if note:
            # Alerts already posted (past the wait) are edited to show the page's facts, with a reply saying so;
            # alerts still waiting go out with them anyway.
            await uow.outbox.enqueue_update(event_id, "facts:page", note, now, EDITABLE_PLATFORMS, sent_only=True)


_FACT_WORDS = {"results": "results", "safety": "safety findings", "meeting": "the regulator meeting",
               "design": "the trial design", "hazard_ratio": "hazard ratio", "p_value": "p-value",
               "endpoint_met": "whether the endpoint was met"}


def page_facts_note(before: dict[str, object], after: dict[str, object]) -> str | None:
    """What an update says when a release page added facts a posted alert lacked ("From the release page: results,
    safety findings."); None when it added none a reader would see."""
    added = [word for key, word in _FACT_WORDS.items()
             if after.get(key) not in (None, [], {}, "") and after.get(key) != before.get(key)]
    return f"From the release page: {', '.join(added)}." if added else None


async def release_held(store: Store, event_id: int) -> None:
    """The page could not be read: the event's waiting deliveries go now, with the lede's facts."""
    await store.outbox.release_held(event_id, utcnow())


def _dates_only(plan: LedgerPlan) -> LedgerPlan:
    return LedgerPlan(new_catalysts=plan.new_catalysts, moved_catalysts=plan.moved_catalysts, facts=plan.facts)
