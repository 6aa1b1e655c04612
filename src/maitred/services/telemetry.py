"""What the automatic pipeline tells the people running it: one event stream and metrics.

Every decision the pipeline takes (the selector's choice with every strategy's score, a
quote, a hold created or confirmed, a conflict lost to another booking, a lock not got)
is one structured event: a JSON line on the ``maitred.pipeline`` logger carrying the
correlation id of the request or job that caused it, so one booking's story can be
followed from the booking form to its table. Each kind of event also moves a Prometheus
counter or histogram, served by ``/metrics`` next to the HTTP figures.

The registry is this module's own (:data:`PIPELINE`): a worker process and the API each
count what they did; Prometheus adds them up.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

log = logging.getLogger("maitred.pipeline")

# A booking should be seated in tens of milliseconds; a second is already a problem.
_FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Telemetry:
    """The pipeline's counters and histograms, and the structured event stream."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.outcomes = Counter("maitred_pipeline_bookings", "Bookings processed, by outcome.",
                                ["outcome"], registry=r)
        self.attempts = Counter("maitred_pipeline_attempts", "Assignment attempts, by result.",
                                ["result"], registry=r)
        self.holds = Counter("maitred_pipeline_holds",
                             "Automatic holds, by what became of them (created, confirmed, "
                             "conflict).", ["event"], registry=r)
        self.process_seconds = Histogram("maitred_pipeline_process_seconds",
                                         "Time to process one booking.", registry=r,
                                         buckets=_FAST)
        self.quote_seconds = Histogram("maitred_pipeline_quote_seconds",
                                       "Time for the engine to quote one booking.",
                                       registry=r, buckets=_FAST)
        self.lock_seconds = Histogram("maitred_lock_acquire_seconds",
                                      "Time to try for a lock.", ["lock"], registry=r,
                                      buckets=_FAST)
        self.lock_failures = Counter("maitred_lock_failures",
                                     "Locks not acquired (held elsewhere).", ["lock"],
                                     registry=r)
        self.rate_limited = Counter("maitred_pipeline_rate_limited",
                                    "Bookings put back because their restaurant was over "
                                    "its rate.", registry=r)
        self.bulk = Counter("maitred_pipeline_bulk_bookings",
                            "Bookings a batch took along: written in its bulk write, or given "
                            "back to the per-booking way (a table placed elsewhere).",
                            ["result"], registry=r)
        self.breaker_open = Gauge("maitred_breaker_open",
                                  "1 while a circuit breaker is open.", ["breaker"],
                                  registry=r)

    def emit(self, kind: str, correlation_id: str | None, **fields: Any) -> None:
        """One event of the stream, as a JSON line."""
        if log.isEnabledFor(logging.INFO):
            log.info(json.dumps({"event": kind, "correlation_id": correlation_id, **fields},
                                default=str, sort_keys=True))


PIPELINE = Telemetry()
