"""Every command of the command core is on every front end (CLI, Discord, Slack), or the table below says why not.

The test walks `bot.core`: each public coroutine taking the `CoreContext` first is either a command (mapped to the
command path(s) that expose it) or a helper (with what it helps). A new core command fails this test until it is
mapped; a mapped command missing from a front end's real registry (argparse's sub-commands, discord.py's command
tree, the Slack sub-command table) fails it unless an exception states the reason."""
from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
from collections.abc import Callable

import discord
import pytest

import bot.core
from bot.cli import build_parser
from bot.discord.frontend import build_tree
from bot.discord.replies import CommandEnv
from bot.slack.commands import SlashCommands

Path = tuple[str, ...]

# core function → the command path(s) that run it (the same words on every front end).
COMMANDS: dict[str, list[Path]] = {
    "feeds.add_feed": [("feeds", "add")],
    "feeds.enable_feed": [("feeds", "enable")],
    "feeds.list_feeds": [("feeds", "list")],
    "feeds.remove_feed": [("feeds", "remove")],
    "filings.watch_filings": [("filings", "watch")],
    "filings.list_filings": [("filings", "list")],
    "programs.add_program": [("programs", "add")],
    "programs.remove_program": [("programs", "remove")],
    "programs.list_programs": [("programs", "list")],
    "programs.import_programs": [("programs", "import")],
    "config_io.export_config": [("export",)],
    "config_io.import_config": [("import",)],
    "lookup.lookup": [("lookup",)],
    "lookup.track": [("lookup",)],  # `--track` / the `track` option of lookup
    "learned.list_learned": [("programs", "list")],  # `programs list --learned`
    "learned.list_merges": [("programs", "merges")],
    "learned.undo_merge": [("programs", "unmerge")],
    "learned.promote": [("programs", "promote")],
    "timeline.program_timeline": [("lookup",)],  # the picture that comes with the card
    "status.status": [("status",)],
    "subscriptions.subscribe": [("subscribe",)],
    "subscriptions.unsubscribe": [("unsubscribe",)],
    "subscriptions.list_subscriptions": [("subscriptions",)],
    "trials.watch_trials": [("trials", "watch")],
    "trials.watch_program": [("trials", "watch")],
    "trials.unwatch_trials": [("trials", "unwatch")],
    "trials.unwatch_program": [("trials", "unwatch")],
    "trials.list_trials": [("trials", "list")],
    "trials.show_trial": [("trials", "show")],
    "trials.enable_registry": [("trials", "enable")],
    "upcoming.upcoming": [("upcoming",), ("calendar",)],  # the calendar is the same answer as an .ics file
    "why.why": [("why",)],
}

# Core coroutines that are not commands themselves.
HELPERS: dict[str, str] = {
    "choices.program_choices": "autocomplete of programme options (Discord)",
    "choices.subscription_choices": "autocomplete of /unsubscribe (Discord)",
    "programs.resolve_program": "name → programme, used by every command taking a programme",
    "programs.unknown_program_message": "the 'did you mean' sentence of resolve_program",
    "filings.ensure_filings_source": "adds a sponsor's 8-K feed for programmes with a CIK",
    "trials.ensure_ctgov_source": "adds the ClinicalTrials.gov source when the first trial is watched",
    "upcoming.trial_completions": "part of upcoming: completion dates from trial snapshots",
    # Actions on a posted alert (its buttons and "Why this alert?"): a chat message is what they act on, so they
    # exist only where alerts are messages; each answers what a command already does (why, lookup, subscribe).
    "alert_actions.alert_why": "the Why? button of an alert: the `why` answer for its event",
    "alert_actions.alert_card": "the Programme card button: the `lookup` answer for the alert's programme",
    "alert_actions.mute_program": "the Mute programme here button (Discord and Slack alerts)",
    "alert_actions.unmute": "the Unmute button of a mute's confirmation",
    "alert_actions.why_message": "the Why this alert? message command / shortcut",
    "feeds.cadences": "part of feeds list: each feed's learned polling cadence and next poll",
    "home.home": "Slack's App Home tab, published when opened (subscriptions, catalysts, alerts, health)",
    "lookup.program_card": "the card of a programme, for lookup and lookup --track",
    "registry.onboard": "the quiet back-fill run by programs add and lookup --track",
    "registry.search_registry": "the cached ClinicalTrials.gov search of lookup and the back-fill",
}

