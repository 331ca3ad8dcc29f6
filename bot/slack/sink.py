"""SlackSink: posts outbox alerts and digests with chat.postMessage and maps Slack's errors for the dispatcher.

A follow-up (the dispatcher sets `pending.conversation`) is a reply in the conversation's thread (`thread_ts`),
also shown in the channel for high-materiality kinds (`reply_broadcast`); a root that was deleted makes it a new
top-level message. Every alert and reply carries the delivery id in its message metadata: a retry after a crash
(the dispatcher marked the delivery `sending_at` before posting) looks for it in the thread, or in the channel's
recent history, before posting again. An update
edits the posted alert with chat.update (the same edit twice changes nothing) and replies with what changed.
"""
from __future__ import annotations

import logging
from datetime import datetime

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery.digest import Digest
from bot.delivery.sink import Sent, SinkError
from bot.slack.blocks import Message, alert_message, digest_message, esc, section
from storage.models import PendingDelivery

log = logging.getLogger(__name__)

# The channel is gone or the bot was removed: retrying cannot help, so the subscription is disabled.
PERMANENT_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived", "channel_is_archived"})
# The bot's own token is dead: no channel's fault, so nothing is disabled and no attempt is spent; the dispatcher
# pauses the Slack sink and retries until an admin fixes the token.
AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
                         "missing_scope"})
# The message itself was refused: one retry as plain text keeps the alert from being lost.
CONTENT_ERRORS = frozenset({"invalid_blocks", "invalid_blocks_format", "msg_too_long"})
DEFAULT_RETRY_AFTER = 30.0
# The thread's first message is gone: the follow-up starts a new conversation instead.
THREAD_ERRORS = frozenset({"thread_not_found", "invalid_thread_ts", "message_not_found"})
METADATA_TYPE = "milestone_delivery"


class ThreadGone(Exception):
    pass


def _retry_after(exc: SlackApiError) -> float:
    headers = getattr(exc.response, "headers", None) or {}
    for key, value in headers.items():
        if key.lower() == "retry-after":
            try:
                return max(1.0, float(value))
            except ValueError:
                break
    return DEFAULT_RETRY_AFTER


def sink_error(exc: SlackApiError, channel: str) -> SinkError:
    """Slack's error code → a SinkError the dispatcher understands (permanent, retry-after, or plain)."""
    status = getattr(exc.response, "status_code", None)
    error = str(exc.response.get("error") or f"HTTP {status}")
    if status == 429 or error == "ratelimited":
        return SinkError(f"Slack rate limit on {channel}", retry_after=_retry_after(exc), rate_limited=True)
    if error in PERMANENT_ERRORS:
        return SinkError(f"Slack: {error} for channel {channel}", permanent=True)
    if error in AUTH_ERRORS:
        # Logged once per outage by the dispatcher, not here once per alert.
        return SinkError(f"Slack: {error}: check SLACK_BOT_TOKEN and the app's scopes", auth_failed=True)
    return SinkError(f"Slack: {error} for channel {channel}")


