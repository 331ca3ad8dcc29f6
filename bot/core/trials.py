"""Trial commands: watch by NCT ID (validated, then checked by one request) or by programme, unwatch, list, show."""
from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel

from bot.core.context import Actor, CommandError, CoreContext, require_manage
from storage.models import ChannelRef, Source
from storage.store import StoreError
from storage.trial_models import ProgramQuery, StoredTrialChange, TrialSnapshot, TrialWatch
from watchers.fetch.http import FetchError
from watchers.parse.bidi import strip_bidi_controls
from watchers.sources.ctgov.record import NCT_ID, RecordError, snapshot_from_record

CTGOV_SOURCE_NAME = "ClinicalTrials.gov"
MAX_IDS_PER_COMMAND = 100
# 100 IDs of 11 characters with generous separators; anything longer is refused before it is even split.
MAX_INPUT_CHARS = 4000


class TrialsWatched(BaseModel):
    added: list[TrialSnapshot]
    already: list[str]
    program: str | None = None


class ProgramWatched(BaseModel):
    query: ProgramQuery
    trials_now: int


class WatchedTrial(BaseModel):
    watch: TrialWatch
    snapshot: TrialSnapshot | None = None


class TrialList(BaseModel):
    trials: list[WatchedTrial]
    programs: list[ProgramQuery]
    registry: Source | None = None  # the ctgov source, for its health


class TrialDetail(BaseModel):
    nct_id: str
    watch: TrialWatch | None = None
    snapshot: TrialSnapshot | None = None
    changes: list[StoredTrialChange]


def parse_nct_ids(raw: Sequence[str]) -> list[str]:
    """Validate before any request: `NCT` + 8 digits, case and surrounding commas forgiven.

    The input's size is bounded first, so an enormous argument (100,000 IDs, a megabyte of text) is one quick
    refusal rather than minutes of work or a storm of requests."""
    if len(raw) > MAX_INPUT_CHARS or sum(len(token) for token in raw) > MAX_INPUT_CHARS:
        raise CommandError(f"Too much input: at most {MAX_IDS_PER_COMMAND} NCT IDs per command.")
    ids: dict[str, None] = {}
    for token in raw:
        for part in re.split(r"[\s,]+", token):
            if not part:
                continue
            nct = part.upper()
            if not NCT_ID.match(nct):
                shown = part if len(part) <= 40 else part[:37] + "..."
                raise CommandError(
                    f"{shown!r} is not an NCT ID: expected NCT followed by 8 digits, e.g. NCT05531279."
                )
            ids[nct] = None
    if not ids:
        raise CommandError("Give at least one NCT ID, e.g. NCT05531279.")
    if len(ids) > MAX_IDS_PER_COMMAND:
        raise CommandError(f"At most {MAX_IDS_PER_COMMAND} NCT IDs per command.")
    return list(ids)


async def ensure_ctgov_source(ctx: CoreContext) -> Source:
    """The one source standing for the registry: polling it refreshes every watched trial."""
    url = ctx.settings.ctgov_base_url
    source = await ctx.store.sources.find("ctgov", url)
    return source or await ctx.store.sources.add("ctgov", url, CTGOV_SOURCE_NAME)


async def watch_trials(
    ctx: CoreContext, actor: Actor, raw_ids: Sequence[str], program: str | None = None,
    channel: ChannelRef | None = None,
) -> TrialsWatched:
    require_manage(actor, "watch trials")
    ids = parse_nct_ids(raw_ids)
    program = _clean_name(program) if program is not None else None
    fetched = await ctx.ctgov().fetch_ids(ids)
    if fetched.errors and fetched.last_error is not None and fetched.last_error.status == 404:
        raise CommandError(f"Not found on ClinicalTrials.gov: {', '.join(ids)} (HTTP 404). Nothing was added.")
    if fetched.errors:
        raise CommandError(f"Cannot check {', '.join(ids)} on ClinicalTrials.gov: {fetched.errors[0]}")
    found: dict[str, TrialSnapshot] = {}
    for study in fetched.studies:
        try:
            snap = snapshot_from_record(study)
        except RecordError:
            continue
        found[snap.nct_id] = snap
    unknown = [n for n in ids if n not in found]
    if unknown:
        raise CommandError(f"Not found on ClinicalTrials.gov: {', '.join(unknown)}. Nothing was added.")
    await ensure_ctgov_source(ctx)
    added, already = await ctx.store.trials.add_watches(ids, program, channel, actor.user_id)
    return TrialsWatched(added=[found[n] for n in added], already=already, program=program)


