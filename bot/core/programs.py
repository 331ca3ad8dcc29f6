"""Programme registry commands: add, remove, list, import/export TOML, and name suggestions."""
from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path

import tomli_w
from pydantic import BaseModel, ValidationError

from bot.core.common_words import COMMON_WORDS
from bot.core.context import Actor, CommandError, CoreContext, require_manage
from bot.core.filings import ensure_filings_source, normalise_cik
from storage.models import Program, ProgramIn
from storage.names import fold_name
from storage.store import StoreError
from watchers.parse.bidi import strip_bidi_controls

_NCT = re.compile(r"^NCT\d{8}$")
MAX_ALIASES = 30


class ImportReport(BaseModel):
    added: list[str]
    updated: list[str]
    unchanged: list[str] = []


def check_program(program: ProgramIn) -> tuple[ProgramIn, list[str]]:
    """Validate and tidy a programme; returns it and the aliases that need the sponsor nearby to match."""
    program = _without_bidi_controls(program)
    name = program.name.strip()
    if not name:
        raise CommandError("A programme needs a name.")
    aliases = list(dict.fromkeys(a.strip() for a in program.aliases if a.strip() and fold_name(a) != fold_name(name)))
    if len(aliases) > MAX_ALIASES:
        raise CommandError(f"At most {MAX_ALIASES} aliases per programme.")
    sponsors = list(dict.fromkeys(s.strip() for s in program.sponsors if s.strip()))
    nct_ids = [n.strip().upper() for n in program.nct_ids if n.strip()]
    cik = normalise_cik(program.cik) if program.cik and program.cik.strip() else None
    for nct in nct_ids:
        if not _NCT.match(nct):
            raise CommandError(f"'{nct}' is not an NCT ID (NCT followed by 8 digits).")
    needs_sponsor = []
    for alias in [name, *aliases]:
        norm = fold_name(alias)
        if len(norm) < 3:
            raise CommandError(f"'{alias}' is too short to match reliably; use a longer name or alias.")
        if norm in COMMON_WORDS or alias.strip().casefold() in COMMON_WORDS:
            if not sponsors:
                raise CommandError(
                    f"'{alias}' is a common word: give the programme a sponsor (it will then match only where "
                    "the sponsor is named) or use a more specific name."
                )
            needs_sponsor.append(alias)
    tidy = program.model_copy(
        update={"name": name, "aliases": aliases, "sponsors": sponsors, "nct_ids": nct_ids, "cik": cik}
    )
    return tidy, needs_sponsor


def _without_bidi_controls(program: ProgramIn) -> ProgramIn:
    """Every text field without bidi controls (they would make a name read as another in alerts)."""
    fields = program.model_dump()
    for key, value in fields.items():
        if isinstance(value, str):
            fields[key] = strip_bidi_controls(value)
        elif isinstance(value, list):
            fields[key] = [strip_bidi_controls(v) for v in value]
    return ProgramIn(**fields)


async def add_program(ctx: CoreContext, actor: Actor, program: ProgramIn) -> Program:
    require_manage(actor, "add programmes")
    tidy, needs_sponsor = check_program(program)
    try:
        added = await ctx.store.programs.add(tidy, needs_sponsor)
    except StoreError as exc:
        raise CommandError(f"Cannot add {tidy.name}: {exc}.") from None
    if added.cik:
        await ensure_filings_source(ctx, added.cik, (added.sponsors or [added.name])[0])
    return added


async def remove_program(ctx: CoreContext, actor: Actor, name: str) -> Program:
    require_manage(actor, "remove programmes")
    program = await resolve_program(ctx, name)
    await ctx.store.programs.remove(program.id)
    return program


async def list_programs(ctx: CoreContext) -> list[Program]:
    """The registered programmes (learned ones: `programs list --learned`)."""
    return await ctx.store.programs.list(kind="registered")


async def resolve_program(ctx: CoreContext, name: str) -> Program:
    """The programme by name or alias; unknown names get 'did you mean' suggestions."""
    name = name.strip()
    if not name:
        raise CommandError("Give a programme name.")
    program = await ctx.store.programs.find(name)
    if program is None:
        raise CommandError(await unknown_program_message(ctx, name))
    return program


