"""The programme timeline: its points from stored trial changes, and the PNG drawn from them (decoded and measured),
with no data, one point, and a full history; pictures are cached by content."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime

from PIL import Image

from bot import timeline_picture
from bot.core.timeline import Marker, Slip, Timeline, TrialTimeline, registry_day, trial_timeline
from storage.trial_models import StoredTrialChange, TrialChange, TrialSnapshot

TODAY = date(2026, 12, 7)


def change(field: str, old: object, new: object, posted: str | None, kind: str = "changed") -> StoredTrialChange:
    return StoredTrialChange(nct_id="NCT01234567", seen_at=datetime(2026, 1, 2, tzinfo=UTC),
                             last_update_posted=posted, change=TrialChange(field=field, old=old, new=new, change=kind))


def decoded(png: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(png))
    picture.load()  # the whole image decodes, not just its header
    assert picture.format == "PNG"
    return picture


def test_registry_days() -> None:
    assert registry_day("2025-06") == date(2025, 6, 15)
    assert registry_day("2025-06-30") == date(2025, 6, 30)
    assert registry_day("2025-13") is None and registry_day("soon") is None and registry_day(None) is None


def test_status_enrollment_and_slips_from_the_changes() -> None:
    snap = TrialSnapshot(nct_id="NCT01234567", acronym="ZUMA-9", overall_status="ACTIVE_NOT_RECRUITING",
                         enrollment_count=120, start_date="2022-06-05", primary_completion_date="2025-12")
    line = trial_timeline("NCT01234567", snap, [
        change("primary_completion_date", "2025-06", "2025-12", "2025-03-04", "slip"),
        change("overall_status", "RECRUITING", "ACTIVE_NOT_RECRUITING", "2025-03-04"),
        change("enrollment", {"count": 45, "type": "ESTIMATED"}, {"count": 120, "type": "ACTUAL"}, None),
    ], TODAY)
    assert line.label == "NCT01234567 (ZUMA-9)"
    assert line.statuses == [(date(2022, 6, 5), "RECRUITING"), (date(2025, 3, 4), "ACTIVE_NOT_RECRUITING")]
    assert line.enrollment == [(date(2022, 6, 5), 45), (date(2026, 1, 2), 120)]  # no posted date: when seen
    assert line.slips == [Slip(seen=date(2025, 3, 4), old=date(2025, 6, 15), new=date(2025, 12, 15))]
    assert line.primary_completion == date(2025, 12, 15)


def test_a_trial_never_polled_has_no_points() -> None:
    line = trial_timeline("NCT01234567", None, [], TODAY)
    assert (line.statuses, line.enrollment, line.slips, line.primary_completion) == ([], [], [], None)


def test_picture_with_nothing_one_point_and_a_history() -> None:
    empty = decoded(timeline_picture.render_png(Timeline(program="nothing-yet", today=TODAY)))
    assert empty.size == (1000, 240)
    one = Timeline(program="one", today=TODAY, markers=[Marker(when=TODAY, kind="designation", label="orphan drug")])
    assert decoded(timeline_picture.render_png(one)).size == (1000, 240)
    full = Timeline(program="azer-cel", today=TODAY, trials=[
        TrialTimeline(nct_id="NCT01234567", label="NCT01234567", statuses=[(date(2023, 1, 1), "RECRUITING")],
                      enrollment=[(date(2023, 1, 1), 45)], primary_completion=date(2027, 3, 15),
                      slips=[Slip(seen=date(2025, 1, 1), old=date(2026, 3, 15), new=date(2027, 3, 15))]),
        TrialTimeline(nct_id="NCT07654321", label="NCT07654321"),
    ], markers=[Marker(when=date(2024, 2, 2), kind="readout", label="topline")])
    picture = decoded(timeline_picture.render_png(full))
    assert picture.size == (1000, 170 + 70 * 3)
    # Not blank: the status bar's green is drawn.
    colours = {c for _, c in picture.convert("RGB").getcolors(maxcolors=1 << 20) or []}
    assert (0x2E, 0x7D, 0x32) in colours


async def test_pictures_are_cached_by_content() -> None:
    timeline_picture._cache.clear()
    first = Timeline(program="cache-a", today=TODAY)
    png = await timeline_picture.timeline_png(first)
    assert await timeline_picture.timeline_png(Timeline(program="cache-a", today=TODAY)) is png
    other = await timeline_picture.timeline_png(Timeline(program="cache-b", today=TODAY))
    assert other is not png and len(timeline_picture._cache) == 2
