"""Conversations: the message that started a channel's thread about a programme or trial."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.clock import to_db
from storage.database import Connection
from storage.models import Conversation

_COLS = "platform, channel_id, topic, root_message_id, thread_id"


class ConversationRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def find(self, platform: str, channel_id: str, topics: Sequence[str]) -> Conversation | None:
        """The conversation under the first of `topics` that has one."""
        for topic in topics:
            row = await self._conn.one(
                f"SELECT {_COLS} FROM conversations WHERE platform = ? AND channel_id = ? AND topic = ?",
                (platform, channel_id, topic),
            )
            if row is not None:
                return Conversation(platform=row[0], channel_id=row[1], topic=row[2], root_message_id=row[3],
                                    thread_id=row[4])
        return None

    async def start(self, platform: str, channel_id: str, topics: Sequence[str], root_message_id: str,
                    thread_id: str | None, now: datetime) -> None:
        """`root_message_id` starts (or, replacing a lost one, restarts) the conversation about each topic."""
        await self._conn.write_many(
            "INSERT INTO conversations (platform, channel_id, topic, root_message_id, thread_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, channel_id, topic) DO UPDATE SET "
            "root_message_id = excluded.root_message_id, thread_id = excluded.thread_id, "
            "created_at = excluded.created_at",
            [(platform, channel_id, t, root_message_id, thread_id, to_db(now)) for t in topics],
        )

    async def set_thread(self, platform: str, channel_id: str, root_message_id: str, thread_id: str) -> None:
        await self._conn.write(
            "UPDATE conversations SET thread_id = ? WHERE platform = ? AND channel_id = ? AND root_message_id = ?",
            (thread_id, platform, channel_id, root_message_id),
        )
