"""Slack interactivity: the buttons on every alert, the "Why this alert?" message shortcut, the App Home tab
and the subscribe modal. Everything goes through the command core, which checks permissions; answers to a
button or shortcut are ephemeral (only the clicker sees them), through the action's response_url."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import alert_actions as core
from bot.core import choices as core_choices
from bot.core import subscriptions as core_subs
from bot.core.context import Actor, CommandError, CoreContext, PermissionDenied
from bot.core.home import home
from bot.slack import blocks, views
from bot.slack.blocks import Message
from bot.slack.commands import mention_value
from bot.slack.permissions import SlackPermissions
from storage.models import ChannelRef

log = logging.getLogger(__name__)

PLATFORM = "slack"
WHY_SHORTCUT = "why_this_alert"
OPTIONS_MAX = 100


class Interactions:
    def __init__(self, core: Callable[[], CoreContext], permissions: SlackPermissions,
                 client: AsyncWebClient) -> None:
        self._core = core
        self._permissions = permissions
        self._client = client

    def register(self, bolt: AsyncApp) -> None:
        for action_id, handler in ((blocks.WHY, self.on_why), (blocks.CARD, self.on_card),
                                   (blocks.MUTE, self.on_mute), (blocks.UNMUTE, self.on_unmute),
                                   (views.HOME_SUBSCRIBE, self.on_home_subscribe),
                                   (views.HOME_REFRESH, self.on_home_refresh)):
            bolt.action(action_id)(handler)
        bolt.shortcut(WHY_SHORTCUT)(self.on_why_shortcut)
        bolt.event("app_home_opened")(self.on_home_opened)
        bolt.options(views.PROGRAM_SELECT)(self.on_program_options)
        bolt.view(views.SUBSCRIBE_MODAL)(self.on_subscribe_submitted)

    # -- who and where ------------------------------------------------------------------------------------

    async def _actor(self, body: dict[str, Any], manages: bool) -> Actor:
        user = str((body.get("user") or {}).get("id") or "")
        return Actor(platform=PLATFORM, user_id=user,
                     can_manage=manages and bool(user) and await self._permissions.can_manage(user))

    @staticmethod
    def _channel(body: dict[str, Any]) -> ChannelRef:
        return ChannelRef(platform=PLATFORM, channel_id=str((body.get("channel") or {}).get("id") or ""))

    @staticmethod
    def _value(body: dict[str, Any]) -> int:
        try:
            return int(body["actions"][0]["value"])
        except (KeyError, IndexError, TypeError, ValueError):
            raise CommandError("That button carries no alert.") from None

    async def _answer(self, respond: AsyncRespond, work: Callable[[], Any]) -> None:
        """Run the core call and answer the clicker alone; refusals as one sentence."""
        try:
            message: Message = await work()
        except PermissionDenied:
            group = " or a member of the bot's admin user group" if self._permissions.group else ""
            message = blocks.error_message(f"That changes configuration, which needs a workspace admin{group}.")
        except CommandError as exc:
            message = blocks.error_message(str(exc))
        except Exception:
            log.exception("Slack interaction failed")
            message = blocks.error_message("Something went wrong; the error has been logged.")
        await respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)

    # -- alert buttons and the shortcut -------------------------------------------------------------------

    async def on_why(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()

        async def work() -> Message:
            return blocks.why_message(await core.alert_why(self._core(), self._value(body)))
        await self._answer(respond, work)

    async def on_card(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()

        async def work() -> Message:
            return blocks.card_message(await core.alert_card(self._core(), self._value(body)))
        await self._answer(respond, work)

    async def on_mute(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()

        async def work() -> Message:
            muted = await core.mute_program(self._core(), await self._actor(body, True), self._channel(body),
                                            self._value(body))
            return blocks.muted_message(muted.mute.program, muted.mute.id)
        await self._answer(respond, work)

    async def on_unmute(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()

        async def work() -> Message:
            done = await core.unmute(self._core(), await self._actor(body, True), self._channel(body),
                                     self._value(body))
            return blocks.info_message(f"Unmuted *{blocks.esc(done.mute.program)}* here.")
        await self._answer(respond, work)

    async def on_why_shortcut(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()

        async def work() -> Message:
            ts = str((body.get("message") or {}).get("ts") or "")
            answer = await core.why_message(self._core(), PLATFORM, self._channel(body).channel_id, ts)
            return blocks.why_message(answer)
        await self._answer(respond, work)

    # -- App Home -------------------------------------------------------------------------------------------

    async def publish_home(self, user_id: str) -> None:
        summary = await home(self._core(), PLATFORM)
        await self._client.views_publish(user_id=user_id, view=views.home_view(summary))

    async def on_home_opened(self, event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        try:
            await self.publish_home(str(event["user"]))
        except (SlackApiError, CommandError) as exc:
            log.warning("could not publish the Home tab: %s", getattr(exc, "response", {}).get("error") or exc)

    async def on_home_refresh(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await self.on_home_opened({"tab": "home", "user": (body.get("user") or {}).get("id")})

    async def on_home_subscribe(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await self.open_subscribe(str(body.get("trigger_id") or ""), None)

    # -- the subscribe modal --------------------------------------------------------------------------------

    async def open_subscribe(self, trigger_id: str, channel_id: str | None) -> None:
        await self._client.views_open(trigger_id=trigger_id, view=views.subscribe_modal(channel_id))

    async def on_program_options(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        typed = str(body.get("value") or "")
        names = await core_choices.program_choices(self._core(), typed, limit=OPTIONS_MAX)
        await ack(options=[{"text": {"type": "plain_text", "text": blocks.clip(n, views.OPTION_CHARS)},
                            "value": n[:150]} for n in names])

    async def on_subscribe_submitted(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        """The modal's answer: the subscription is created through the core (which checks permissions); a
        refusal is shown in the modal, a success in the channel (as the slash command does)."""
        try:
            channel, req = views.submitted(view, mention_value)
            actor = await self._actor(body, True)
            sub = await core_subs.subscribe(self._core(), actor, ChannelRef(platform=PLATFORM, channel_id=channel),
                                            req)
        except PermissionDenied:
            group = " or a member of the bot's admin user group" if self._permissions.group else ""
            await ack(response_action="errors",
                      errors={"channel": f"Subscribing needs a workspace admin{group}."})
            return
        except CommandError as exc:
            await ack(response_action="errors", errors={_field(str(exc)): blocks.clip(str(exc), 150)})
            return
        await ack()
        line = f"<@{actor.user_id}> subscribed this channel: {blocks.subscription_line(sub)}"
        try:
            await self._client.chat_postMessage(channel=channel, text=line, blocks=[blocks.section(line)])
        except SlackApiError as exc:
            log.warning("subscribed, but could not say so in %s: %s", channel, exc.response.get("error"))


def _field(error: str) -> str:
    """The modal block a core refusal is about, so Slack shows it next to that field."""
    lowered = error.casefold()
    for needle, block in (("subtype", "subtypes"), ("kind", "kinds"), ("mention", "mention"),
                          ("programme", "programs"), ("no programme", "programs")):
        if needle in lowered:
            return block
    return "channel"
