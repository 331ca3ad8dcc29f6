"""The watch list a new store starts with, so the main job shows real alerts at once."""
from __future__ import annotations

from bot.core.programs import check_program, default_programs_file, parse_programs_toml
from storage.models import ChannelRef
from storage.store import Repositories, Store

DEFAULT_FEEDS: list[tuple[str, str]] = [
    ("FDA press releases",
     "https://www.fda.gov/about-fda/contact-fda/stay-informed/rss-feeds/press-releases/rss.xml"),
    ("FDA drugs news", "https://www.fda.gov/about-fda/contact-fda/stay-informed/rss-feeds/drugs/rss.xml"),
    ("GlobeNewswire biotechnology",
     "https://www.globenewswire.com/RssFeed/industry/4573-Biotechnology/feedTitle/"
     "GlobeNewswire%20-%20Industry%20News%20on%20Biotechnology"),
]

# Real trials (records in ../shared/reference/ctgov) still moving: recruiting or not yet recruiting, with
# estimated completion dates that may slip. Their first poll posts one "now watching" summary on the console.
DEFAULT_TRIALS: list[str] = ["NCT05531279", "NCT05602779", "NCT06714279"]
DEFAULT_CTGOV_URL = "https://clinicaltrials.gov/api/v2"

_SEEDED = "seeded_defaults"
_SEEDED_TRIALS = "seeded_ctgov_defaults"  # its own flag, so stores seeded before the ctgov watcher get it once


async def seed_defaults(
    store: Store, openfda_base_url: str = "https://api.fda.gov", ctgov_base_url: str = DEFAULT_CTGOV_URL
) -> bool:
    """Seed once per store: a user who removes the defaults does not get them back. One transaction: when any part
    fails (a registered programme already uses a default's alias), nothing is added and nothing is marked seeded."""
    async with store.unit_of_work() as uow:
        return await _seed(uow, openfda_base_url, ctgov_base_url)


async def _seed(store: Repositories, openfda_base_url: str, ctgov_base_url: str) -> bool:
    seeded = await _seed_trials(store, ctgov_base_url)
    if await store.meta.get(_SEEDED):
        return seeded
    for name, url in DEFAULT_FEEDS:
        if await store.sources.find("rss", url) is None:
            await store.sources.add("rss", url, name)
    if await store.sources.find("openfda", openfda_base_url) is None:
        await store.sources.add("openfda", openfda_base_url, "openFDA Drugs@FDA approvals")
    for program in parse_programs_toml(default_programs_file().read_text(encoding="utf-8")):
        if await store.programs.find(program.name) is None:
            tidy, needs_sponsor = check_program(program)
            await store.programs.add(tidy, needs_sponsor)
    await store.meta.set(_SEEDED, "1")
    return True


async def _seed_trials(store: Repositories, ctgov_base_url: str) -> bool:
    if await store.meta.get(_SEEDED_TRIALS):
        return False
    if await store.sources.find("ctgov", ctgov_base_url) is None:
        await store.sources.add("ctgov", ctgov_base_url, "ClinicalTrials.gov")
    console = ChannelRef(platform="console", channel_id="stdout")
    await store.trials.add_watches(DEFAULT_TRIALS, None, console, "defaults")
    await store.meta.set(_SEEDED_TRIALS, "1")
    return True
