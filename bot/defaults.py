"""The watch list a new store starts with, so the main job shows real alerts at once."""
from __future__ import annotations

from bot.core.programs import check_program, default_programs_file, parse_programs_toml
from storage.store import Store
from storage.trial_models import ChannelRef

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
    """Seed once per store: a user who removes the defaults does not get them back."""
    seeded = await _seed_trials(store, ctgov_base_url)
    if await store.get_meta(_SEEDED):
        return seeded
    for name, url in DEFAULT_FEEDS:
        if await store.find_source("rss", url) is None:
            await store.add_source("rss", url, name)
    if await store.find_source("openfda", openfda_base_url) is None:
        await store.add_source("openfda", openfda_base_url, "openFDA Drugs@FDA approvals")
    for program in parse_programs_toml(default_programs_file().read_text(encoding="utf-8")):
        if await store.find_program(program.name) is None:
            tidy, needs_sponsor = check_program(program)
            await store.add_program(tidy, needs_sponsor)
    await store.set_meta(_SEEDED, "1")
    return True


async def _seed_trials(store: Store, ctgov_base_url: str) -> bool:
    if await store.get_meta(_SEEDED_TRIALS):
        return False
    if await store.find_source("ctgov", ctgov_base_url) is None:
        await store.add_source("ctgov", ctgov_base_url, "ClinicalTrials.gov")
    await store.add_trial_watches(DEFAULT_TRIALS, None, ChannelRef(platform="console", channel_id="stdout"), "defaults")
    await store.set_meta(_SEEDED_TRIALS, "1")
    return True
