"""Programmes muted per channel."""
from __future__ import annotations

from storage.clock import from_db, to_db
from storage.database import Connection, NotFoundError, Row
from storage.models import Mute, utcnow
from storage.names import fold_name

_COLS = "id, platform, channel_id, program, created_by, created_at"


def _mute(r: Row) -> Mute:
    return Mute(id=r[0], platform=r[1], channel_id=r[2], program=r[3], created_by=r[4], created_at=from_db(r[5]))


class MuteRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, platform: str, channel_id: str, program: str, created_by: str | None = None) -> Mute:
        """Mute `program` in the channel; muting it again returns the existing mute."""
        key = fold_name(program)
        await self._conn.write(
            "INSERT INTO mutes (platform, channel_id, program, program_key, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, channel_id, program_key) DO NOTHING",
            (platform, channel_id, program, key, created_by, to_db(utcnow())),
        )
        row = await self._conn.one(
            f"SELECT {_COLS} FROM mutes WHERE platform = ? AND channel_id = ? AND program_key = ?",
            (platform, channel_id, key),
        )
        assert row is not None
        return _mute(row)

    async def get(self, mute_id: int) -> Mute:
        row = await self._conn.one(f"SELECT {_COLS} FROM mutes WHERE id = ?", (mute_id,))
        if row is None:
            raise NotFoundError(f"no mute with id {mute_id}")
        return _mute(row)

    async def remove(self, mute_id: int) -> None:
        await self._conn.write("DELETE FROM mutes WHERE id = ?", (mute_id,))

    async def list(self, platform: str | None = None, channel_id: str | None = None) -> list[Mute]:
        sql, params = f"SELECT {_COLS} FROM mutes WHERE 1 = 1", []
        if platform is not None:
            sql += " AND platform = ?"
            params.append(platform)
        if channel_id is not None:
            sql += " AND channel_id = ?"
            params.append(channel_id)
        return [_mute(r) for r in await self._conn.all(sql + " ORDER BY id", params)]

    async def keys(self) -> set[tuple[str, str, str]]:
        """(platform, channel, folded programme) of every mute: what routing checks."""
        rows = await self._conn.all("SELECT platform, channel_id, program_key FROM mutes")
        return {(str(r[0]), str(r[1]), str(r[2])) for r in rows}
