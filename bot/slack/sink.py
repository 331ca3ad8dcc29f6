"""SlackSink: posts outbox alerts and digests with chat.postMessage and maps Slack's errors for the dispatcher."""
from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery.digest import Digest
from bot.delivery.sink import SinkError
from bot.slack.blocks import Message, alert_message, digest_message
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

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def send(self, pending: PendingDelivery) -> str | None:
        message = alert_message(pending.event, pending.mentions)
        return await self.post(pending.subscription.channel_id, message)

    async def send_digest(self, digest: Digest) -> str | None:
        return await self.post(digest.subscription.channel_id, digest_message(digest))

    async def post(self, channel: str, message: Message) -> str | None:
        """chat.postMessage; returns the message's `ts` (Slack's message id within the channel)."""
        try:
            try:
                response = await self._client.chat_postMessage(
                    channel=channel, text=message.text, blocks=message.blocks or None,
                    unfurl_links=False, unfurl_media=False,
                )
            except SlackApiError as exc:
                if exc.response.get("error") not in CONTENT_ERRORS:
                    raise
                log.warning("Slack refused the blocks for %s (%s); posting the text alone",
                            channel, exc.response.get("error"))
                response = await self._client.chat_postMessage(channel=channel, text=message.text,
                                                                unfurl_links=False, unfurl_media=False)
        except SlackApiError as exc:
            raise sink_error(exc, channel) from None
        except (TimeoutError, SlackClientError, aiohttp.ClientError) as exc:
            raise SinkError(f"Slack unreachable: {type(exc).__name__}") from None
        ts = response.get("ts")
        return str(ts) if ts else None
