"""What one coordinator run ends with, and the trail it leaves when it sends a booking to
staff.

An :class:`Outcome` is recorded with the work, in the same transaction, under (booking,
trigger, version) when it is final, so a job run twice finds it and does nothing more
(see :mod:`maitred.services.coordinator`). A run that is not final (``retry``: every plan
went to other bookings first) keeps its attempts and the job runs again later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from maitred import errors
from maitred.services import bookings as factory
from maitred.services.telemetry import Telemetry
from maitred.store.db import UnitOfWork
from maitred.store.records import Booking

# Who the coordinator's history rows and events name.
ACTOR = "auto"

# Outcomes that end processing for this (booking, trigger, version).
FINAL = frozenset({"assigned", "manual_review", "cancelled", "skipped"})


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one run did for one booking."""

    booking_id: int
    restaurant_id: int
    trigger: str
    outcome: str                      # assigned | manual_review | cancelled | skipped | retry
    state: str
    version: int
    reason: str
    tables: list[int] = field(default_factory=list)
    strategy: str | None = None
    attempts: int = 0
    correlation_id: str | None = None
    replayed: bool = False

    @property
    def final(self) -> bool:
        return self.outcome in FINAL

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class TryAgain(errors.Conflict):
    """Every plan for this booking went to other bookings first; it is tried again later."""

    code = "try-again"

    def __init__(self, booking_id: int, detail: str) -> None:
        self.booking_id = booking_id
        super().__init__(detail)


# Builds the outcome of a run that ends here: (outcome, reason, booking, **fields).
Ended = Callable[..., Outcome]


def ending(booking: Booking, trigger: str, cid: str) -> Ended:
    """The :data:`Ended` of one run for ``booking``."""
    rid, bid = booking.restaurant_id, booking.id

    def ended(outcome: str, reason: str, current: Booking, **more: Any) -> Outcome:
        return Outcome(bid, rid, trigger, outcome, current.state, current.version, reason,
                       correlation_id=cid, **more)

    return ended


def to_review(tx: UnitOfWork, telemetry: Telemetry, booking: Booking, trigger: str,
              reason: str, last: int, ended: Ended) -> Outcome:
    """Send the booking to staff with the reason (its attempts are already recorded)."""
    done = factory.transition(
        tx, booking.restaurant_id, booking.id, "manual_review",
        expected_version=booking.version, actor=ACTOR,
        **review_fields(trigger, reason, last - booking.assignment_attempts), current=booking)
    telemetry.emit("booking.manual_review", tx.correlation_id, booking_id=booking.id,
                   reason=reason)
    return ended("manual_review", reason, done, attempts=last)


def claimed_reason(trigger: str) -> str:
    """Why a booking moved to ``assignment_pending``."""
    return f"automatic assignment ({trigger})"


def review_fields(trigger: str, reason: str, attempts: int) -> dict[str, Any]:
    """The fields of the transition to ``manual_review``."""
    return {"reason": reason, "metadata": {"trigger": trigger}, "attempts": attempts}
