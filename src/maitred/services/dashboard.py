"""The dashboard's "assign tables": every unassigned booking of a day, in one run.

A manager opening the day's sheet wants the machine to place everything still waiting,
and to see what it placed, what it sent to staff and why. The run takes the day's lock
exclusively (the per-booking pipeline takes it shared, so the two never interleave on one
day), then runs the coordinator on each waiting booking in the order they were made,
all in one transaction: the day is placed as one change or not at all.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from maitred.services import locks
from maitred.services.coordinator import Coordinator
from maitred.store.assignments import AssignmentRepository
from maitred.store.db import UnitOfWork


def assign_day(tx: UnitOfWork, coordinator: Coordinator, restaurant_id: int,
               day: date) -> dict[str, Any]:
    """Place the day's waiting bookings; what was placed, sent to review, or left, and why."""
    locks.take(tx, locks.day_name(restaurant_id, day), telemetry=coordinator.telemetry)
    zone = ZoneInfo(tx.restaurants.get(restaurant_id).timezone)
    start = datetime.combine(day, time(0), tzinfo=zone)
    waiting = AssignmentRepository(tx.conn).open_bookings(
        restaurant_id, start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone))
    placed: list[dict[str, Any]] = []
    review: list[dict[str, Any]] = []
    left: list[dict[str, Any]] = []
    for booking_id in waiting:
        try:
            outcome = coordinator.process_in(tx, booking_id, "retry", None,
                                             tx.correlation_id or f"day:{restaurant_id}:{day}")
        except locks.LockHeld as exc:  # raised before it wrote anything for this booking
            left.append({"bookingId": booking_id, "reason": exc.detail})
            continue
        entry = {"bookingId": booking_id, "reason": outcome.reason}
        if outcome.outcome == "assigned":
            placed.append({**entry, "tableIds": outcome.tables, "strategy": outcome.strategy})
        elif outcome.outcome == "manual_review":
            review.append(entry)
        else:
            left.append(entry)
    return {"restaurantId": restaurant_id, "date": day.isoformat(), "placed": placed,
            "review": review, "left": left}
