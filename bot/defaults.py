"""The watch list a new store starts with, so the main job shows real alerts at once."""
from __future__ import annotations

from bot.core.programs import check_program, default_programs_file, parse_programs_toml
from storage.store import Store

DEFAULT_FEEDS: list[tuple[str, str]] = [
    ("FDA press releases",
     "https://www.fda.gov/about-fda/contact-fda/stay-informed/rss-feeds/press-releases/rss.xml"),
    ("FDA drugs news", "https://www.fda.gov/about-fda/contact-fda/stay-informed/rss-feeds/drugs/rss.xml"),
    ("GlobeNewswire biotechnology",
     "https://www.globenewswire.com/RssFeed/industry/4573-Biotechnology/feedTitle/"
     "GlobeNewswire%20-%20Industry%20News%20on%20Biotechnology"),
]

_SEEDED = "seeded_defaults"


async def seed_defaults(store: Store, openfda_base_url: str = "https://api.fda.gov") -> bool:
    """Seed once per store: a user who removes the defaults does not get them back."""
    if await store.get_meta(_SEEDED):
        return False
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
