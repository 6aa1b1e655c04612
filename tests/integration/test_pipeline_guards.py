"""Guards and telemetry of the pipeline: rate per restaurant, circuit breaker, event stream."""

from __future__ import annotations

import json
import logging

import pytest
from tests.integration.support import SmallFloor
from tests.integration.test_pipeline_coordinator import SETTINGS, create

from maitred.services import guards
from maitred.services.coordinator import Coordinator
from maitred.services.telemetry import Telemetry
from maitred.store.db import Database


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_after_failures_in_a_row_and_tries_again_after_cooldown() -> None:
    clock = Clock()
    breaker = guards.Breaker("db", threshold=3, cooldown=5, telemetry=Telemetry(), clock=clock)
    breaker.failed()
    breaker.failed()
    breaker.check()  # two failures: still closed
    breaker.failed()
    assert breaker.state == "open"
    with pytest.raises(guards.BreakerOpen):
        breaker.check()
    clock.now += 5
    assert breaker.state == "half-open"
    breaker.check()  # one call goes through to test the water...
    breaker.failed()  # ...and fails: open again at once
    assert breaker.state == "open"
    clock.now += 5
    breaker.succeeded()
    assert breaker.state == "closed"


def test_a_restaurant_over_its_rate_waits_while_others_go_on() -> None:
    rate = guards.RateLimit("2/minute")
    rate.take(1)
    rate.take(1)
    with pytest.raises(guards.RateLimited):
        rate.take(1)
    rate.take(2)


def test_a_rate_limited_booking_is_left_untouched_for_a_later_try(
    db: Database, small_floor: SmallFloor,
) -> None:
    telemetry = Telemetry()
    seat = Coordinator(db, SETTINGS, telemetry=telemetry, rate=guards.RateLimit("1/minute"))
    first, second = create(db, small_floor), create(db, small_floor)
    assert seat.process(first.id, "creation", version=1).outcome == "assigned"
    with pytest.raises(guards.RateLimited):
        seat.process(second.id, "creation", version=1)
    with db.uow() as tx:
        assert tx.bookings.get(small_floor.restaurant_id, second.id).state == "pending"
    assert telemetry.rate_limited._value.get() == 1


def test_an_open_breaker_refuses_before_touching_the_database(
    db: Database, small_floor: SmallFloor,
) -> None:
    breaker = guards.Breaker("db", threshold=1, cooldown=60, telemetry=Telemetry())
    breaker.failed()
    booking = create(db, small_floor)
    with pytest.raises(guards.BreakerOpen):
        Coordinator(db, SETTINGS, breaker=breaker).process(booking.id, "creation", version=1)
    with db.uow() as tx:
        assert tx.bookings.get(small_floor.restaurant_id, booking.id).state == "pending"


def test_every_pipeline_event_carries_the_correlation_id(
    db: Database, small_floor: SmallFloor, caplog: pytest.LogCaptureFixture,
) -> None:
    telemetry = Telemetry()
    booking = create(db, small_floor)
    with caplog.at_level(logging.INFO, logger="maitred.pipeline"):
        Coordinator(db, SETTINGS, telemetry=telemetry).process(
            booking.id, "creation", version=1, correlation_id="req-42")
    events = [json.loads(r.getMessage()) for r in caplog.records
              if r.name == "maitred.pipeline"]
    assert [e["event"] for e in events] == ["selector.decision", "hold.created",
                                            "hold.confirmed", "booking.processed"]
    assert {e["correlation_id"] for e in events} == {"req-42"}
    decision = events[0]
    assert len(decision["strategies"]) >= 5
    assert all("score" in s and "reason" in s for s in decision["strategies"])
    assert telemetry.outcomes.labels("assigned")._value.get() == 1
    assert telemetry.holds.labels("confirmed")._value.get() == 1
    with db.uow() as tx:
        kinds = {e.correlation_id for e in tx.events.since(small_floor.restaurant_id)
                 if e.kind == "hold.created"}
    assert kinds == {"req-42"}
