"""Guards around automatic assignment: a rate per restaurant and a circuit breaker.

A restaurant importing a thousand bookings must not starve every other restaurant's
pipeline: :class:`RateLimit` (the ``limits`` library, a moving window per restaurant)
says when one restaurant has had its share for now; its bookings wait in the queue and
are retried a moment later, nothing is dropped. The window is counted per process (the
library's memory storage): with N workers a restaurant gets at most N times the rate.

:class:`Breaker` stops hammering a dependency that keeps failing (the database going
away mid-service): after ``threshold`` failures in a row it opens and refuses at once for
``cooldown`` seconds, then lets one call through to test the water. Its state is a gauge
in ``/metrics`` and a field of ``/healthz``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from maitred import errors
from maitred.services.telemetry import PIPELINE, Telemetry

DEFAULT_RATE = "500/second"


class RateLimited(errors.Conflict):
    """This restaurant has had its share of automatic assignments for now; retry shortly."""

    code = "rate-limited"

    def __init__(self, restaurant_id: int, rate: str) -> None:
        self.restaurant_id = restaurant_id
        self.rate = rate
        super().__init__(f"restaurant {restaurant_id} is over its rate of {rate}; "
                         "its bookings are processed a moment later")


class BreakerOpen(errors.DatabaseUnavailable):
    """A dependency keeps failing; automatic assignment pauses briefly."""

    code = "breaker-open"

    def __init__(self, name: str, retry_in: float) -> None:
        self.breaker = name
        self.retry_in = round(retry_in, 3)
        super().__init__(f"{name} keeps failing; automatic assignment resumes in "
                         f"{retry_in:.1f} s")


class RateLimit:
    """At most ``rate`` automatic assignments per restaurant (per process)."""

    def __init__(self, rate: str = DEFAULT_RATE) -> None:
        self.rate = rate
        self.item: RateLimitItem = parse(rate)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def take(self, restaurant_id: int, *, cost: int = 1) -> None:
        """Count ``cost`` assignments, or raise :class:`RateLimited` (counting none)."""
        if not self.limiter.hit(self.item, "restaurant", str(restaurant_id), cost=cost):
            raise RateLimited(restaurant_id, self.rate)


class Breaker:
    """Closed → (``threshold`` failures in a row) → open → (``cooldown``) → half-open."""

    def __init__(self, name: str, *, threshold: int = 5, cooldown: float = 5.0,
                 telemetry: Telemetry = PIPELINE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.threshold = threshold
        self.cooldown = cooldown
        self.telemetry = telemetry
        self.clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._lock = threading.Lock()
        telemetry.breaker_open.labels(name).set(0)

    @property
    def state(self) -> Literal["closed", "open", "half-open"]:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "half-open" if self.clock() - self._opened_at >= self.cooldown else "open"

    def check(self) -> None:
        """Refuse at once while open (a half-open breaker lets the call through)."""
        with self._lock:
            if self._opened_at is None:
                return
            waited = self.clock() - self._opened_at
            if waited < self.cooldown:
                raise BreakerOpen(self.name, self.cooldown - waited)

    def succeeded(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
        self.telemetry.breaker_open.labels(self.name).set(0)

    def failed(self) -> None:
        with self._lock:
            self._failures += 1
            half_open = self._opened_at is not None
            if half_open or self._failures >= self.threshold:
                self._opened_at = self.clock()
        if self._opened_at is not None:
            self.telemetry.breaker_open.labels(self.name).set(1)


# One per process: the dependency (the database) is shared by every booking.
DATABASE = Breaker("database")
