"""`lookup`: everything we know about one programme, as a card every front end renders. A name no programme has
is looked up all the same: the stored events that mention it and ClinicalTrials.gov's trials of it."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from pydantic import BaseModel, Field

from bot.core.context import Actor, CommandError, CoreContext, require_manage
from bot.core.programs import add_program, unknown_program_message
from bot.core.registry import Onboarded, matching_interventions, onboard, search_registry
from storage.models import Catalyst, Designation, Event, EventSource, Program, ProgramIn, utcnow
from storage.names import fold_name
from storage.trial_models import StoredTrialChange, TrialSnapshot
from watchers.fetch.http import FetchError
from watchers.route.learning import learnable

REGULATORY_STEPS = ("meeting_agreement", "clinical_hold", "submission", "acceptance", "pdufa_date", "approval", "crl")


class TrialLine(BaseModel):
    nct_id: str
    title: str | None = None
    phase: str | None = None
    status: str | None = None
    enrollment: int | None = None
    enrollment_type: str | None = None
    primary_completion: str | None = None
    # From the trial's changes (its registry history when it was read, then what the bot saw itself).
    primary_completion_slips: int = 0
    primary_completion_slip_months: int = 0
    enrollment_from: int | None = None  # the first enrollment target seen, when it differs from today's
    versions: int = 0  # registry versions read for it (0: history starts from the bot's first snapshot)


class ProgramCard(BaseModel):
    program: Program
    trials: list[TrialLine] = Field(default_factory=list)
    designations: list[Designation] = Field(default_factory=list)
    readouts: list[Event] = Field(default_factory=list)
    # Regulator interactions other than designations (those are in the ledger): meetings, holds, filings, decisions.
    regulatory: list[Event] = Field(default_factory=list)
    upcoming: list[Catalyst] = Field(default_factory=list)
    recent: list[Event] = Field(default_factory=list)
    # The listed events told by more than one source (fused: IR feed and wire), by event id, first teller first.
    sources: dict[int, list[EventSource]] = Field(default_factory=dict)
    # False: no programme has this name; the card is what the stored events and ClinicalTrials.gov know of it.
    tracked: bool = True
    notes: list[str] = Field(default_factory=list)


class Tracked(BaseModel):
    card: ProgramCard
    onboarded: Onboarded | None = None
    created: bool = False  # a new registered programme (False: a learned one promoted, or one already tracked)


async def lookup(ctx: CoreContext, name: str, today: date | None = None) -> ProgramCard:
    name = name.strip()
    if not name:
        raise CommandError("Give a programme name (or any drug name).")
    today = today or datetime.now().date()
    program = await ctx.store.programs.find(name)
    if program is not None:
        return await program_card(ctx, program, today)
    return await _untracked_card(ctx, name, today)


async def program_card(ctx: CoreContext, program: Program, today: date) -> ProgramCard:
    store = ctx.store
    # The programme's own NCT IDs, plus every watched trial labelled with one of its names.
    names = {fold_name(a.alias) for a in program.alias_flags} | {fold_name(program.name)}
    watched = [w.nct_id for w in await store.trials.list_watches() if w.program and fold_name(w.program) in names]
    nct_ids = list(dict.fromkeys([*program.nct_ids, *watched]))
    snaps = await store.trials.snapshots(nct_ids)
    trials = await _trial_lines(ctx, nct_ids, snaps)
    card = ProgramCard(
        program=program,
        trials=trials,
        designations=await store.ledger.designations(program.name),
        readouts=await store.events.for_program(program.id, limit=3, kind="readout"),
        regulatory=await store.events.for_program(program.id, limit=3, kind="regulatory", subtypes=REGULATORY_STEPS),
        upcoming=await store.ledger.catalysts(start=today.isoformat(), program=program.name),
        recent=await store.events.for_program(program.id, limit=5),
        notes=_history_notes(trials) + ([] if program.kind == "registered" else [
            "Learned from the news: `lookup NAME --track` makes it a registered programme."]),
    )
    for event_id in {ev.id for ev in (*card.readouts, *card.regulatory, *card.recent)}:
        told = await store.events.sources(event_id)  # at most 11 events on a card
        if len(told) > 1:
            card.sources[event_id] = told
    return card


async def _untracked_card(ctx: CoreContext, name: str, today: date) -> ProgramCard:
    store = ctx.store
    events = await store.events.for_names([fold_name(name)], limit=20)
    notes: list[str] = []
    try:
        snaps = await search_registry(ctx, [name])
    except FetchError as exc:
        snaps = []
        notes.append(f"ClinicalTrials.gov could not be asked ({exc}).")
    designations = await store.ledger.designations(name)
    upcoming = await store.ledger.catalysts(start=today.isoformat(), program=name)
    if not (events or snaps or designations or upcoming):
        raise CommandError(await unknown_program_message(ctx, name))
    sponsors = Counter(s.sponsor for s in snaps if s.sponsor) + Counter(e.sponsor for e in events if e.sponsor)
    program = Program(id=0, name=name, created_at=utcnow(), kind="untracked",
                      aliases=matching_interventions(snaps, [name])[:10],
                      sponsors=[s for s, _ in sponsors.most_common(2)])
    trials = await _trial_lines(ctx, [s.nct_id for s in snaps], {s.nct_id: s for s in snaps})
    return ProgramCard(
        program=program, trials=trials, designations=designations,
        readouts=[e for e in events if e.kind == "readout"][:3],
        regulatory=[e for e in events if e.kind == "regulatory" and e.subtype in REGULATORY_STEPS][:3],
        upcoming=upcoming, recent=events[:5], tracked=False,
        notes=[*notes, "Not tracked: `lookup NAME --track` follows it from now on."],
    )


async def track(ctx: CoreContext, actor: Actor, name: str, today: date | None = None) -> Tracked:
    """Follow a name: a learned programme is promoted; an unknown one is registered (with the other names and the
    sponsor ClinicalTrials.gov gives it); either way its card is back-filled."""
    require_manage(actor, "track programmes")
    today = today or datetime.now().date()
    program = await ctx.store.programs.find(name.strip())
    created = False
    if program is None:
        card = await _untracked_card(ctx, name.strip(), today)  # refuses a name nothing knows
        aliases = [a for a in card.program.aliases if learnable(a, None)]
        taken = await ctx.store.programs.known([fold_name(a) for a in aliases])
        program = await add_program(ctx, actor, ProgramIn(
            name=card.program.name, aliases=[a for a in aliases if fold_name(a) not in taken][:10],
            sponsors=card.program.sponsors[:1]))
        created = True
    elif program.kind != "registered":
        await ctx.store.programs.promote(program.id)
        program = await ctx.store.programs.get(program.id)
    onboarded = await onboard(ctx, program) if ctx.settings.onboarding_backfill else None
    return Tracked(card=await program_card(ctx, program, today), onboarded=onboarded, created=created)


async def _trial_lines(ctx: CoreContext, nct_ids: list[str], snaps: dict[str, TrialSnapshot]) -> list[TrialLine]:
    versions = await ctx.store.trials.version_count(nct_ids)
    lines = []
    for nct_id in nct_ids:
        changes = await ctx.store.trials.changes(nct_id) if nct_id in versions or snaps.get(nct_id) else []
        lines.append(_trial_line(nct_id, snaps.get(nct_id), changes, versions.get(nct_id, 0)))
    return lines


def _history_notes(trials: list[TrialLine]) -> list[str]:
    if not trials:
        return []
    if any(t.versions for t in trials):
        return []
    return ["Trial history starts from today's snapshot (the registry's version history was not read)."]


def _trial_line(nct_id: str, snap: TrialSnapshot | None, changes: list[StoredTrialChange] | None = None,
                versions: int = 0) -> TrialLine:
    if snap is None:
        return TrialLine(nct_id=nct_id, versions=versions)
    slips = [c.change for c in changes or [] if c.change.field == "primary_completion_date"
             and c.change.change == "slip"]
    enrolled = [c.change for c in changes or [] if c.change.field == "enrollment"]
    first = enrolled[0].old if enrolled else None
    first_count = first.get("count") if isinstance(first, dict) else first if isinstance(first, int) else None
    return TrialLine(
        nct_id=nct_id, title=snap.title or None, phase="/".join(snap.phases) or None, status=snap.overall_status,
        enrollment=snap.enrollment_count, enrollment_type=snap.enrollment_type,
        primary_completion=snap.primary_completion_date,
        primary_completion_slips=len(slips), primary_completion_slip_months=sum(c.slip_months or 0 for c in slips),
        enrollment_from=first_count if first_count != snap.enrollment_count else None, versions=versions,
    )