REGISTRY = "the programme registry is the operator's TOML file, kept on the command line (programs import/export)"
HOST_FILES = "reads and writes files on the bot's host"
FILINGS = "SEC feeds follow the programmes' CIKs, registered with the registry on the command line"
# (front end, command path) → why that front end does not have it.
EXCEPTIONS: dict[tuple[str, Path], str] = {
    **{(front, ("programs", action)): REGISTRY for front in ("discord", "slack")
       for action in ("add", "remove", "list", "import", "merges", "unmerge", "promote")},
    **{(front, (name,)): HOST_FILES for front in ("discord", "slack") for name in ("export", "import")},
    **{(front, ("filings", action)): FILINGS for front in ("discord", "slack") for action in ("watch", "list")},
}


def core_coroutines() -> set[str]:
    found = set()
    for info in pkgutil.iter_modules(bot.core.__path__):
        module = importlib.import_module(f"bot.core.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.iscoroutinefunction):
            if fn.__module__ != module.__name__ or name.startswith("_"):
                continue
            params = list(inspect.signature(fn).parameters.values())
            if params and "CoreContext" in str(params[0].annotation):
                found.add(f"{info.name}.{name}")
    return found


def cli_has(path: Path) -> bool:
    parser: argparse.ArgumentParser = build_parser()
    for word in path:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs or word not in subs[0].choices:
            return False
        parser = subs[0].choices[word]
    return True


def discord_has(path: Path) -> bool:
    tree = build_tree(discord.Client(intents=discord.Intents.none()), CommandEnv(core=None))  # type: ignore[arg-type]
    command = tree.get_command(path[0])
    for word in path[1:]:
        if not isinstance(command, discord.app_commands.Group):
            return False
        command = command.get_command(word)
    return command is not None


def slack_has(path: Path) -> bool:
    table = SlashCommands(lambda: None, None).commands  # type: ignore[arg-type]
    sub = table.get(path[0])
    # A sub-command's actions are words of its usage line (`trials [watch … | show NCT | enable]`).
    words = sub.usage.translate(str.maketrans("[]|", "   ")).split() if sub is not None else []
    return sub is not None and all(word in words for word in path[1:])


FRONT_ENDS: dict[str, Callable[[Path], bool]] = {"cli": cli_has, "discord": discord_has, "slack": slack_has}


def test_every_core_coroutine_is_a_mapped_command_or_a_named_helper() -> None:
    found = core_coroutines()
    unmapped = found - set(COMMANDS) - set(HELPERS)
    assert not unmapped, f"core commands with no front-end mapping: {sorted(unmapped)}"
    assert not (set(COMMANDS) | set(HELPERS)) - found, "the table names core functions that no longer exist"


@pytest.mark.parametrize("front", sorted(FRONT_ENDS))
def test_every_command_is_on_the_front_end_or_excused(front: str) -> None:
    has = FRONT_ENDS[front]
    paths = sorted({path for paths in COMMANDS.values() for path in paths})
    missing = [" ".join(p) for p in paths if not has(p) and (front, p) not in EXCEPTIONS]
    assert not missing, f"{front} lacks {missing} with no stated reason"
    stale = [" ".join(p) for (f, p) in EXCEPTIONS if f == front and has(p)]
    assert not stale, f"{front} has {stale} now: remove the exception"
    assert all(reason for (f, _), reason in EXCEPTIONS.items() if f == front)
