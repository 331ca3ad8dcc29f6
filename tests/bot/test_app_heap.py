"""Opening the app sets a polling process's collector pace (watchers/schedule/heap.py)."""
from __future__ import annotations

import gc
from pathlib import Path

from bot.app import App
from bot.settings import Settings
from watchers.schedule.heap import YOUNG_OBJECTS


async def test_opening_the_app_sets_the_pace(default_pace: None, tmp_path: Path) -> None:
    app = await App.open(Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'x.db'}",
                                  seed_defaults=False))
    try:
        assert gc.get_threshold()[0] == YOUNG_OBJECTS
    finally:
        await app.close()
