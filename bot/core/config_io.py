"""Export and import the bot's whole configuration: sources, programmes, trial watches and subscriptions.

One JSON document (`milestone-bot export FILE`) moves or backs up everything a user configured; feeds alone can also
go out and come in as OPML 2.0, the feed readers' standard. Import checks the whole document with the commands' own
validators (`feeds add`, `programs add`, `subscribe`: the address guard, the per-channel limit …) before it changes
anything, then applies it in one unit of work, and is idempotent: what already exists (same source URL, programme
name, trial, identical subscription) is left as it is, so importing twice changes nothing, and importing an export
into an empty store gives the same configuration back. Nothing is fetched: a new feed's first poll records its items
silently.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal
from xml.sax.saxutils import quoteattr

from pydantic import BaseModel, Field, ValidationError

from bot.core.context import Actor, CommandError, CoreContext, require_manage
from bot.core.feeds import check_feed_name, check_feed_url
from bot.core.programs import check_program
from bot.core.subscriptions import check_filters, check_mention, check_room, check_schedule
from storage.models import ProgramIn, SourceKind, SubscriptionFilters
from storage.repositories.subscriptions import AlreadySubscribed
from storage.store import StoreError, UnitOfWork
from watchers.fetch.http import FetchConfig
from watchers.parse.feed import FeedParseError, refuse_entity_declarations

FORMAT = "milestone-bot-config"
VERSION = 1
MAX_DOCUMENT_BYTES = 5_000_000
MAX_ENTRIES = 10_000
_NCT = re.compile(r"^NCT\d{8}$")


class SourceEntry(BaseModel):
    kind: SourceKind
    url: str = Field(min_length=1, max_length=2000)
    name: str = Field(min_length=1, max_length=200)
    enabled: bool = True


class TrialWatchEntry(BaseModel):
    nct_id: str
    program: str | None = Field(None, max_length=200)


class TrialProgramEntry(BaseModel):
    program: str = Field(min_length=1, max_length=200)
    terms: list[str] = Field(default_factory=list, max_length=50)
    sponsor: str | None = Field(None, max_length=200)


class SubscriptionEntry(BaseModel):
    platform: Literal["console", "discord", "slack"]
    channel_id: str = Field(min_length=1, max_length=200)
    filters: SubscriptionFilters = Field(default_factory=SubscriptionFilters)
    # Subscriptions that name sources by id name them by URL here: ids differ from store to store.
    source_urls: list[str] = Field(default_factory=list)
    mention: str | None = Field(None, max_length=200)
    mode: Literal["instant", "digest"] = "instant"
    digest_hour: int | None = Field(None, ge=0, le=23)
    created_by: str | None = Field(None, max_length=200)
    disabled_reason: str | None = Field(None, max_length=500)


class ConfigDocument(BaseModel):
    format: Literal["milestone-bot-config"] = FORMAT
    version: Literal[1] = VERSION
    sources: list[SourceEntry] = Field(default_factory=list, max_length=MAX_ENTRIES)
    programs: list[ProgramIn] = Field(default_factory=list, max_length=MAX_ENTRIES)
    trial_watches: list[TrialWatchEntry] = Field(default_factory=list, max_length=MAX_ENTRIES)
    trial_programs: list[TrialProgramEntry] = Field(default_factory=list, max_length=MAX_ENTRIES)
    subscriptions: list[SubscriptionEntry] = Field(default_factory=list, max_length=MAX_ENTRIES)


class ImportSummary(BaseModel):
    sources_added: int = 0
    programs_added: int = 0
    programs_updated: int = 0
    trials_added: int = 0
    trial_programs_added: int = 0
    subscriptions_added: int = 0
    unchanged: int = 0

    @property
    def changes(self) -> int:
        return (self.sources_added + self.programs_added + self.programs_updated + self.trials_added
                + self.trial_programs_added + self.subscriptions_added)


# -- export ----------------------------------------------------------------------------------------------


async def export_config(ctx: CoreContext) -> ConfigDocument:
    store = ctx.store
    sources = sorted(await store.sources.list(), key=lambda s: (s.kind, s.url))
    urls_by_id = {s.id: s.url for s in sources}
    subscriptions = []
    for sub in sorted(await store.subscriptions.list(), key=lambda s: (s.platform, s.channel_id, s.id)):
        filters = sub.filters.model_copy(update={"source_ids": []})
        subscriptions.append(SubscriptionEntry(
            platform=sub.platform, channel_id=sub.channel_id, filters=filters,
            source_urls=sorted(urls_by_id[i] for i in sub.filters.source_ids if i in urls_by_id),
            mention=sub.mention, mode=sub.mode, digest_hour=sub.digest_hour, created_by=sub.created_by,
            disabled_reason=(sub.disabled_reason or "disabled") if sub.disabled else None,
        ))
    programs = [
        ProgramIn(**p.model_dump(include=set(ProgramIn.model_fields)))
        for p in sorted(await store.programs.list(kind="registered"), key=lambda p: p.name.casefold())
    ]
    return ConfigDocument(
        sources=[SourceEntry(kind=s.kind, url=s.url, name=s.name, enabled=not s.disabled) for s in sources],
        programs=programs,
        # Trials a programme query brought in are found again by that query: only explicit watches are listed.
        trial_watches=[TrialWatchEntry(nct_id=w.nct_id, program=w.program)
                       for w in await store.trials.list_watches() if w.query_id is None],
        trial_programs=[TrialProgramEntry(program=q.program, terms=q.terms, sponsor=q.sponsor)
                        for q in sorted(await store.trials.list_queries(), key=lambda q: q.program.casefold())],
        subscriptions=subscriptions,
    )


def config_to_json(doc: ConfigDocument) -> str:
    return json.dumps(doc.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def feeds_to_opml(doc: ConfigDocument, title: str = "milestone-bot feeds") -> str:
    """The RSS/Atom feeds as OPML 2.0 (http://opml.org/spec2.opml): one `outline type="rss"` per feed."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">',
             f"  <head><title>{_text(title)}</title></head>", "  <body>"]
    for s in doc.sources:
        if s.kind == "rss":
            lines.append(f'    <outline type="rss" text={quoteattr(s.name)} title={quoteattr(s.name)} '
                         f"xmlUrl={quoteattr(s.url)}/>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- import ----------------------------------------------------------------------------------------------


def parse_document(data: bytes) -> ConfigDocument:
    """A JSON export or an OPML file, parsed whole; raises CommandError naming the first problem."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise CommandError(f"That file is too large (over {MAX_DOCUMENT_BYTES:,} bytes).")
    head = data.lstrip()[:1]
    if head.startswith(b"\xef\xbb\xbf"):
        head = data.lstrip()[3:4]
    return _parse_opml(data) if head == b"<" else _parse_json(data)


def _parse_json(data: bytes) -> ConfigDocument:
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except RecursionError:
        raise CommandError("Not a milestone-bot export: the JSON is too deeply nested.") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise CommandError(f"Not a milestone-bot export (JSON) or an OPML file: {_one_line(exc)}.") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise CommandError(f"Not a milestone-bot export: the JSON needs \"format\": \"{FORMAT}\".")
    try:
        return ConfigDocument.model_validate(raw)
    except RecursionError:
        raise CommandError("Not a milestone-bot export: the JSON is too deeply nested.") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise CommandError(f"Invalid export at {where}: {first['msg']}.") from None


def _parse_opml(data: bytes) -> ConfigDocument:
    try:
        refuse_entity_declarations(data)
        root = ET.fromstring(data)
    except FeedParseError as exc:
        raise CommandError(f"Not imported: {str(exc).removeprefix('refused: ')}.") from None
    except ET.ParseError as exc:
        raise CommandError(f"Not a valid OPML file: {_one_line(exc)}.") from None
    if root.tag != "opml":
        raise CommandError("Not an OPML file: the root element must be <opml>.")
    sources: list[SourceEntry] = []
    for outline in root.iter("outline"):  # categories nest outlines: every feed at any depth
        url = (outline.get("xmlUrl") or "").strip()
        if not url:
            continue
        name = (outline.get("title") or outline.get("text") or url).strip()[:200] or url
        try:
            sources.append(SourceEntry(kind="rss", url=url, name=name))
        except ValidationError as exc:
            raise CommandError(f"Invalid feed in the OPML file ({url[:80]}): {exc.errors()[0]['msg']}.") from None
        if len(sources) > MAX_ENTRIES:
            raise CommandError(f"At most {MAX_ENTRIES:,} feeds per file.")
    return ConfigDocument(sources=sources)


@dataclass
class _Checked:
    """The document as the commands would store it: every value through the command's own validator."""

    sources: list[SourceEntry]
    programs: list[tuple[ProgramIn, list[str]]]
    trial_watches: list[TrialWatchEntry]
    trial_programs: list[TrialProgramEntry]
    subscriptions: list[SubscriptionEntry]


def check_document(doc: ConfigDocument, fetch: FetchConfig) -> _Checked:
    """Everything that can be checked without the store, with the validators of `feeds add`, `programs add`,
    `trials watch` and `subscribe`; raises CommandError naming the first problem."""
    sources: dict[tuple[str, str], SourceEntry] = {}
    for s in doc.sources:
        url = check_feed_url(s.url, fetch)
        sources.setdefault((s.kind, url), s.model_copy(update={"url": url, "name": check_feed_name(s.name) or url}))
    programs: dict[str, tuple[ProgramIn, list[str]]] = {}
    for p in doc.programs:
        tidy, needs_sponsor = check_program(p)
        if programs.setdefault(tidy.name.casefold(), (tidy, needs_sponsor))[0] != tidy:
            raise CommandError(f"The programme {tidy.name} is in the file twice, differently.")
    watches = []
    for w in doc.trial_watches:
        if not _NCT.match(w.nct_id):
            raise CommandError(f"{w.nct_id[:40]!r} is not an NCT ID (NCT followed by 8 digits).")
        watches.append(w.model_copy(update={"program": check_feed_name(w.program) or None}))
    trial_programs = []
    for q in doc.trial_programs:
        name = check_feed_name(q.program)
        if not name:
            raise CommandError("A trial programme in the file has no name.")
        trial_programs.append(q.model_copy(update={
            "program": name, "terms": [t for t in map(check_feed_name, q.terms) if t],
            "sponsor": check_feed_name(q.sponsor) or None}))
    urls = {url for _, url in sources}
    subscriptions = []
    for sub in doc.subscriptions:
        f = sub.filters
        if f.source_ids:
            raise CommandError("Subscriptions name sources by URL (source_urls), not by id.")
        where = f"A subscription of {sub.platform} {sub.channel_id[:40]}"
        try:
            filters = check_filters(f.programs, f.sponsors, f.kinds, f.subtypes, f.keywords)
            check_schedule(sub.mode, sub.digest_hour)
        except CommandError as exc:
            raise CommandError(f"{where}: {exc}") from None
        source_urls = sorted({u.strip() for u in sub.source_urls})
        for url in source_urls:
            if url not in urls:
                raise CommandError(f"{where} names a source not in the file: {url[:80]}")
        subscriptions.append(sub.model_copy(update={
            "filters": f.model_copy(update=filters.model_dump(exclude={"source_ids"})),
            "source_urls": source_urls, "mention": check_mention(sub.mention)}))
    return _Checked(list(sources.values()), list(programs.values()), watches, trial_programs, subscriptions)


async def import_config(ctx: CoreContext, actor: Actor, data: bytes) -> ImportSummary:
    """Check the whole file, then apply it in one transaction: it all lands or nothing does."""
    require_manage(actor, "import configuration")
    checked = check_document(parse_document(data), ctx.fetcher.config)
    try:
        async with ctx.store.unit_of_work() as uow:
            return await _apply(uow, checked, ctx.settings.max_subscriptions_per_channel)
    except StoreError as exc:
        raise CommandError(f"Not imported, nothing was changed: {exc}.") from None


async def _apply(uow: UnitOfWork, doc: _Checked, per_channel: int) -> ImportSummary:
    out = ImportSummary()
    known = {(s.kind, s.url): s for s in await uow.sources.list()}
    ids_by_url: dict[str, int] = {}
    for entry in doc.sources:
        existing = known.get((entry.kind, entry.url))
        if existing is None:
            existing = await uow.sources.add(entry.kind, entry.url, entry.name)
            if not entry.enabled:
                existing = await uow.sources.set_enabled(existing.id, False)
            out.sources_added += 1
        else:
            out.unchanged += 1
        ids_by_url[entry.url] = existing.id
    programs = {p.name.casefold(): p for p in await uow.programs.list()}
    for tidy, needs_sponsor in doc.programs:
        found = programs.get(tidy.name.casefold())
        try:
            if found is None:
                programs[tidy.name.casefold()] = await uow.programs.add(tidy, needs_sponsor)
                out.programs_added += 1
            elif ProgramIn(**found.model_dump(include=set(ProgramIn.model_fields))) != tidy:
                await uow.programs.update(found.id, tidy, needs_sponsor)
                out.programs_updated += 1
            else:
                out.unchanged += 1
        except StoreError as exc:
            raise CommandError(f"Not imported, nothing was changed: programme {tidy.name}: {exc}.") from None
    for watch in doc.trial_watches:
        added, _ = await uow.trials.add_watches([watch.nct_id], watch.program)
        out.trials_added += len(added)
        out.unchanged += 1 - len(added)
    for query in doc.trial_programs:
        if await uow.trials.find_query(query.program) is None:
            await uow.trials.add_query(query.program, query.terms or [query.program], query.sponsor)
            out.trial_programs_added += 1
        else:
            out.unchanged += 1
    # One read of every subscription, grouped by channel: not one read per imported subscription (quadratic).
    by_channel: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for sub in await uow.subscriptions.list():
        by_channel[(sub.platform, sub.channel_id)].append(sub)
    new: dict[tuple[str, str], list[tuple[SubscriptionEntry, SubscriptionFilters]]] = defaultdict(list)
    for entry in doc.subscriptions:
        names = []
        for name in entry.filters.programs:  # as `subscribe` stores them: the registry's name
            program = programs.get(name.casefold()) or await uow.programs.find(name)
            if program is None:
                raise CommandError(f"A subscription of {entry.platform} {entry.channel_id[:40]} names the "
                                   f"programme '{name[:60]}', which is neither in the file nor registered.")
            names.append(program.name)
        filters = entry.filters.model_copy(update={
            "programs": names, "source_ids": sorted(ids_by_url[u] for u in entry.source_urls)})
        key = (entry.platform, entry.channel_id)
        if any(_same(s.filters, s, entry, filters) for s in by_channel[key]) or any(
                _same(f, e, entry, filters) for e, f in new[key]):
            out.unchanged += 1
        else:
            new[key].append((entry, filters))
    for (platform, channel_id), entries in new.items():
        try:
            check_room(len(by_channel[(platform, channel_id)]), len(entries), per_channel)
        except CommandError as exc:
            raise CommandError(f"Not imported: {platform} channel {channel_id[:40]}: {exc}") from None
    for (platform, channel_id), entries in new.items():
        for entry, filters in entries:
            try:
                sub = await uow.subscriptions.add(platform, channel_id, filters, mention=entry.mention,
                                                  mode=entry.mode, digest_hour=entry.digest_hour,
                                                  created_by=entry.created_by)
            except AlreadySubscribed:  # the same filters with another mention: one subscription per filter set
                out.unchanged += 1
                continue
            if entry.disabled_reason:
                await uow.subscriptions.disable(sub.id, entry.disabled_reason)
            out.subscriptions_added += 1
    return out


def _same(filters: SubscriptionFilters, sub: Any, entry: SubscriptionEntry, entry_filters: SubscriptionFilters) -> bool:
    return (filters == entry_filters and sub.mention == entry.mention and sub.mode == entry.mode
            and sub.digest_hour == entry.digest_hour)


def _one_line(value: object) -> str:
    return " ".join(str(value).split())[:200]
