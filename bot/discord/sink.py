"""DiscordSink: posts outbox deliveries through discord.py's REST client (no gateway cache needed).

- Each delivery carries the nonce `d<delivery id>`; discord.py then sends `enforce_nonce`, so when a crash comes
  between Discord accepting a message and the store marking it sent, the retry returns the first message
  instead of posting a second one.
- Rate limits (429) are handled inside discord.py (it sleeps `retry_after` and retries); only a limit longer
  than the client's `max_ratelimit_timeout`, or a short one still on after discord.py's 5 tries, reaches us, as a
  rate-limited SinkError with `retry_after` (the dispatcher waits a short one out within the drain).
- A deleted channel (404) or lost access/permission (403) is permanent: the dispatcher then disables the
  subscription and logs the reason instead of retrying forever.
- A follow-up (the dispatcher sets `pending.conversation`) goes into the thread on the conversation's first
  message, created on first use; a deleted root or thread, or an archived or locked thread, makes it a new
  top-level message that starts the conversation again. Replies carry the delivery's nonce too.
- An update edits the posted alert (PATCH: the same edit twice changes nothing) and replies with what changed.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import aiohttp
import discord

from bot.delivery.digest import Digest
from bot.delivery.sink import Sent, SinkError
from bot.discord.alert_actions import alert_view
from bot.discord.embeds import alert_content, alert_embed, clean, cut, digest_embed, role_ids
from bot.discord.library_internals import start_thread_on_message
from storage.models import Event, PendingDelivery

log = logging.getLogger(__name__)

THREAD_NAME_MAX = 100
# Discord's answers that mean a conversation's thread cannot take a reply: the follow-up starts a new one.
UNKNOWN_CHANNEL, UNKNOWN_MESSAGE = 10003, 10008
THREAD_ARCHIVED, THREAD_EXISTS, THREAD_LOCKED = 50083, 160004, 160005


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

    async def send(self, pending: PendingDelivery) -> str | Sent | None:
        event = pending.event
        # One delivery per channel: the nonce names the delivery row, so it is the same on every retry.
        nonce = f"d{pending.delivery.id}"
        channel_id = _channel_id(pending.delivery.channel_id)
        if pending.delivery.is_update:
            content = clean(f"Update: {pending.delivery.note or 'the alert above changed'}", 1900)
            embed, view = None, None
        else:
            content, embed, view = alert_content(pending.mentions), alert_embed(event), alert_view(event)
        if pending.conversation is not None:
            try:
                sent = await self._follow_up(channel_id, pending, content, embed, view, nonce)
            except (discord.HTTPException, discord.RateLimited) as exc:
                raise self._error(exc, channel_id) from None
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                raise SinkError(f"cannot reach Discord: {type(exc).__name__}: {exc}") from None
            if sent is not None:
                return sent
            if pending.delivery.is_update:
                return Sent(None)  # the alert's thread is gone: an update has nothing left to reply under
        message_id, thread_id = await self._post(
            channel_id, pending.mentions, embed, content=content, view=view, nonce=nonce,
            thread_name=conversation_name(event),
        )
        if thread_id is None and pending.conversation is None:
            return message_id  # a plain top-level alert
        return Sent(message_id, thread_id, new_root=pending.conversation is not None)

    async def edit(self, pending: PendingDelivery) -> None:
        """The posted alert, edited to the event's facts and the update's note; a deleted alert is left alone."""
        assert pending.original_message_id is not None
        channel_id = _channel_id(pending.original_thread_id or pending.delivery.channel_id)
        message = self._client.get_partial_messageable(channel_id).get_partial_message(
            int(pending.original_message_id))
        try:
            await message.edit(embed=alert_embed(pending.event, update=pending.delivery.note),
                               view=alert_view(pending.event))
        except discord.NotFound:
            log.info("alert %s in %s was deleted: not edited", pending.original_message_id, channel_id)
        except (discord.HTTPException, discord.RateLimited) as exc:
            raise self._error(exc, channel_id) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise SinkError(f"cannot reach Discord: {type(exc).__name__}: {exc}") from None

    async def _follow_up(self, channel_id: int, pending: PendingDelivery, content: str | None,
                         embed: discord.Embed | None, view: discord.ui.View | None, nonce: str) -> Sent | None:
        """The reply in the conversation's thread (created on its first message when it has none yet); None when
        that thread or message is gone, archived or locked."""
        conversation = pending.conversation
        assert conversation is not None
        thread_id = int(conversation.thread_id) if conversation.thread_id else None
        if thread_id is None:
            try:
                thread_id = await start_thread_on_message(
                    self._client, channel_id, int(conversation.root_message_id),
                    conversation_name(pending.event))
            except (discord.NotFound, discord.Forbidden):
                return None  # the first message was deleted, or the bot may not create threads here
            except discord.HTTPException as exc:
                if exc.code != THREAD_EXISTS:
                    raise
                # Created before a crash, not yet remembered: a message's thread has the message's id.
                thread_id = int(conversation.root_message_id)
        kwargs: dict[str, Any] = {"embed": embed} if embed is not None else {}
        if view is not None:
            kwargs["view"] = view
        try:
            message = await self._client.get_partial_messageable(thread_id).send(
                content=content, allowed_mentions=alert_mentions(pending.mentions), nonce=nonce, **kwargs)
        except (discord.NotFound, discord.Forbidden):
            return None  # the thread was deleted, or the bot may not post in threads here
        except discord.HTTPException as exc:
            if exc.code in (THREAD_ARCHIVED, THREAD_LOCKED):
                return None
            raise
        return Sent(str(message.id), str(thread_id))

    async def send_digest(self, digest: Digest) -> str | None:
        sub = digest.subscription
        last = max((ev.id for g in digest.groups for ev in g.events), default=0)
        # One digest per subscription and last event: a retried digest carries the same nonce.
        message_id, _thread = await self._post(
            _channel_id(sub.channel_id), sub.mention, digest_embed(digest), content=alert_content(sub.mention),
            nonce=f"g{sub.id}e{last}"[:25], thread_name=cut(f"Daily digest: {digest.count} alerts", THREAD_NAME_MAX))
        return message_id

    async def _post(self, channel_id: int, mention: str | Sequence[str] | None, embed: discord.Embed | None, *,
                    content: str | None, nonce: str, thread_name: str,
                    view: discord.ui.View | None = None) -> tuple[str, str | None]:
        """A top-level message (a forum post in a forum channel); its id, and its thread's for a forum post."""
        mentions = alert_mentions(mention)
        kwargs: dict[str, Any] = {"embed": embed} if embed is not None else {}
        if view is not None:
            kwargs["view"] = view
        try:
            forum = await self._forum(channel_id)
            if forum is not None:
                # Forum (and media) channels take no plain messages: each conversation is a post of its own.
                # Discord accepts no nonce on thread creation, so this path cannot deduplicate a retry.
                created = await forum.create_thread(
                    name=thread_name, content=content, allowed_mentions=mentions, **kwargs,
                )
                return str(created.message.id), str(created.thread.id)
            channel = self._client.get_partial_messageable(channel_id)
            message = await channel.send(content=content, allowed_mentions=mentions, nonce=nonce, **kwargs)
            return str(message.id), None
        except (discord.HTTPException, discord.RateLimited) as exc:
            raise self._error(exc, channel_id) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise SinkError(f"cannot reach Discord: {type(exc).__name__}: {exc}") from None

    def _error(self, exc: discord.HTTPException | discord.RateLimited, channel_id: int) -> SinkError:
        if isinstance(exc, discord.RateLimited):
            return SinkError(f"Discord rate limit of {exc.retry_after:.0f}s", retry_after=exc.retry_after,
                             rate_limited=True)
        if isinstance(exc, discord.NotFound):
            self._forums.pop(channel_id, None)
            return SinkError(
                f"Discord channel {channel_id} is gone (HTTP 404, code {exc.code}: {cut(exc.text, 200)})",
                permanent=True,
            )
        if isinstance(exc, discord.Forbidden):
            self._forums.pop(channel_id, None)
            return SinkError(
                f"no permission to post in Discord channel {channel_id} (HTTP 403, code {exc.code}: "
                f"{cut(exc.text, 200)})",
                permanent=True,
            )
        if exc.status == 401:
            return SinkError("Discord refused DISCORD_TOKEN (HTTP 401)", auth_failed=True)
        if exc.status == 429:
            # discord.py waited a short limit out 5 times and was refused each time (a burst over many channels can
            # do that): still only a rate limit, not a failed send.
            wait = _retry_after(exc)
            return SinkError(f"Discord rate limit still on after discord.py's retries ({cut(exc.text, 200)})",
                             retry_after=wait, rate_limited=True)
        return SinkError(f"Discord HTTP {exc.status} (code {exc.code}): {cut(exc.text, 200)}")

    async def _forum(self, channel_id: int) -> discord.ForumChannel | None:
        """Looks the channel's type up once (one GET), so forum channels get a post per conversation."""
        if channel_id not in self._forums:
            channel = self._client.get_channel(channel_id) or await self._client.fetch_channel(channel_id)
            self._forums[channel_id] = channel if isinstance(channel, discord.ForumChannel) else None
        return self._forums[channel_id]


def conversation_name(event: Event) -> str:
    """A follow-up thread is named for what it is about: the programme, else the trial, else the first alert."""
    name = event.programs[0] if event.programs else event.trial or event.title
    return clean(name, THREAD_NAME_MAX) or f"Alert #{event.id}"


def _channel_id(channel: str) -> int:
    try:
        return int(channel)
    except ValueError:
        raise SinkError(f"'{channel}' is not a Discord channel id", permanent=True) from None


def _retry_after(exc: discord.HTTPException) -> float | None:
    """How long a 429 asked to wait: discord.py keeps the response, not the body's `retry_after`; its headers say it
    (the bucket's reset first, as precise as the body; `Retry-After` is whole seconds)."""
    headers = getattr(exc.response, "headers", None) or {}
    for name in ("X-RateLimit-Reset-After", "Retry-After"):
        try:
            return max(0.0, float(headers[name]))
        except (KeyError, TypeError, ValueError):
            continue
    return None
