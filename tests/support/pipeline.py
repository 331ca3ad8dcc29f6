"""The real pipeline in-process: every watcher, the poll cycle, the store, the outbox and a console sink."""
from __future__ import annotations

import io
import json

from bot.delivery.console import ConsoleSink
from bot.delivery.dispatcher import Dispatcher
from storage.store import Store
from watchers.fetch.http import Fetcher
from watchers.schedule.poll_cycle import CycleConfig, PollCycle
from watchers.sources import SourceConfig, build_watchers


class Pipeline:
    def __init__(self, store: Store, fetcher: Fetcher, max_failures: int = 11, as_json: bool = False) -> None:
        self.store = store
        self.out = io.StringIO()
        self.sink = ConsoleSink(self.out, as_json=as_json)
        no_pacing = SourceConfig(openfda_min_interval=0, ctgov_request_interval_seconds=0,
                                 release_page_interval_seconds=0)
        watchers = build_watchers(store, fetcher, no_pacing)
        self.pages = watchers.pages
        config = CycleConfig(interval_seconds=600, max_consecutive_failures=max_failures)
        self.cycle = PollCycle(store, watchers, config)
        self.dispatcher = Dispatcher(store, [self.sink])

    async def cycle_and_deliver(self) -> str:
        await self.store.subscriptions.ensure("console", "stdout")
        self.out.seek(0)
        self.out.truncate()
        await self.cycle.run_once(due_only=False)
        await self.settle_pages()
        await self.dispatcher.drain()
        return self.out.getvalue()

    async def settle_pages(self) -> None:
        """Until the release pages queued by the polls are read and their facts stored (the app's dispatcher is
        woken then; a test drains after it)."""
        if self.pages is not None:
            await self.pages.settled()

    async def deliver(self) -> str:
        self.out.seek(0)
        self.out.truncate()
        await self.dispatcher.drain()
        return self.out.getvalue()

    async def alerts(self) -> list[dict[str, object]]:
        """One cycle with the JSON console rendering: each alert as a dict."""
        return [json.loads(line) for line in (await self.cycle_and_deliver()).splitlines() if line.strip()]