class SlackSink:
    platform = "slack"
    # Slack takes no idempotency key: the dispatcher marks every delivery before sending, and a retry of a marked
    # one looks for its own earlier post (by metadata) first.
    looks_before_reposting = True

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._warned_scope = False

    async def send(self, pending: PendingDelivery) -> str | Sent | None:
        delivery = pending.delivery
        channel = delivery.channel_id
        if delivery.is_update:
            note = f"Update: {delivery.note or 'the alert above changed'}"
            message = Message(text=esc(note), blocks=[section(f":arrows_counterclockwise: {esc(note)}")])
        else:
            message = alert_message(pending.event, pending.mentions)
        conversation = pending.conversation
        metadata = {"event_type": METADATA_TYPE, "event_payload": {"delivery": delivery.id}}
        if conversation is None:
            if delivery.sending_at is not None:
                earlier = await self._find_posted(channel, delivery.id, oldest=delivery.sending_at)
                if earlier is not None:
                    return earlier
            return await self.post(channel, message, metadata=metadata)
        thread_ts = conversation.thread_id or conversation.root_message_id
        if delivery.sending_at is not None:
            earlier = await self._find_posted(channel, delivery.id, thread_ts=thread_ts)
            if earlier is not None:
                return Sent(earlier, thread_ts)
        try:
            ts = await self.post(channel, message, thread_ts=thread_ts, broadcast=pending.broadcast,
                                 metadata=metadata)
        except ThreadGone:
            if delivery.is_update:
                return Sent(None)  # the alert is gone: nothing to reply under
            earlier = None
            if delivery.sending_at is not None:  # posted top-level before a crash?
                earlier = await self._find_posted(channel, delivery.id, oldest=delivery.sending_at)
            return Sent(earlier or await self.post(channel, message, metadata=metadata), None, new_root=True)
        return Sent(ts, thread_ts)

    async def edit(self, pending: PendingDelivery) -> None:
        """chat.update of the posted alert with the event's facts and the update's note."""
        assert pending.original_message_id is not None
        channel = pending.delivery.channel_id
        message = alert_message(pending.event, pending.mentions, update=pending.delivery.note)
        try:
            await self._client.chat_update(channel=channel, ts=pending.original_message_id, text=message.text,
                                           blocks=message.blocks)
        except SlackApiError as exc:
            if exc.response.get("error") in THREAD_ERRORS | {"cant_update_message"}:
                log.info("alert %s in %s is gone: not edited", pending.original_message_id, channel)
                return
            raise sink_error(exc, channel) from None
        except (TimeoutError, SlackClientError, aiohttp.ClientError) as exc:
            raise SinkError(f"Slack unreachable: {type(exc).__name__}") from None

    async def _find_posted(self, channel: str, delivery_id: int, *, thread_ts: str | None = None,
                           oldest: datetime | None = None) -> str | None:
        """What this delivery posted before a crash, found by its metadata: a reply in `thread_ts`, or a
        top-level message since `oldest` (when the attempt began, less a minute for clocks). None when none."""
        try:
            if thread_ts is not None:
                response = await self._client.conversations_replies(channel=channel, ts=thread_ts,
                                                                    include_all_metadata=True, limit=200)
            else:
                since = (oldest.timestamp() - 60) if oldest is not None else 0
                response = await self._client.conversations_history(channel=channel, oldest=f"{since:.6f}",
                                                                    include_all_metadata=True, limit=200)
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error in THREAD_ERRORS:
                return None
            if error == "missing_scope":
                # An app installed from an older manifest cannot read history: post again rather than pause all
                # of Slack (a refused scope would otherwise look like a refused token).
                if not self._warned_scope:
                    log.warning("Slack: the app lacks channels:history/groups:history, so an alert retried after a "
                                "crash may be posted twice; add the scopes (slack-app-manifest.yml) and reinstall")
                    self._warned_scope = True
                return None
            raise sink_error(exc, channel) from None
        except (TimeoutError, SlackClientError, aiohttp.ClientError) as exc:
            raise SinkError(f"Slack unreachable: {type(exc).__name__}") from None
        for message in response.get("messages") or []:
            meta = message.get("metadata") or {}
            if meta.get("event_type") == METADATA_TYPE and \
                    (meta.get("event_payload") or {}).get("delivery") == delivery_id:
                return str(message.get("ts"))
        return None

    async def send_digest(self, digest: Digest) -> str | None:
        return await self.post(digest.subscription.channel_id, digest_message(digest))

    async def post(self, channel: str, message: Message, *, thread_ts: str | None = None, broadcast: bool = False,
                   metadata: dict[str, object] | None = None) -> str | None:
        """chat.postMessage (a reply in `thread_ts` when given); returns the message's `ts` (Slack's message id
        within the channel). Raises ThreadGone when the thread's first message no longer exists."""
        extra: dict[str, object] = {}
        if thread_ts:
            extra["thread_ts"] = thread_ts
            if broadcast:
                extra["reply_broadcast"] = True
        if metadata:
            extra["metadata"] = metadata
        try:
            try:
                response = await self._client.chat_postMessage(
                    channel=channel, text=message.text, blocks=message.blocks or None,
                    unfurl_links=False, unfurl_media=False, **extra,
                )
            except SlackApiError as exc:
                if exc.response.get("error") not in CONTENT_ERRORS:
                    raise
                log.warning("Slack refused the blocks for %s (%s); posting the text alone",
                            channel, exc.response.get("error"))
                response = await self._client.chat_postMessage(channel=channel, text=message.text,
                                                                unfurl_links=False, unfurl_media=False, **extra)
        except SlackApiError as exc:
            if thread_ts and exc.response.get("error") in THREAD_ERRORS:
                raise ThreadGone from None
            raise sink_error(exc, channel) from None
        except (TimeoutError, SlackClientError, aiohttp.ClientError) as exc:
            raise SinkError(f"Slack unreachable: {type(exc).__name__}") from None
        ts = response.get("ts")
        return str(ts) if ts else None
