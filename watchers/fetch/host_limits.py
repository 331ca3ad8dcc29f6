"""Politeness per host, across every source on it: at most N requests a second and M at once.

Hundreds of company feeds live on one wire's host; polled as separate sources they would add up to a burst the
host never agreed to. A 429 or 503 from the host slows the whole host (its pace halves, and nothing is sent to it
before its Retry-After), not only the source that heard it; successes bring the pace back step by step.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

SLOW_DOWN = {429, 503}
MAX_SLOWDOWN = 16.0  # a host that keeps refusing is asked at 1/16 of its pace at worst
MAX_PAUSE = 300.0  # a Retry-After longer than this pauses the host for this long (the source backs off itself)


@dataclass
class _Host:
    interval: float
    concurrency: int
    slowdown: float = 1.0
    next_at: float = 0.0  # monotonic time before which nothing is sent
    gate: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self.gate = asyncio.Semaphore(self.concurrency)


class _Slot:
    """One request's slot (`async with`): a class, not an async generator, as every poll takes one (issue 19: the
    generator's machinery was a tenth of the fetch). The pace needs no lock: nothing awaits between reading and
    advancing `next_at`, so each request still takes the next free moment."""

    __slots__ = ("_state",)

    def __init__(self, state: _Host) -> None:
        self._state = state

    async def __aenter__(self) -> None:
        state = self._state
        await state.gate.acquire()
        now = time.monotonic()
        wait = state.next_at - now
        state.next_at = max(now, state.next_at) + state.interval * state.slowdown
        if wait > 0:
            try:
                await asyncio.sleep(wait)
            except BaseException:
                state.gate.release()
                raise

    async def __aexit__(self, *exc: object) -> None:
        self._state.gate.release()


class HostLimits:
    def __init__(self, requests_per_second: float = 2.0, concurrency: int = 4,
                 per_host_rate: Mapping[str, float] | None = None) -> None:
        self._rate = requests_per_second
        self._concurrency = concurrency
        # Hosts with their own agreed pace (EDGAR: 10 requests per second).
        self._per_host = {h.lower(): r for h, r in (per_host_rate or {}).items()}
        self._hosts: dict[str, _Host] = {}

    def _host(self, host: str) -> _Host:
        key = host.lower()
        found = self._hosts.get(key)
        if found is None:
            rate = self._per_host.get(key, self._rate)
            found = self._hosts[key] = _Host(1.0 / rate if rate > 0 else 0.0, self._concurrency)
        return found

    def slot(self, host: str) -> _Slot:
        """Hold one of the host's concurrent slots, sent no sooner than the host's pace allows."""
        return _Slot(self._host(host))

    def answered(self, host: str, status: int, retry_after: float | None = None) -> None:
        """Adjust the host's pace to its answer: 429/503 slow it (and pause it for Retry-After), others ease it."""
        state = self._host(host)
        if status in SLOW_DOWN:
            state.slowdown = min(state.slowdown * 2, MAX_SLOWDOWN)
            pause = min(retry_after if retry_after is not None else state.interval * state.slowdown, MAX_PAUSE)
            state.next_at = max(state.next_at, time.monotonic() + pause)
        elif state.slowdown > 1.0:
            state.slowdown = max(1.0, state.slowdown * 0.9)

    def slowdown(self, host: str) -> float:
        """How many times slower than its pace the host is asked now (1.0: not slowed)."""
        return self._host(host).slowdown
