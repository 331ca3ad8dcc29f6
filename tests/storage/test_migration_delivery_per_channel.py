"""Migration 0007: per-subscription deliveries become one per channel, duplicate subscriptions merge; nothing
pending is lost or doubled."""
from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from storage.migrate import migrations, split_statements
from storage.models import utcnow
from storage.store import Store

T = "2026-12-01T00:00:00.000000+00:00"
SUB = ("INSERT INTO subscriptions (id, platform, channel_id, filters, mention, mode, digest_hour, created_at, "
       "disabled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
DELIVERY = ("INSERT INTO deliveries (id, event_id, subscription_id, status, attempts, next_attempt_at, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)")


def old_database(path: Path) -> None:
    """A store as the previous schema left it, with the issue's rows in it."""
    conn = sqlite3.connect(path)
    version = 0
    for number, sql in migrations():
        if number >= 7:
            break
        for statement in split_statements(sql):
            conn.execute(statement)
        version = number
    conn.execute(f"PRAGMA user_version = {version}")
    for event_id in (1, 2, 3):
        conn.execute("INSERT INTO events (id, dedupe_key, kind, subtype, title, detected_at) "
                     "VALUES (?, ?, 'regulatory', 'other', ?, ?)",
                     (event_id, f"k{event_id}", f"Event {event_id}", T))
    conn.executemany(SUB, [
        (1, "discord", "10", '{"programs": ["azer-cel"], "source_ids": [3, 1]}', "<@&1>", "instant", None, T, 0),
        (2, "discord", "10", '{"kinds": ["regulatory", "other"], "keywords": ["Fast Track"]}', "<@&2>", "instant",
         None, T, 0),
        # A retried subscribe, and the same filters in another order and case: one subscription.
        (3, "discord", "10", '{"kinds": ["regulatory", "other"], "keywords": ["Fast Track"]}', None, "instant",
         None, T, 0),
        (6, "discord", "10", '{"keywords": ["fast track "], "kinds": ["other", "regulatory", "other"]}', None,
         "instant", None, T, 0),
        (4, "discord", "10", '{}', None, "digest", 7, T, 0),
        (5, "slack", "C1", '{}', None, "instant", None, T, 0),
    ])
    conn.executemany(DELIVERY, [
        (1, 1, 1, "pending", 2, T, T), (2, 1, 2, "pending", 0, T, T), (3, 1, 3, "pending", 0, T, T),
        (4, 1, 4, "pending", 0, T, T), (5, 1, 5, "pending", 0, T, T),
        (6, 2, 1, "sent", 1, T, T), (7, 2, 2, "pending", 0, T, T),  # the channel already has event 2
        (8, 3, 2, "dead", 8, T, T),
    ])
    conn.commit()
    conn.close()


async def test_pending_rows_become_one_delivery_per_channel(tmp_path: Path) -> None:
    old_database(tmp_path / "old.db")
    store = await Store.open(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        assert [s.id for s in await store.subscriptions.list()] == [1, 2, 4, 5]  # #3 and #6 merged into #2
        for sub in await store.subscriptions.list():  # the SQL key is the one the application computes
            [key] = await store.db.one("SELECT filters_key FROM subscriptions WHERE id = ?", (sub.id,)) or [None]
            assert key == sub.filters.key()
        due = await store.outbox.due(["discord", "slack"], utcnow() + timedelta(seconds=1))
        assert [(p.delivery.id, p.event.id, p.delivery.channel_id, [s.id for s in p.subscriptions],
                 p.delivery.attempts) for p in due] == [(1, 1, "10", [1, 2], 2), (5, 1, "C1", [5], 0)]
        assert due[0].mentions == ["<@&1>", "<@&2>"]
        [digest] = await store.outbox.for_digest(4)
        assert (digest.delivery.id, digest.event.id) == (4, 1)
        rows = await store.db.all("SELECT id, event_id, status FROM deliveries ORDER BY id")
        assert [tuple(r) for r in rows] == [(1, 1, "pending"), (4, 1, "pending"), (5, 1, "pending"),
                                            (6, 2, "sent"), (8, 3, "dead")]
        assert await store.integrity_check() == "ok"
    finally:
        await store.close()
