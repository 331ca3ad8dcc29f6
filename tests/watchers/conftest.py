"""Fixtures shared by the watcher tests."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from watchers.fetch.http import FetchConfig, Fetcher


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    """A fetcher for local test servers (private addresses allowed), quick to time out, with a small body cap."""
    async with Fetcher(FetchConfig(timeout_seconds=1, max_bytes=50_000, allow_private_addresses=True)) as f:
        yield f
