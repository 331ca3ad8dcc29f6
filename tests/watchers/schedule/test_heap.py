"""A polling process collects its young objects less often (watchers/schedule/heap.py)."""
from __future__ import annotations

import gc

from watchers.schedule.heap import YOUNG_OBJECTS, loosen_young_collections


def test_the_young_generation_is_collected_less_often_and_the_rest_kept(default_pace: None) -> None:
    loosen_young_collections()
    assert gc.get_threshold() == (YOUNG_OBJECTS, 10, 10)
    gc.set_threshold(50_000, 5, 7)  # a higher pace already chosen stays
    loosen_young_collections()
    assert gc.get_threshold() == (50_000, 5, 7)
    gc.set_threshold(0, 10, 10)  # collection switched off stays off
    loosen_young_collections()
    assert gc.get_threshold()[0] == 0