async def unknown_program_message(ctx: CoreContext, name: str, what: str = "programme") -> str:
    """'No programme named …', with suggestions from every known name: registered and learned programmes' names
    and aliases, and intervention names seen on ClinicalTrials.gov. Candidates share the typed name's first
    character (an index range, not the whole table), then difflib ranks them."""
    norm = fold_name(name)
    candidates: dict[str, str] = {}  # folded candidate → what to suggest
    if norm:
        for alias, program in await ctx.store.programs.similar_names(norm[:1]):
            candidates.setdefault(fold_name(alias), program)
        for intervention in await ctx.store.trials.intervention_choices(norm[:1] + "%", 2000):
            candidates.setdefault(fold_name(intervention), intervention)
        for program in await ctx.store.programs.name_choices(norm, 5):  # contains the typed text anywhere
            candidates.setdefault(fold_name(program), program)
    close = difflib.get_close_matches(norm, list(candidates), n=5, cutoff=0.6)
    partial = [n for n in candidates if norm and norm in n]
    suggestions = list(dict.fromkeys(candidates[n] for n in [*close, *partial]))[:3]
    shown = name if len(name) <= 60 else name[:57] + "..."
    if suggestions:
        return f"No {what} named '{shown}'. Did you mean {', '.join(suggestions)}?"
    return f"No {what} named '{shown}'. `programs list` shows the known ones; `programs add` creates one."


def parse_programs_toml(text: str) -> list[ProgramIn]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CommandError(f"Not valid TOML: {exc}.") from None
    entries = data.get("program")
    if not isinstance(entries, list):
        raise CommandError("The file needs [[program]] tables (see bot/data/programs.toml).")
    out = []
    for i, entry in enumerate(entries, 1):
        try:
            out.append(ProgramIn.model_validate(entry))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            raise CommandError(f"Programme #{i} in the file: {where}: {first['msg']}.") from None
    return out


async def import_programs(ctx: CoreContext, actor: Actor, text: str) -> ImportReport:
    """Add new programmes and update those that differ (matched by name); the file is checked whole first, then
    applied in one transaction, so a programme the store refuses leaves nothing half-imported."""
    require_manage(actor, "import programmes")
    checked: dict[str, tuple[ProgramIn, list[str]]] = {}
    for program, needs_sponsor in map(check_program, parse_programs_toml(text)):
        if checked.setdefault(program.name.casefold(), (program, needs_sponsor))[0] != program:
            raise CommandError(f"The programme {program.name} is in the file twice, differently.")
    report = ImportReport(added=[], updated=[])
    try:
        async with ctx.store.unit_of_work() as uow:
            existing = {p.name.casefold(): p for p in await uow.programs.list()}
            for program, needs_sponsor in checked.values():
                found = existing.get(program.name.casefold())
                try:
                    if found is None:
                        await uow.programs.add(program, needs_sponsor)
                        report.added.append(program.name)
                    elif ProgramIn(**found.model_dump(include=set(ProgramIn.model_fields))) != program:
                        await uow.programs.update(found.id, program, needs_sponsor)
                        report.updated.append(program.name)
                    else:
                        report.unchanged.append(program.name)
                except StoreError as exc:
                    raise CommandError(f"Cannot import {program.name}: {exc}; nothing was changed.") from None
                if program.cik:
                    await ensure_filings_source(ctx, program.cik, (program.sponsors or [program.name])[0], uow.sources)
    except StoreError as exc:
        raise CommandError(f"Not imported, nothing was changed: {exc}.") from None
    return report


def programs_to_toml(programs: list[Program]) -> str:
    """TOML that `programs import` reads back, whatever the text holds (tomli-w escapes what TOML forbids raw, such
    as U+007F, which a hand-written escaper let through)."""
    entries = []
    for p in programs:
        entry: dict[str, object] = {"name": p.name}
        for key in ("aliases", "sponsors", "nct_ids", "cik", "ticker", "indication", "notes"):
            value = getattr(p, key)
            if value:
                entry[key] = value
        entries.append(entry)
    header = "# milestone-bot programmes: `milestone-bot programs import FILE` reads this back.\n\n"
    return header + tomli_w.dumps({"program": entries}) if entries else header


def default_programs_file() -> Path:
    return Path(__file__).resolve().parents[1] / "data" / "programs.toml"
