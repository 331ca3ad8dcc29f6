"""The registry of sources: every watcher is built here, once, for the app, the tests and the benchmarks.

A new source is a module in this folder implementing `base.Watcher` (fetch, parse, classify, and a
`SourceWrites` of its own if it stores more than events), plus one line in `build_watchers`.
"""
from __future__ import annotations

from dataclasses import dataclass

from storage.store import Store
from watchers.classify.program_match import MatcherCache
from watchers.fetch.http import Fetcher
from watchers.fetch.release_pages import ReleasePages
from watchers.parse.pool import FeedParser
from watchers.schedule.page_reads import DEFAULT_HOLD_SECONDS, PageReads
from watchers.sources.base import Watcher
from watchers.sources.ctgov.watcher import CtgovWatcher
from watchers.sources.edgar import EdgarWatcher
from watchers.sources.openfda import OpenFdaWatcher
from watchers.sources.rss import RssWatcher


@dataclass(frozen=True)
class SourceConfig:
    openfda_api_key: str | None = None
    openfda_min_interval: float = 0.3
    edgar_requests_per_second: float = 10.0
    ctgov_request_interval_seconds: float = 1.0
    release_pages: bool = True
    release_page_interval_seconds: float = 1.0
    # How long an alert waits for its release page's facts (read after the poll) before going with the lede's.
    release_page_wait_seconds: float = DEFAULT_HOLD_SECONDS


class Watchers(dict[str, Watcher]):
    """Watchers by source kind; `pages`: the release pages read after the polls (None when off)."""

    pages: PageReads | None = None

    @property
    def ctgov(self) -> CtgovWatcher:
        watcher = self["ctgov"]
        assert isinstance(watcher, CtgovWatcher)
        return watcher


def build_watchers(
    store: Store, fetcher: Fetcher, config: SourceConfig | None = None, parser: FeedParser | None = None,
    matchers: MatcherCache | None = None,
) -> Watchers:
    config = config or SourceConfig()
    programs = (matchers or MatcherCache(store.programs)).get
    pages = (PageReads(store, ReleasePages(fetcher, config.release_page_interval_seconds), parser,
                       config.release_page_wait_seconds) if config.release_pages else None)
    built: list[Watcher] = [
        RssWatcher(fetcher, programs, parser, pages),
        OpenFdaWatcher(fetcher, store, config.openfda_api_key, config.openfda_min_interval, programs=programs),
        EdgarWatcher(fetcher, config.edgar_requests_per_second, programs=programs),
        CtgovWatcher(fetcher, store, config.ctgov_request_interval_seconds),
    ]
    watchers = Watchers({w.kind: w for w in built})
    watchers.pages = pages
    return watchers
