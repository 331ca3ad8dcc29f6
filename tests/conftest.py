from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.store import Store
from tests.support.ctgov_fake import FakeCtgov
from tests.support.local_server import LocalServer
from tests.support.paths import SHARED


def shared_path(*parts: str) -> Path:
    """A file in ../shared, or a skip with the reason when a clone has no ../shared beside it."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference material {path} is absent (../shared is not beside this clone)")
    return path


@pytest.fixture
async def server() -> AsyncIterator[LocalServer]:
    srv = LocalServer()
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()


@pytest.fixture
async def fake() -> AsyncIterator[FakeCtgov]:
    """A local fake of the ClinicalTrials.gov API v2."""
    f = FakeCtgov()
    await f.start()
    try:
        yield f
    finally:
        await f.stop()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.open(f"sqlite:///{tmp_path / 'test.db'}")
    try:
        yield s
    finally:
        await s.close()
