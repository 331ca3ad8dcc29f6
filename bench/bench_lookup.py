"""Lookup latency with 100,000 events and 1,000 programmes in the store (target: p95 under 50 ms); one event in
ten names a drug no programme has (brand-like, so nothing is learned from it): those names are looked up too,
through the stored events by name (ClinicalTrials.gov is pointed at an address that refuses at once).

Run: .venv/bin/python bench/bench_lookup.py [--events N]   (issue 17's target: --events 1000000)
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import fake_code, fake_drug, table
from bot.core.context import CoreContext
from bot.core.lookup import lookup
from bot.settings import Settings
from storage.models import NewEvent, ProgramIn
from storage.store import Store
from storage.taxonomy import SUBTYPES
from watchers.fetch.http import FetchConfig, Fetcher
from watchers.record import add_events


async def main(n_events: int, n_programs: int, n_lookups: int, as_json: bool = False) -> None:
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(f"sqlite:///{tmp}/bench.db")
        t0 = time.perf_counter()
        programs = []
        for i in range(n_programs):
            p = await store.programs.add(ProgramIn(
                name=f"{fake_drug(rng)}{i}", aliases=[fake_code(rng) + f"-{i}", f"{fake_drug(rng)}x{i}"],
                sponsors=[f"Sponsor {i % 300}"], nct_ids=[f"NCT{rng.randint(0, 99_999_999):08d}"],
            ))
            programs.append(p)
        kinds = list(SUBTYPES)
        batch: list[NewEvent] = []
        unknown = [f"Zorvexa{i}" for i in range(max(1, n_programs))]
        for i in range(n_events):
            # every programme has events (the first ones go round them all), then at random
            prog = programs[i % len(programs)] if i < 2 * len(programs) else rng.choice(programs)
            kind = rng.choice(kinds)
            if i % 10 == 5:
                batch.append(NewEvent(dedupe_key=f"b{i}", kind=kind, subtype=rng.choice(SUBTYPES[kind]),
                                      title=f"News {i} about {unknown[(i // 10) % len(unknown)]}", url=f"https://x.test/{i}",
                                      programs=[unknown[(i // 10) % len(unknown)]]))
                continue
            facts: dict[str, object] = {"phase": "Phase 2"}
            if kind == "regulatory" and i % 5 == 0:
                facts["pdufa_date"] = f"2027-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            batch.append(NewEvent(
                dedupe_key=f"b{i}", kind=kind, subtype=rng.choice(SUBTYPES[kind]),
                title=f"{prog.sponsors[0]} announces news {i} for {prog.aliases[0]}", url=f"https://x.test/{i}",
                programs=[rng.choice([prog.name, *prog.aliases])], facts=facts,
            ))
            if len(batch) == 1000:
                await add_events(store, batch)
                batch = []
        if batch:
            await add_events(store, batch)
        fill = time.perf_counter() - t0
        async with Fetcher(FetchConfig()) as fetcher:
            ctx = CoreContext(store, fetcher, Settings(_env_file=None, ctgov_base_url="http://127.0.0.1:9/api/v2",
                                                       ctgov_request_interval_seconds=0))
            names = [rng.choice([p.name, *p.aliases]) for p in rng.choices(programs, k=n_lookups)]
            await lookup(ctx, names[0])  # warm the page cache once
            times = []
            for name in names:
                t = time.perf_counter()
                card = await lookup(ctx, name)
                times.append((time.perf_counter() - t) * 1000)
                assert card.recent, name
            untracked = []
            for name in rng.choices(unknown[: max(1, min(len(unknown), n_events // 10))], k=min(200, n_lookups)):
                t = time.perf_counter()
                card = await lookup(ctx, name)
                untracked.append((time.perf_counter() - t) * 1000)
                assert card.recent and not card.tracked, name
            misses = []
            for name in [f"{n}zz" for n in names[:50]]:
                t = time.perf_counter()
                try:
                    await lookup(ctx, name)
                except Exception:
                    pass
                misses.append((time.perf_counter() - t) * 1000)
        await store.close()
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    untracked.sort()
    u95 = untracked[int(len(untracked) * 0.95) - 1]
    print(table([
        ("store", f"{n_events:,} events, {n_programs:,} programmes (filled in {fill:.1f} s)"),
        ("lookups", f"{n_lookups:,} random names and aliases"),
        ("latency p50 / p95 / max", f"{statistics.median(times):.1f} / {p95:.1f} / {times[-1]:.1f} ms"),
        ("name with no programme p50 / p95", f"{statistics.median(untracked):.1f} / {u95:.1f} ms"),
        ("unknown name (suggestions) p50", f"{statistics.median(misses):.1f} ms"),
        ("target", "p95 under 50 ms: " + ("MET" if max(p95, u95) < 50 else "MISSED")),
    ]))
    if as_json:
        print("BENCH-RESULT " + json.dumps({"events": n_events, "programs": n_programs, "lookups": n_lookups,
                                            "p50": statistics.median(times), "p95": p95, "max": times[-1],
                                            "untracked_p50": statistics.median(untracked), "untracked_p95": u95,
                                            "miss_p50": statistics.median(misses), "fill": fill}))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--programs", type=int, default=1_000)
    ap.add_argument("--lookups", type=int, default=500)
    ap.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    a = ap.parse_args()
    asyncio.run(main(a.events, a.programs, a.lookups, a.json))
