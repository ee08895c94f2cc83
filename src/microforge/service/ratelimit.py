"""Per-client token bucket for uploads: `n` per `per` seconds, refilled continuously.

>>> rl = RateLimiter(30, 60); ok, retry_after = rl.allow("203.0.113.7")
"""
from __future__ import annotations

import threading
import time


class RateLimiter:
    def __init__(self, n: int, per: float, clock=time.monotonic):
        self.capacity, self.rate, self.clock = float(n), n / per, clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> tuple[bool, float]:
        """(allowed, seconds until the next upload would be)."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if len(self._buckets) > 10_000:          # forget full buckets: they are the default anyway
                self._buckets = {k: v for k, v in self._buckets.items() if v[0] < self.capacity}
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                return True, 0.0
            self._buckets[client] = (tokens, now)
            return False, (1.0 - tokens) / self.rate
