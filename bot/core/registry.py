"""ClinicalTrials.gov for programmes: a lookup's search by intervention (one paced request, cached a day) and the
quiet back-fill of a newly registered or tracked programme (its trials, optionally their version history)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from pydantic import BaseModel

from bot.core.context import CoreContext
from bot.core.trials import ensure_ctgov_source
from storage.models import Program, utcnow
from storage.names import fold_name
from storage.trial_models import TrialSnapshot
from watchers.fetch.http import FetchError
from watchers.route.learning import learnable
from watchers.sources.ctgov.history import fetch_history
from watchers.sources.ctgov.record import RecordError, snapshot_from_record

MAX_BACKFILL_TRIALS = 50  # a programme's own trials; a name matching hundreds is too generic to watch them all
MAX_HISTORY_TRIALS = 10  # each history costs a few paced requests


class Onboarded(BaseModel):
    """What the back-fill of one programme did."""

    program: str
    trials: list[str]
    history_trials: int = 0
    aliases_added: list[str] = []
    notes: list[str] = []


async def search_registry(ctx: CoreContext, terms: Sequence[str], sponsor: str | None = None) -> list[TrialSnapshot]:
    """Trials whose interventions are one of these names: one request, its answer reused for a day. Raises
    FetchError when the registry cannot be asked and nothing is cached."""
    terms = [t.strip() for t in terms if t.strip()]
    key = "intr:" + "|".join(sorted({fold_name(t) for t in terms}))
    key += f";spons:{fold_name(sponsor)}" if sponsor else ""
    now = utcnow()
    since = now - timedelta(hours=ctx.settings.lookup_cache_hours)
    cached = await ctx.store.trials.cached_search(key, since)
    if cached is not None:
        return cached
    studies = await ctx.ctgov().search(terms, sponsor, max_pages=1)
    snaps: list[TrialSnapshot] = []
    for study in studies:
        try:
            snaps.append(snapshot_from_record(study))
        except RecordError:
            continue
    await ctx.store.trials.save_search(key, snaps, now)
    await ctx.store.trials.note_interventions([n for s in snaps for n in s.interventions], now)
    return snaps


def matching_interventions(snaps: Sequence[TrialSnapshot], names: Sequence[str]) -> list[str]:
    """Other names of the intervention the trials list under one of these names (its `otherNames`)."""
    wanted = {fold_name(n) for n in names}
    out: list[str] = []
    for snap in snaps:
        folded = [fold_name(i) for i in snap.interventions]
        if wanted & set(folded):
            out.extend(i for i in snap.interventions if fold_name(i) not in wanted)
    return list(dict.fromkeys(out))


async def onboard(ctx: CoreContext, program: Program) -> Onboarded:
    """Back-fill a programme once, quietly: its trials are watched and snapshotted today (no alerts: a first
    snapshot has no changes), with their version history when CTGOV_HISTORY is on. Never fails the command that
    registered the programme: what could not be read is a note."""
    done = Onboarded(program=program.name, trials=[])
    names = [program.name, *program.aliases]
    try:
        snaps = await search_registry(ctx, names)
    except FetchError as exc:
        done.notes.append(f"ClinicalTrials.gov could not be searched ({exc}); the card starts empty.")
        return done
    if program.sponsors and len(snaps) > MAX_BACKFILL_TRIALS:
        # Too many for the names alone: keep the sponsor's own.
        sponsors = {fold_name(s) for s in program.sponsors}
        snaps = [s for s in snaps if s.sponsor and fold_name(s.sponsor) in sponsors] or snaps
    snaps = snaps[:MAX_BACKFILL_TRIALS]
    if not snaps:
        done.notes.append("No trials on ClinicalTrials.gov list it as an intervention.")
        return done
    now = utcnow()
    await ensure_ctgov_source(ctx)
    await ctx.store.trials.save_snapshots(snaps, now)
    await ctx.store.trials.add_watches([s.nct_id for s in snaps], program.name)
    done.trials = [s.nct_id for s in snaps]
    if program.kind == "learned":
        # The registry's other names of the same intervention join a learned programme (never a registered one's).
        others = [n for n in matching_interventions(snaps, names) if learnable(n, None)]
        free = [n for n in others if fold_name(n) not in await ctx.store.programs.known([fold_name(n)])]
        if free:
            await ctx.store.programs.add_aliases(program.id, free)
            done.aliases_added = free
    if ctx.settings.ctgov_history:
        for snap in snaps[:MAX_HISTORY_TRIALS]:
            result = await fetch_history(ctx.ctgov(), ctx.settings.ctgov_history_url, snap.nct_id, snap)
            if result.error:
                done.notes.append(result.error)
                continue
            await ctx.store.trials.save_history(snap.nct_id, result.versions, result.changes)
            done.history_trials += 1
    return done
