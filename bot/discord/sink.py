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
from collections.abc import Sequence

import aiohttp
import discord

from bot.delivery.digest import Digest
from bot.delivery.sink import SinkError
from bot.discord.embeds import alert_content, alert_embed, clean, cut, digest_embed, role_ids
from storage.models import PendingDelivery

log = logging.getLogger(__name__)

THREAD_NAME_MAX = 100


def alert_mentions(mention: str | Sequence[str] | None) -> discord.AllowedMentions:
    """Nobody may be pinged except the subscriptions' own roles (feed text can never reach @everyone)."""
    roles = role_ids(mention)
    return discord.AllowedMentions(
        everyone=False, users=False, roles=[discord.Object(r) for r in roles] if roles else False,
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
        # One delivery per channel: the nonce names the delivery row, so it is the same on every retry.
        return await self._post(
            pending.delivery.channel_id, pending.mentions, alert_embed(event), nonce=f"d{pending.delivery.id}",
            thread_name=clean(event.title, THREAD_NAME_MAX) or f"Alert #{event.id}",
        )

    async def send_digest(self, digest: Digest) -> str | None:
        sub = digest.subscription
        last = max((ev.id for g in digest.groups for ev in g.events), default=0)
        # One digest per subscription and last event: a retried digest carries the same nonce.
        return await self._post(sub.channel_id, sub.mention, digest_embed(digest), nonce=f"g{sub.id}e{last}"[:25],
                                thread_name=cut(f"Daily digest: {digest.count} alerts", THREAD_NAME_MAX))

    async def _post(self, channel: str, mention: str | Sequence[str] | None, embed: discord.Embed, *, nonce: str,
                    thread_name: str) -> str:
        try:
            channel_id = int(channel)
        except ValueError:
            raise SinkError(f"'{channel}' is not a Discord channel id", permanent=True) from None
        content = alert_content(mention)
        mentions = alert_mentions(mention)
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
            if exc.status == 401:
                raise SinkError("Discord refused DISCORD_TOKEN (HTTP 401)", auth_failed=True) from None
            raise SinkError(f"Discord HTTP {exc.status} (code {exc.code}): {cut(exc.text, 200)}") from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise SinkError(f"cannot reach Discord: {type(exc).__name__}: {exc}") from None

    async def _forum(self, channel_id: int) -> discord.ForumChannel | None:
        """Looks the channel's type up once (one GET), so forum channels get a post per alert."""
        if channel_id not in self._forums:
            channel = self._client.get_channel(channel_id) or await self._client.fetch_channel(channel_id)
            self._forums[channel_id] = channel if isinstance(channel, discord.ForumChannel) else None
        return self._forums[channel_id]
