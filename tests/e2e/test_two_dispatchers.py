"""Two processes draining one store (two connections, as two processes have): every alert is sent exactly once."""
from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path

from bot.delivery.digest import Digest
from bot.delivery.dispatcher import Dispatcher
from storage.models import NewEvent, PendingDelivery
from storage.store import Store
from tests.support.paths import ROOT
from watchers.record import add_events


class SlowSink:
    """Posts to a shared log; each send yields to the other dispatcher, as a network call does."""

    platform = "console"

    def __init__(self, log: Counter[tuple[str, str]]) -> None:
        self.log = log

    async def send(self, pending: PendingDelivery) -> str | None:
        await asyncio.sleep(0)
        self.log[(pending.subscription.channel_id, pending.event.title)] += 1
        await asyncio.sleep(0)
        return None

    async def send_digest(self, digest: Digest) -> str | None:
        return None


async def test_two_dispatchers_never_send_the_same_delivery(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = await Store.open(url), await Store.open(url)
    try:
        for channel in ("a", "b", "c"):
            await first.subscriptions.ensure("console", channel)
        await add_events(first, [NewEvent(dedupe_key=f"e{i}", kind="other", title=f"event {i}") for i in range(20)])
        posted: Counter[tuple[str, str]] = Counter()
        reports = await asyncio.gather(
            Dispatcher(first, [SlowSink(posted)]).drain(batch=7),
            Dispatcher(second, [SlowSink(posted)]).drain(batch=7),
        )
        # Whatever one left (its batch ended while the other held a channel), a later drain sends.
        await Dispatcher(second, [SlowSink(posted)]).drain()
        duplicates = {k: n for k, n in posted.items() if n > 1}
        assert duplicates == {}, f"{sum(n - 1 for n in duplicates.values())} duplicate sends"
        assert len(posted) == 60 and await first.outbox.counts() == {"sent": 60}
        assert sum(r.sent for r in reports) <= 60
    finally:
        await first.close()
        await second.close()


# A process that claims the queue as a dispatcher does, then dies without sending (as under SIGKILL).
_CLAIM_AND_DIE = """
import asyncio, os, socket, sys
from datetime import timedelta
from storage.models import utcnow
from storage.store import Store
async def main():
    store = await Store.open(sys.argv[1])
    now = utcnow()
    owner = f"{socket.gethostname()}:{os.getpid()}:dead"
    print(len(await store.outbox.claim(["console"], owner, now, now + timedelta(minutes=5))))
    await store.close()
asyncio.run(main())
"""


async def test_claims_of_a_dead_process_on_this_host_are_taken_over(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    store = await Store.open(url)
    try:
        await store.subscriptions.ensure("console", "a")
        await add_events(store, [NewEvent(dedupe_key=f"e{i}", kind="other", title=f"event {i}") for i in range(3)])
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", _CLAIM_AND_DIE, url, cwd=ROOT,
                                                    stdout=asyncio.subprocess.PIPE)
        out, _ = await proc.communicate()
        assert out.decode().strip() == "3"
        posted: Counter[tuple[str, str]] = Counter()
        report = await Dispatcher(store, [SlowSink(posted)]).drain()
        assert report.sent == 3 and sorted(posted) == [("a", f"event {i}") for i in range(3)]
    finally:
        await store.close()
