"""The queue's connections (procrastinate on PostgreSQL): one round trip per call, and a connection the server
dropped is replaced before use, not failed on."""
from __future__ import annotations

import asyncio

import psycopg

from watchers.schedule.queue import build_queue, ensure_queue_schema


async def test_queue_calls_run_in_autocommit_and_survive_dropped_connections(pg_url: str) -> None:
    await ensure_queue_schema(pg_url)
    queue = build_queue(pg_url, max_connections=2)

    @queue.task(name="test.noop")
    async def noop() -> None:
        return None

    async with queue.open_async():
        await noop.defer_async()
        async with queue.connector.pool.connection() as conn:  # type: ignore[attr-defined]
            # No BEGIN/COMMIT around each stored-function call.
            assert conn.autocommit
        # The server drops every connection but this one (a restart, an idle timeout, an administrator).
        async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as admin:
            await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        await asyncio.sleep(0.2)
        await noop.defer_async()  # on a fresh connection: the dropped one was found out before use
        rows = await queue.job_manager.list_jobs_async(task="test.noop")
    assert len(rows) == 2
