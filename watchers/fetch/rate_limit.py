"""A shared pace: at most `rate` calls per second across every caller (EDGAR's 10 requests per second)."""
from __future__ import annotations

import asyncio
import time


class RateLimiter:
    """At most `rate` calls per second across every caller."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            if self._next > now:
                await asyncio.sleep(self._next - now)
            self._next = max(now, self._next) + self._interval