async def watch_program(
    ctx: CoreContext, actor: Actor, program: str, aliases: Sequence[str] = (), sponsor: str | None = None,
    channel: ChannelRef | None = None,
) -> ProgramWatched:
    require_manage(actor, "watch programmes")
    name = _clean_name(program)
    terms = list(dict.fromkeys([name, *(_clean_name(a) for a in aliases)]))
    sponsor = _clean_name(sponsor) if sponsor else None
    if await ctx.store.trials.find_query(name):
        raise CommandError(f"Programme {name} is already watched.")
    try:
        studies = await ctx.ctgov().search(terms, sponsor)
    except FetchError as exc:
        raise CommandError(f"Cannot search ClinicalTrials.gov for {name}: {exc}") from None
    await ensure_ctgov_source(ctx)
    try:
        query = await ctx.store.trials.add_query(name, terms, sponsor, channel, actor.user_id)
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    return ProgramWatched(query=query, trials_now=len(studies))


async def unwatch_trials(ctx: CoreContext, actor: Actor, raw_ids: Sequence[str]) -> list[str]:
    require_manage(actor, "unwatch trials")
    ids = parse_nct_ids(raw_ids)
    removed = await ctx.store.trials.remove_watches(ids)
    if not removed:
        raise CommandError(f"Not watched: {', '.join(ids)}; `trials list` shows what is.")
    return removed


async def unwatch_program(ctx: CoreContext, actor: Actor, program: str) -> tuple[ProgramQuery, int]:
    require_manage(actor, "unwatch programmes")
    query = await ctx.store.trials.find_query(program.strip())
    if query is None:
        raise CommandError(f"Programme {program.strip()} is not watched; `trials list` shows what is.")
    return query, await ctx.store.trials.remove_query(query.id)


async def list_trials(ctx: CoreContext) -> TrialList:
    watches = await ctx.store.trials.list_watches()
    snaps = await ctx.store.trials.snapshots([w.nct_id for w in watches])
    return TrialList(
        trials=[WatchedTrial(watch=w, snapshot=snaps.get(w.nct_id)) for w in watches],
        programs=await ctx.store.trials.list_queries(),
        registry=await ctx.store.sources.find("ctgov", ctx.settings.ctgov_base_url),
    )


async def enable_registry(ctx: CoreContext, actor: Actor) -> Source:
    """Re-enable the ClinicalTrials.gov source after it was disabled for failing too often."""
    require_manage(actor, "enable the ClinicalTrials.gov watcher")
    source = await ensure_ctgov_source(ctx)
    return await ctx.store.sources.set_enabled(source.id, True)


async def show_trial(ctx: CoreContext, raw_id: str) -> TrialDetail:
    [nct] = parse_nct_ids([raw_id])[:1]
    watch = await ctx.store.trials.get_watch(nct)
    snapshot = (await ctx.store.trials.snapshots([nct])).get(nct)
    if watch is None and snapshot is None:
        raise CommandError(f"{nct} is not watched; start with `trials watch {nct}`.")
    return TrialDetail(nct_id=nct, watch=watch, snapshot=snapshot, changes=await ctx.store.trials.changes(nct))


def _clean_name(name: str | None) -> str:
    clean = " ".join(strip_bidi_controls(name or "").split())
    if not clean:
        raise CommandError("A programme needs a name, e.g. --program azer-cel.")
    if len(clean) > 200:
        raise CommandError("That programme name is too long (over 200 characters).")
    return clean
