"""Answers that carry files (the calendar's .ics, the programme card's timeline PNG).

The same contract as `replies.answer` (defer when the core is slow, refusals as one ephemeral sentence); the
renderer may itself be slow (a picture is drawn in a worker thread), so it runs before the deadline check too.
"""
from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord

from bot.core.context import CommandError
from bot.discord.replies import DEFERRED_EPHEMERAL, NO_MENTIONS, CommandEnv, refuse

T = TypeVar("T")
Attachment = tuple[str, bytes]  # file name, content


async def answer_with_files(interaction: discord.Interaction[Any], env: CommandEnv, work: Awaitable[T],
                            render: Callable[[T], Awaitable[tuple[discord.Embed, list[Attachment]]]]) -> None:
    async def both() -> tuple[discord.Embed, list[Attachment]]:
        return await render(await work)

    task = asyncio.ensure_future(both())
    done, _ = await asyncio.wait({task}, timeout=env.defer_after)
    if not done:
        await interaction.response.defer(thinking=True)
        interaction.extras[DEFERRED_EPHEMERAL] = False
    try:
        embed, attachments = await task
    except CommandError as exc:
        await refuse(interaction, str(exc))
        return
    files = [discord.File(io.BytesIO(data), filename=name) for name, data in attachments]
    if interaction.response.is_done():
        await interaction.followup.send(embed=embed, files=files, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(embed=embed, files=files, allowed_mentions=NO_MENTIONS)
