"""A polling process collects its young objects less often (watchers/schedule/heap.py)."""
from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from watchers.schedule.heap import YOUNG_OBJECTS, loosen_young_collections


@pytest.fixture
def default_pace() -> Iterator[None]:
    """CPython's default thresholds during the test, the process's own after it."""
    kept = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*kept)


def test_the_young_generation_is_collected_less_often_and_the_rest_kept(default_pace: None) -> None:
    loosen_young_collections()
    assert gc.get_threshold() == (YOUNG_OBJECTS, 10, 10)
    gc.set_threshold(50_000, 5, 7)  # a higher pace already chosen stays
    loosen_young_collections()
    assert gc.get_threshold() == (50_000, 5, 7)
    gc.set_threshold(0, 10, 10)  # collection switched off stays off
    loosen_young_collections()
    assert gc.get_threshold()[0] == 0
