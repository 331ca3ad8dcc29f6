from __future__ import annotations

import asyncio
import gc
import ipaddress
import itertools
import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from storage.store import Store
from tests.support.ctgov_fake import FakeCtgov
from tests.support.local_server import LocalServer
from tests.support.paths import SHARED
from tests.support.pg_server import ENV_URL, PgServer, server_binaries

PG_TEMPLATE = "milestone_template"
_databases = itertools.count(1)


_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


@pytest.fixture(autouse=True, scope="session")
def no_name_lookups() -> Iterator[None]:
    """No network in tests: a host name other than localhost is never sent to DNS. It fails at once as an unknown
    name does (a test linking to https://news.test/… reads nothing from anywhere, and waits for nothing)."""
    real = socket.getaddrinfo

    def local_only(host: bytes | str | None, *args: object, **kwargs: object) -> object:
        name = host.decode() if isinstance(host, bytes) else host
        if name is None or name.lower() in _LOCAL_NAMES or _is_address(name):
            return real(host, *args, **kwargs)  # type: ignore[arg-type]
        raise socket.gaierror(socket.EAI_NONAME, f"Name or service not known ({name}: tests look up no names)")

    patch = pytest.MonkeyPatch()
    patch.setattr(socket, "getaddrinfo", local_only)
    yield
    patch.undo()


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]").split("%")[0])
    except ValueError:
        return False
    return True


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


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One PostgreSQL server for the session: CI's (TEST_DATABASE_URL), else a throwaway one started here, with a
    migrated template database that each test's database is copied from."""
    external = os.environ.get(ENV_URL)
    if not external and server_binaries() is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide PostgreSQL: set {ENV_URL} or install the postgresql package")
        pytest.skip("no PostgreSQL server binaries here (apt-get install postgresql, or set TEST_DATABASE_URL)")
    server = PgServer(external)
    server.start()
    try:
        url = server.create_database(PG_TEMPLATE)

        async def migrate() -> None:
            await (await Store.open(url)).close()

        asyncio.run(migrate())
        yield server
    finally:
        if external:
            server.drop_database(PG_TEMPLATE)
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test."""
    name = f"milestone_test_{os.getpid()}_{next(_databases)}"
    url = pg_server.create_database(name, template=PG_TEMPLATE)
    try:
        yield url
    finally:
        pg_server.drop_database(name)


@pytest.fixture
def default_pace() -> Iterator[None]:
    """CPython's default collector thresholds during the test, the process's own after it."""
    kept = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*kept)
