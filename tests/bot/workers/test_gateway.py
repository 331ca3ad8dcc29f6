"""`milestone-bot gateway`: the chat connections only, a slice of Discord shards when asked."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import discord
import pytest

from bot.discord.frontend import DiscordFrontEnd
from bot.frontends import FrontEndError
from bot.settings import Settings
from tests.support.paths import ROOT


def _settings(**kw: object) -> Settings:
    return Settings(_env_file=None, discord_token="x.y.z", **kw)  # type: ignore[call-arg, arg-type]


def test_a_shard_slice_makes_an_auto_sharded_client() -> None:
    front = DiscordFrontEnd(_settings(discord_shard_ids="0, 1", discord_shard_count=4))
    assert isinstance(front.client, discord.AutoShardedClient)
    assert (front.client.shard_ids, front.client.shard_count) == ([0, 1], 4)
    assert type(DiscordFrontEnd(_settings()).client) is discord.Client


def test_shard_ids_need_the_count() -> None:
    with pytest.raises(FrontEndError, match="DISCORD_SHARD_COUNT"):
        DiscordFrontEnd(_settings(discord_shard_ids="0"))


def test_a_gateway_without_chat_tokens_says_so(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", SEED_DEFAULTS="false")
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "gateway"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        "milestone-bot: the gateway holds chat connections: set DISCORD_TOKEN and/or SLACK_BOT_TOKEN")
