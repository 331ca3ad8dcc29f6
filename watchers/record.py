"""The store stage: one unit of work that marks items seen, stores new events, updates the ledger and queues
one delivery per channel it reaches. The decisions are made by watchers/route/ from what the store already knows."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from storage.clock import to_db
from storage.models import ChannelRef, NewEvent, NotModified, utcnow
from storage.names import fold_name
from storage.store import NotFoundError, Store, UnitOfWork
from watchers.route.fusion import fused_recipients, fusion_target
from watchers.route.learning import LearningPlan, learning_norms, plan_learning
from watchers.route.ledger import LedgerPlan, LedgerState, is_designation, ledger_kinds, plan_ledger
from watchers.route.page_facts import fuse_page_facts, page_catalysts
from watchers.route.programs import program_norms, resolve_programs
from watchers.route.subscriptions import (
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
    not_modified: Callable[[NotModified], Awaitable[None]] | None = None,
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
              "partial_error": outcome.partial_error}
    if not_modified is not None and outcome.not_modified and not (outcome.seen_items or outcome.events
                                                                  or outcome.writes):
        await not_modified(NotModified(source_id=outcome.source_id, at=now, next_poll_at=next_poll_at,
                                       partial_error=outcome.partial_error))
        return []
    if not (outcome.seen_items or outcome.events or outcome.writes):
        # Nothing but the source's health (a 304, an empty feed): one statement, no transaction round trips.
        await store.sources.mark_polled(outcome.source_id, now, next_poll_at, **health)  # type: ignore[arg-type]
        return []
    follow_up = outcome.follow_up
    hold = Hold(follow_up.held_urls, now + timedelta(seconds=follow_up.hold_seconds)) if follow_up else None
    async with store.unit_of_work() as uow:
        await uow.sources.mark_polled(outcome.source_id, now, next_poll_at, **health)  # type: ignore[arg-type]
        await uow.seen.add(outcome.source_id, outcome.seen_items, now)
        # The dates as seen teach the source's publication habits (watchers/schedule/cadence.py).
        await uow.publications.add(outcome.source_id, [i.published_at for i in outcome.seen_items])
        if outcome.writes is not None:
            await outcome.writes.save(uow, now)
        new_ids = await record_events(uow, outcome.events, outcome.source_id, now, outcome.audiences, hold)
    if follow_up is not None and hold is not None and hold.stored:
        follow_up.start(hold.stored)  # committed: the pages of the events stored now may be read
    return new_ids


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


async def record_events(
    uow: UnitOfWork,
    events: Sequence[NewEvent],
    source_id: int | None,
    now: datetime,
    audiences: Mapping[str, Sequence[ChannelRef]] | None = None,
    hold: Hold | None = None,
) -> list[int]:
    """resolve programmes → fuse → store → decide ledger and routing → queue deliveries, per event."""
    if not events:
        return []
    subs = await uow.subscriptions.active()
    mutes = await uow.mutes.keys()
    if names := filter_names(subs, mutes):
        subs, mutes = under_current_names(subs, mutes, await uow.programs.resolve(names))
    source_name = await _source_name(uow, source_id)
    new_ids: list[int] = []
    for event in events:
        program_ids, event = await _learn_and_resolve(uow, event)
        if event.fingerprint and source_id is not None:
            # The same release from another source (IR feed and wire): one more source on the event, no alert
            # but to the channels that follow only this source.
            target = fusion_target(await uow.events.with_fingerprint(event.fingerprint), now)
            if target is not None:
                await uow.events.add_source(target.event_id, source_id, event.url, now)
                if not target.suppressed and target.source_id != source_id:
                    # First, so the channels that get the event only now (below) get no update of it.
                    await _queue_updates(uow, [confirmed(target.event_id, source_id, source_name)], now)
                late = fused_recipients(matching(subs, event, source_id, audiences), source_id, target)
                await uow.outbox.enqueue(target.event_id, group_by_channel(unmuted(late, event, mutes)), now)
                continue
        event_id = await uow.events.insert(event, source_id, now)
        if event_id is None:
            continue  # stored before: announced once already
        new_ids.append(event_id)
        held = hold is not None and event.url is not None and event.url in hold.urls
        if held:
            hold.stored[event.url] = event_id  # type: ignore[union-attr,index]
        if event.fingerprint and source_id is not None:
            await uow.events.add_source(event_id, source_id, event.url, now)
        suppressed = False
        if event.programs:
            plan = await _plan_ledger(uow, event, event_id, now)
            await _apply_ledger(uow, event, event_id, plan, now)
            suppressed = plan.suppress
            designations = (await uow.ledger.designations(event.programs[0])
                            if plan.designation and not plan.new_designation else [])
            await _queue_updates(uow, ledger_updates(event, event_id, plan, designations, source_name), now)
            if plan.facts != event.facts or plan.suppress:
                event = event.model_copy(update={"facts": plan.facts})
                await uow.events.set_facts(event_id, plan.facts, plan.suppress)
        if event.trial and event.reported_by == "registry":
            earlier = await uow.events.for_trial(event.trial)
            await _queue_updates(uow, registry_updates(event, event_id, earlier), now)
        await uow.events.link_programs(event_id, program_ids)
        await uow.events.index_names(event_id, program_norms(event))
        if not suppressed:
            await uow.outbox.enqueue(event_id, recipients(subs, event, source_id, audiences, mutes), now,
                                     not_before=hold.until if held and hold is not None else None)
    return new_ids


async def _source_name(uow: UnitOfWork, source_id: int | None) -> str | None:
    if source_id is None:
        return None
    try:
        return (await uow.sources.get(source_id)).name
    except NotFoundError:
        return None


async def _queue_updates(uow: UnitOfWork, updates: Sequence[Update], now: datetime) -> None:
    for update in updates:
        await uow.outbox.enqueue_update(update.event_id, update.change, update.note, now, EDITABLE_PLATFORMS)


async def _learn_and_resolve(uow: UnitOfWork, event: NewEvent) -> tuple[list[int], NewEvent]:
    """Drug names no programme knows become (or extend, or merge) learned programmes, then every name resolves to
    its programme. One read when the event teaches nothing (the common case)."""
    if not event.programs:
        return [], event
    known = await uow.programs.known(learning_norms(event))
    plan = plan_learning(event, known)
    if plan:
        await _apply_learning(uow, plan)
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


async def release_held(store: Store, event_id: int) -> None:
    """The page could not be read: the event's waiting deliveries go now, with the lede's facts."""
    await store.outbox.release_held(event_id, utcnow())


def _dates_only(plan: LedgerPlan) -> LedgerPlan:
    return LedgerPlan(new_catalysts=plan.new_catalysts, moved_catalysts=plan.moved_catalysts, facts=plan.facts)
