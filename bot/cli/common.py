"""What the command modules share."""
from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from bot.app import App

Handler = Callable[[App, argparse.Namespace], Awaitable[int]]
Subparsers = Any  # argparse's _SubParsersAction is private


class UsageError(Exception):
    """A bad argument: one line to stderr, exit code 2."""
