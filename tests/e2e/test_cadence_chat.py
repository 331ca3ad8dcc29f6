"""The learned cadence in /feeds list and the publication → alert delay in /why, on Discord and on Slack (the CLI's
are in test_cadence_cli.py): the same answers through each front end's renderer."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.core.context import CoreContext
from bot.core.feeds import list_feeds
from bot.core.why import why
from bot.discord.embeds import feeds_embed, why_embed
from bot.settings import Settings
from bot.slack.blocks import feeds_message, why_message
from storage.store import Store
from tests.support.feeds import Item, items, rss
from tests.support.local_server import LocalServer
from tests.support.pipeline import Pipeline
from watchers.fetch.http import FetchConfig, Fetcher

CADENCE = r"cadence: learned from 6 dates, busiest \w{3} \d\d:00.*\(Eastern\); [\d.]+ polls/day; next poll \d{4}-"
NEW_FEED = r"cadence: new feed, no items yet: polled on all feeds' habits, busiest \w{3} \d\d:00.*\(Eastern\)"
TIMING = r"published (\S+ \S+) UTC → detected \+\d+ min \d+ s → alert sent \+\d+ min \d+ s"


async def test_feeds_and_why_show_cadence_and_delay_in_discord_and_slack(server: LocalServer, store: Store) -> None:
    server.static("/f.xml", rss(items(6)))
    await store.sources.add("rss", server.url("/f.xml"), "Acme Bio releases")
    server.static("/new.xml", rss([]))  # a new issuer's feed, no item yet: polled on every feed's habits
    await store.sources.add("rss", server.url("/new.xml"), "New issuer releases")
    async with Fetcher(FetchConfig(timeout_seconds=2, allow_private_addresses=True)) as fetcher:
        ctx = CoreContext(store, fetcher, Settings(_env_file=None))
        pipe = Pipeline(store, fetcher)
        await pipe.cycle_and_deliver()
        listing = await list_feeds(ctx)
        assert re.search(CADENCE, str(feeds_embed(listing).to_dict()))
        assert re.search(CADENCE, str(feeds_message(listing).blocks))
        assert re.search(NEW_FEED, str(feeds_embed(listing).to_dict()))
        assert re.search(NEW_FEED, str(feeds_message(listing).blocks))

        published = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=90)
        fresh = Item("Acme Bio announces topline results", guid="fresh", link="https://news.test/fresh",
                     published=published)
        server.static("/f.xml", rss([*items(6), fresh]))
        await pipe.cycle_and_deliver()
        [event] = await store.events.latest(limit=1)
        answer = await why(ctx, event.id)
        assert answer.alerted_at is not None
        discord_timing = next(f["value"] for f in why_embed(answer).to_dict()["fields"] if f["name"] == "Timing")
        found = re.search(TIMING, discord_timing)
        assert found and found.group(1) == f"{published:%Y-%m-%d %H:%M:%S}", discord_timing
        found = re.search(TIMING, str(why_message(answer).blocks))
        assert found and found.group(1) == f"{published:%Y-%m-%d %H:%M:%S}"
