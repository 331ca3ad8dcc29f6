"""Sync the slash commands only when their definitions changed since the last sync (a hash kept in the store's
meta table). Discord rate-limits command syncs (a couple hundred creates a day per server), and a restart loop or
a bot restarted for every deploy would otherwise re-send the same definitions each time."""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from discord import app_commands
from discord.abc import Snowflake

from storage.interfaces import Meta

log = logging.getLogger(__name__)


def definitions_hash(tree: app_commands.CommandTree[Any], guild: Snowflake | None, application_id: int | None,
                     api_base: str) -> str:
    """What `tree.sync(guild=…)` would send, hashed with where it would go."""
    payload = [command.to_dict(tree) for command in tree._get_all_commands(guild=guild)]  # what sync() sends
    where = {"application": application_id, "guild": guild.id if guild else None, "api": api_base}
    return hashlib.sha256(json.dumps([where, payload], sort_keys=True, default=str).encode()).hexdigest()


def meta_key(application_id: int | None, guild: Snowflake | None) -> str:
    return f"discord:commands:{application_id}:{guild.id if guild else 'global'}"


async def sync_if_changed(tree: app_commands.CommandTree[Any], meta: Meta, guild: Snowflake | None,
                          application_id: int | None, api_base: str) -> bool:
    """Sync when the definitions differ from the last synced ones; True when a sync was sent."""
    digest = definitions_hash(tree, guild, application_id, api_base)
    key = meta_key(application_id, guild)
    if await meta.get(key) == digest:
        log.info("Discord: slash commands unchanged since the last sync; not synced again")
        return False
    await tree.sync(guild=guild)
    await meta.set(key, digest)
    return True
