"""Embeds for /status, /calendar, /trials show and /trials enable (the same rows the CLI prints)."""
from __future__ import annotations

import discord

from bot.core.status import StatusAnswer
from bot.core.trials import TrialDetail
from bot.core.upcoming import UpcomingList
from bot.discord.embeds import KIND_COLOUR, NEUTRAL, EmbedBuilder, clean
from bot.render_text import attention_line, render_trial_detail, status_rows
from storage.models import Source

OK, WARN = 0x2ECC71, 0xE67E22


def status_embed(answer: StatusAnswer) -> discord.Embed:
    troubled = answer.sources_failing or answer.sources_disabled or answer.dead_deliveries
    b = EmbedBuilder("milestone-bot status", colour=WARN if troubled else OK)
    for label, value in status_rows(answer):
        b.field(label.capitalize(), clean(value, 300), inline=label not in ("last cycle", "front ends"))
    if answer.attention:
        b.lines_field("Needs attention", [clean(attention_line(s), 300) for s in answer.attention])
    return b.done()


def calendar_embed(answer: UpcomingList, filename: str) -> discord.Embed:
    what = f" for {clean(answer.program)}" if answer.program else ""
    text = (f"{len(answer.catalysts)} catalysts in the next {answer.days} days{what}, attached as `{filename}`: "
            "open it with any calendar app (importing it again updates moved dates).")
    return EmbedBuilder("Catalyst calendar", colour=NEUTRAL, description=text).done()


def trial_detail_embed(detail: TrialDetail) -> discord.Embed:
    text = render_trial_detail(detail.nct_id, detail.watch, detail.snapshot, detail.changes)
    title, _, rest = text.partition("\n")
    return EmbedBuilder(clean(title), url=f"https://clinicaltrials.gov/study/{detail.nct_id}",
                        colour=KIND_COLOUR["enrollment"], description=clean(rest)).done()


def registry_enabled_embed(source: Source) -> discord.Embed:
    return EmbedBuilder("Trials watcher enabled", colour=OK,
                        description=f"{clean(source.name)} is polled again ({clean(source.url, 300)}).").done()
