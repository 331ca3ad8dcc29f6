"""DiscordSink: posts outbox deliveries through discord.py's REST client (no gateway cache needed).

- Each delivery carries the nonce `d<delivery id>`; discord.py then sends `enforce_nonce`, so when a crash comes
  between Discord accepting a message and the store marking it sent, the retry returns the first message
  instead of posting a second one.
- Rate limits (429) are handled inside discord.py (it sleeps `retry_after` and retries); only a limit longer
  than the client's `max_ratelimit_timeout` reaches us, as a retryable SinkError with `retry_after`.
- A deleted channel (404) or lost access/permission (403) is permanent: the dispatcher then disables the
  subscription and logs the reason instead of retrying forever.
"""
from __future__ import annotations

import logging

import aiohttp
import discord

from bot.delivery.digest import Digest
from bot.delivery.sink import SinkError
from bot.discord.embeds import alert_content, alert_embed, clean, cut, digest_embed, role_id
from storage.models import PendingDelivery, Subscription

log = logging.getLogger(__name__)

THREAD_NAME_MAX = 100


def alert_mentions(mention: str | None) -> discord.AllowedMentions:
    """Nobody may be pinged except the subscription's own role (feed text can never reach @everyone)."""
    role = role_id(mention)
    return discord.AllowedMentions(
        everyone=False, users=False, roles=[discord.Object(role)] if role is not None else False,
        replied_user=False,
    )


class DiscordSink:
    platform = "discord"

    def __init__(self, client: discord.Client) -> None:
        self._client = client
        # channel id → the forum channel to post threads in, or None for anything messageable directly.
        self._forums: dict[int, discord.ForumChannel | None] = {}

    async def send(self, pending: PendingDelivery) -> str | None:
        event = pending.event
        return await self._post(
            pending.subscription, alert_embed(event), nonce=f"d{pending.delivery.id}",
            thread_name=clean(event.title, THREAD_NAME_MAX) or f"Alert #{event.id}",
        )

    async def send_digest(self, digest: Digest) -> str | None:
        sub = digest.subscription
        last = max((ev.id for g in digest.groups for ev in g.events), default=0)
        # One digest per subscription and last event: a retried digest carries the same nonce.
        return await self._post(sub, digest_embed(digest), nonce=f"g{sub.id}e{last}"[:25],
                                thread_name=cut(f"Daily digest: {digest.count} alerts", THREAD_NAME_MAX))

    async def _post(self, sub: Subscription, embed: discord.Embed, *, nonce: str, thread_name: str) -> str:
        try:
            channel_id = int(sub.channel_id)
        except ValueError:
            raise SinkError(f"'{sub.channel_id}' is not a Discord channel id", permanent=True) from None
        content = alert_content(sub.mention)
        mentions = alert_mentions(sub.mention)
        try:
            forum = await self._forum(channel_id)
            if forum is not None:
                # Forum (and media) channels take no plain messages: each alert is a post of its own.
                # Discord accepts no nonce on thread creation, so this path cannot deduplicate a retry.
                created = await forum.create_thread(
                    name=thread_name, content=content, embed=embed, allowed_mentions=mentions,
                )
                return str(created.message.id)
            channel = self._client.get_partial_messageable(channel_id)
            message = await channel.send(content=content, embed=embed, allowed_mentions=mentions, nonce=nonce)
            return str(message.id)
        except discord.NotFound as exc:
            self._forums.pop(channel_id, None)
            raise SinkError(
                f"Discord channel {channel_id} is gone (HTTP 404, code {exc.code}: {cut(exc.text, 200)})",
                permanent=True,
            ) from None
        except discord.Forbidden as exc:
            self._forums.pop(channel_id, None)
            raise SinkError(
                f"no permission to post in Discord channel {channel_id} (HTTP 403, code {exc.code}: "
                f"{cut(exc.text, 200)})",
                permanent=True,
            ) from None
        except discord.RateLimited as exc:
            raise SinkError(f"Discord rate limit of {exc.retry_after:.0f}s", retry_after=exc.retry_after,
                            rate_limited=True) from None
        except discord.HTTPException as exc:
            raise SinkError(f"Discord HTTP {exc.status} (code {exc.code}): {cut(exc.text, 200)}") from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise SinkError(f"cannot reach Discord: {type(exc).__name__}: {exc}") from None

    async def _forum(self, channel_id: int) -> discord.ForumChannel | None:
        """Looks the channel's type up once (one GET), so forum channels get a post per alert."""
        if channel_id not in self._forums:
            channel = self._client.get_channel(channel_id) or await self._client.fetch_channel(channel_id)
            self._forums[channel_id] = channel if isinstance(channel, discord.ForumChannel) else None
        return self._forums[channel_id]
