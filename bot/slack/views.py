"""Slack views: the App Home tab and the subscribe modal, rendered from the core's models; and the modal's
submitted state read back into a SubscribeRequest."""
from __future__ import annotations

from typing import Any

from bot.core.context import CommandError
from bot.core.home import HomeSummary
from bot.core.subscriptions import SubscribeRequest
from bot.slack.blocks import (
    Block,
    catalyst_line,
    clip,
    context,
    esc,
    event_line,
    header,
    list_sections,
    section,
    source_line,
    subscription_line,
)
from storage.taxonomy import KINDS, SUBTYPES

HOME_SUBSCRIBE, HOME_REFRESH = "mb_home_subscribe", "mb_home_refresh"
SUBSCRIBE_MODAL = "mb_subscribe"
PROGRAM_SELECT = "mb_program"
MAX_VIEW_BLOCKS = 100  # Slack's limit for a Home tab or a modal
OPTION_CHARS = 75


def _button(action_id: str, label: str, style: str | None = None) -> Block:
    button: Block = {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": label}}
    if style:
        button["style"] = style
    return button


def home_view(summary: HomeSummary) -> dict[str, Any]:
    """The Home tab: buttons, then subscriptions (and mutes), next catalysts, recent alerts, feed health."""
    blocks: list[Block] = [
        header("Biotech milestones"),
        {"type": "actions", "elements": [_button(HOME_SUBSCRIBE, "Subscribe a channel…", "primary"),
                                         _button(HOME_REFRESH, "Refresh")]},
        {"type": "divider"},
    ]
    subs = [f"<#{esc(s.channel_id)}> {subscription_line(s)}" for s in summary.subscriptions]
    blocks += list_sections("Subscriptions", subs, 6) if subs else [
        section("*Subscriptions*\nNone yet: press *Subscribe a channel…* or type `/milestones subscribe`.")]
    if summary.mutes:
        blocks += list_sections("Muted here and there",
                                [f"<#{esc(m.channel_id)}> {esc(m.program)}" for m in summary.mutes], 3)
    blocks += list_sections("Next catalysts", [catalyst_line(c) for c in summary.catalysts], 4) \
        if summary.catalysts else [section("*Next catalysts*\nNothing dated in the next weeks.")]
    blocks += list_sections("Recent alerts", [event_line(e) for e in summary.recent], 4) \
        if summary.recent else [section("*Recent alerts*\nNone yet.")]
    health = f"*Feed health*: {summary.sources_ok} ok, {len(summary.failing)} failing, " \
             f"{len(summary.disabled)} disabled"
    blocks.append(section(health))
    trouble = [source_line(s) for s in [*summary.failing, *summary.disabled]]
    if trouble:
        blocks += list_sections("Needs a look", trouble, 4)
    blocks.append(context("`/milestones help` lists every command."))
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}


def _option(value: str, label: str | None = None) -> Block:
    return {"text": {"type": "plain_text", "text": clip(label or value, OPTION_CHARS)}, "value": value}


def _input(block_id: str, label: str, element: Block, *, optional: bool = True, hint: str | None = None) -> Block:
    block: Block = {"type": "input", "block_id": block_id, "optional": optional, "element": element,
                    "label": {"type": "plain_text", "text": label}}
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def subscribe_modal(channel_id: str | None) -> dict[str, Any]:
    """Programmes (searched over every known one), kinds, subtypes, a mention, and instant or a daily digest."""
    channel: Block = {"type": "conversations_select", "action_id": "value",
                      "filter": {"include": ["public", "private"], "exclude_bot_users": True}}
    if channel_id:
        channel["initial_conversation"] = channel_id
    else:
        channel["default_to_current_conversation"] = True
    blocks = [
        _input("channel", "Post alerts in", channel, optional=False),
        _input("programs", "Programmes", {"type": "multi_external_select", "action_id": PROGRAM_SELECT,
                                          "min_query_length": 0, "max_selected_items": 20}),
        _input("kinds", "Kinds", {"type": "multi_static_select", "action_id": "value",
                                  "options": [_option(k) for k in KINDS]}),
        _input("subtypes", "Subtypes", {"type": "multi_static_select", "action_id": "value",
                                        "option_groups": [
                                            {"label": {"type": "plain_text", "text": kind},
                                             "options": [_option(s, s.replace("_", " ")) for s in subtypes
                                                         if s != "other"]}
                                            for kind, subtypes in SUBTYPES.items() if kind != "other"]}),
        _input("mention", "Mention", {"type": "plain_text_input", "action_id": "value", "max_length": 40},
               hint="A user group ID (S0123ABCD), @here or @channel; empty: nobody is mentioned"),
        _input("everything", "No filter", {"type": "checkboxes", "action_id": "value",
                                           "options": [_option("everything", "Every alert")]}),
        _input("delivery", "Delivery", {"type": "static_select", "action_id": "value",
                                        "initial_option": _option("instant", "Each alert at once"),
                                        "options": [_option("instant", "Each alert at once"),
                                                    *[_option(str(h), f"Daily digest at {h:02d}:00 UTC")
                                                      for h in range(24)]]}, optional=False),
    ]
    return {"type": "modal", "callback_id": SUBSCRIBE_MODAL, "private_metadata": channel_id or "",
            "title": {"type": "plain_text", "text": "Subscribe a channel"},
            "submit": {"type": "plain_text", "text": "Subscribe"},
            "close": {"type": "plain_text", "text": "Cancel"}, "blocks": blocks}


def _selected(values: dict[str, Any], block_id: str) -> list[str]:
    element = next(iter((values.get(block_id) or {}).values()), {}) or {}
    return [str(o["value"]) for o in element.get("selected_options") or []]


def _one(values: dict[str, Any], block_id: str, key: str) -> Any:
    element = next(iter((values.get(block_id) or {}).values()), {}) or {}
    return element.get(key)


def submitted(view: dict[str, Any], mention: Any) -> tuple[str, SubscribeRequest]:
    """The channel and the subscription the submitted modal asks for; `mention` parses the mention field."""
    values = (view.get("state") or {}).get("values") or {}
    channel = _one(values, "channel", "selected_conversation") or view.get("private_metadata") or ""
    if not channel:
        raise CommandError("Pick the channel to post alerts in.")
    delivery = (_one(values, "delivery", "selected_option") or {}).get("value") or "instant"
    hour = int(delivery) if str(delivery).isdigit() else None
    raw_mention = (_one(values, "mention", "value") or "").strip()
    return str(channel), SubscribeRequest(
        programs=_selected(values, "programs"), kinds=_selected(values, "kinds"),
        subtypes=_selected(values, "subtypes"), everything="everything" in _selected(values, "everything"),
        mention=mention(raw_mention) if raw_mention else None,
        mode="digest" if hour is not None else "instant", digest_hour=hour,
    )
