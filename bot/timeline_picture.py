"""The programme timeline as a PNG: one lane per trial (status as coloured bars, enrollment as numbers where it
changed, the primary completion date as a diamond, each slip as an arrow from the old date to the new one) and a
milestone lane (designations, readouts, catalysts as marked points), with today as a line.

matplotlib draws with the Agg backend through its object API (no pyplot, no global figure state), in a worker
thread so the event loop keeps answering; pictures are cached by the hash of what they show, so the same card asked
twice is drawn once. Sized for a chat client: 1000 px wide, large type.
"""
from __future__ import annotations

import asyncio
import hashlib
import io
import threading
from collections import OrderedDict
from datetime import date, timedelta

import matplotlib

matplotlib.use("Agg")  # no display; set before any other matplotlib import

from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from bot.core.timeline import Timeline

WIDTH_PX = 1000
DPI = 100
CACHE_SIZE = 64
FILENAME = "timeline.png"
LABEL_GAP = 0.12  # of the time axis: about the width of a 20-character label at 1000 px

STATUS_COLOURS = {
    "NOT_YET_RECRUITING": "#b0bec5",
    "RECRUITING": "#2e7d32",
    "ENROLLING_BY_INVITATION": "#66bb6a",
    "ACTIVE_NOT_RECRUITING": "#1565c0",
    "SUSPENDED": "#f9a825",
    "COMPLETED": "#616161",
    "TERMINATED": "#c62828",
    "WITHDRAWN": "#8e24aa",
}
OTHER_STATUS = "#9e9e9e"
MARKERS = {"designation": ("*", "#ef6c00", 15), "readout": ("o", "#1565c0", 10), "catalyst": ("^", "#c62828", 10)}

_cache: OrderedDict[str, bytes] = OrderedDict()
_lock = threading.Lock()  # matplotlib's font cache and text layout are not safe to share between threads


def content_key(timeline: Timeline) -> str:
    return hashlib.sha256(timeline.model_dump_json().encode()).hexdigest()


def _status_label(status: str) -> str:
    return status.replace("_", " ").capitalize()


def _span(timeline: Timeline) -> tuple[date, date]:
    days = [timeline.today]
    for t in timeline.trials:
        days += [d for d, _ in t.statuses] + [d for d, _ in t.enrollment]
        days += [d for s in t.slips for d in (s.seen, s.old, s.new)]
        if t.primary_completion:
            days.append(t.primary_completion)
    days += [m.when for m in timeline.markers]
    first, last = min(days), max(days)
    pad = max(timedelta(days=45), (last - first) / 20)  # one point (or none) still gets a readable axis
    return first - pad, last + pad


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_png(timeline: Timeline) -> bytes:
    """Draw the picture (blocking: call through `timeline_png` from async code)."""
    lanes = len(timeline.trials) + 1
    height_px = 170 + 70 * lanes
    # Constrained layout makes room for the lane labels and the legend, however long they are.
    fig = Figure(figsize=(WIDTH_PX / DPI, height_px / DPI), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    start, end = _span(timeline)
    ax.set_xlim(start, end)  # type: ignore[arg-type]
    ax.set_ylim(-0.7, lanes - 0.3)
    labels = ["Milestones"] + [_short(t.label, 24) for t in timeline.trials]
    ax.set_yticks(range(lanes), labels=labels, fontsize=11)
    ax.invert_yaxis()
    seen_status: dict[str, str] = {}
    for lane, trial in enumerate(timeline.trials, start=1):
        steps = trial.statuses
        for i, (since, status) in enumerate(steps):
            until = steps[i + 1][0] if i + 1 < len(steps) else max(timeline.today, since + timedelta(days=1))
            colour = STATUS_COLOURS.get(status, OTHER_STATUS)
            seen_status.setdefault(status, colour)
            ax.barh(lane, mdates.date2num(until) - mdates.date2num(since), left=mdates.date2num(since),
                    height=0.34, color=colour, edgecolor="white", linewidth=0.5)
        for when, count in trial.enrollment:
            ax.annotate(f"n={count:,}", (mdates.date2num(when), lane - 0.19), xytext=(0, 2),
                        textcoords="offset points", ha="left", va="bottom", fontsize=10, color="#263238")
        for slip in trial.slips:
            y = lane + 0.28
            ax.annotate("", xy=(mdates.date2num(slip.new), y), xytext=(mdates.date2num(slip.old), y),
                        arrowprops={"arrowstyle": "->", "color": "#d84315", "lw": 2})
            ax.plot([mdates.date2num(slip.old)], [lane + 0.28], marker="|", color="#d84315", markersize=9)
        if trial.primary_completion:
            ax.plot([mdates.date2num(trial.primary_completion)], [lane], marker="D", color="black",
                    markersize=8, zorder=3)
    # A label goes above the point, else below; where both are taken by a near neighbour the point stays
    # unlabelled (the legend still says what it is) rather than printing over another label.
    min_gap = (mdates.date2num(end) - mdates.date2num(start)) * LABEL_GAP
    last_label = {11: float("-inf"), -13: float("-inf")}
    for marker in timeline.markers:
        shape, colour, size = MARKERS[marker.kind]
        x = mdates.date2num(marker.when)
        ax.plot([x], [0], marker=shape, color=colour, markersize=size, zorder=3, linestyle="none")
        side = next((dy for dy in (11, -13) if x - last_label[dy] >= min_gap), None)
        if side is not None:
            last_label[side] = x
            ax.annotate(_short(marker.label, 22), (x, 0), xytext=(0, side), textcoords="offset points",
                        ha="center", va="center", fontsize=9, color=colour)
    ax.axvline(mdates.date2num(timeline.today), color="#455a64", linestyle="--", linewidth=1)
    ax.text(mdates.date2num(timeline.today), -0.65, " today", fontsize=9, color="#455a64", va="top")
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=8))
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.tick_params(axis="x", labelsize=10)
    ax.grid(axis="x", color="#eceff1")
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"{_short(timeline.program, 60)}: trials and milestones", fontsize=14, loc="left")
    if timeline.more_trials:
        ax.set_title(f"first {len(timeline.trials)} trials; {timeline.more_trials} more on the card", fontsize=10,
                     loc="right", color="#607d8b")
    if timeline.is_empty():
        ax.text(0.5, 0.5, "Nothing dated recorded yet for this programme", transform=ax.transAxes, ha="center",
                va="center", fontsize=13, color="#607d8b",
                bbox={"facecolor": "white", "edgecolor": "none"})
    handles: list[Line2D | Patch] = [Patch(color=c, label=_status_label(s)) for s, c in seen_status.items()]
    if any(t.primary_completion for t in timeline.trials):
        handles.append(Line2D([], [], marker="D", color="black", linestyle="none", label="Primary completion"))
    if any(t.slips for t in timeline.trials):
        handles.append(Line2D([], [], color="#d84315", lw=2, label="Completion slipped"))
    for kind in dict.fromkeys(m.kind for m in timeline.markers):
        shape, colour, size = MARKERS[kind]
        handles.append(Line2D([], [], marker=shape, color=colour, linestyle="none", markersize=size * 0.8,
                              label=kind.capitalize()))
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 5), fontsize=10,
                   frameon=False)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def cached_png(timeline: Timeline) -> bytes:
    key = content_key(timeline)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
        png = render_png(timeline)
        _cache[key] = png
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
        return png


async def timeline_png(timeline: Timeline) -> bytes:
    """The picture, drawn in a worker thread (a first draw takes a few hundred ms), or from the cache."""
    return await asyncio.to_thread(cached_png, timeline)
