"""Auto quote and confirm: the engine's best tables for a booking, held while staff decide.

A host on the phone asks "where would the machine seat them?": :func:`quote` answers with
the ranked plans (each with its score broken down term by term and its reasons in words)
and holds the best one at once, so it is still free when the guest says yes. Confirming
(:func:`confirm`) turns that hold into the booking's tables, exactly like a manual
session's confirm; an expired or released hold is refused with the reason.

A new quote for the same booking gives back the tables of the previous quote's hold first:
a host re-asking is not a second party.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from maitred import errors
from maitred.config import Settings
from maitred.engine import planner
from maitred.services import bookings as factory
from maitred.services import sessions, snapshot
from maitred.services.telemetry import PIPELINE, Telemetry
from maitred.store.db import UnitOfWork

# Plans shown, and plans tried for the hold when others take tables meanwhile.
SHOWN = 5
TRIED = 3


def quote(tx: UnitOfWork, settings: Settings, restaurant_id: int, booking_id: int,
          actor: sessions.Actor, *, telemetry: Telemetry = PIPELINE) -> dict[str, Any]:
    """Ranked plans for the booking, and a hold on the best one still free."""
    booking = tx.bookings.get(restaurant_id, booking_id, for_update=True)
    if booking.state not in sessions.RESEATABLE:
        raise errors.IllegalTransition("booking", booking_id, booking.state, "quoted")
    _release_earlier_quotes(tx, restaurant_id, booking_id)
    snap = snapshot.for_booking(tx, settings, booking)
    view, policy = snap.view, snap.view.policy
    answer = planner.quote(snap.booking(booking), view.floor, snap.timeline(), policy,
                           limit=SHOWN, clock=snap.clock)
    ranked = [p for p in ([answer.best] if answer.best else []) + list(answer.alternatives)
              if not set(p.tables) & view.blocked]
    end_at = booking.end_at + timedelta(minutes=policy.buffer_minutes)
    held: dict[str, Any] | None = None
    conflicts = []
    for plan in ranked[:TRIED]:
        table_ids = [view.table_ids[label] for label in plan.tables]
        sessions.expire_lapsed(tx, restaurant_id=restaurant_id, table_ids=table_ids)
        tx.allocations.expire_stale_holds(restaurant_id, table_ids)
        try:
            with tx.conn.transaction():
                hold = tx.allocations.hold(restaurant_id, booking_id, table_ids,
                                           booking.start_at, end_at,
                                           ttl_seconds=policy.hold_ttl_seconds, source="auto",
                                           created_by=actor.staff_id)
        except errors.TableUnavailable as exc:
            conflicts.append(exc.detail)
            telemetry.holds.labels("conflict").inc()
            continue
        telemetry.holds.labels("created").inc()
        held = {"holdId": hold.id, "tableIds": sorted(table_ids), "labels": list(plan.tables),
                "expiresAt": hold.expires_at.isoformat()}
        break
    telemetry.emit("quote", tx.correlation_id, booking_id=booking_id,
                   plans=[list(p.tables) for p in ranked], held=held)
    return {
        "bookingId": booking_id, "hold": held,
        "plans": [_plan(p, view.table_ids) for p in ranked],
        "strategies": [{"strategy": r.strategy, "reason": r.reason,
                        "tables": None if r.plan is None else list(r.plan.tables),
                        "score": None if r.plan is None else r.plan.score.total}
                       for r in answer.strategies],
        "reason": answer.reason if not ranked else None,
        "conflicts": conflicts,
    }


def confirm(tx: UnitOfWork, restaurant_id: int, hold_id: int,
            actor: sessions.Actor, *, telemetry: Telemetry = PIPELINE) -> dict[str, Any]:
    """The quoted hold becomes the booking's tables, and the booking is ``assigned``."""
    hold = tx.allocations.get_hold(restaurant_id, hold_id)
    if hold.source != "auto" or hold.session_id is not None:
        raise errors.InvalidInput("hold_id", f"hold {hold_id} is not an auto quote's hold")
    booking = tx.bookings.get(restaurant_id, hold.booking_id, for_update=True)
    if booking.state not in sessions.RESEATABLE:
        raise errors.IllegalTransition("booking", booking.id, booking.state, "assigned")
    leaving = [t for t in (a.table_id for a in tx.allocations.assignments(restaurant_id,
                                                                          booking.id))
               if t not in hold.table_ids]
    if leaving:  # a re-seat: the old tables go back as the new ones are taken
        tx.allocations.unassign(restaurant_id, booking.id, leaving)
    tx.allocations.confirm_hold(restaurant_id, hold_id, source="auto",
                                assigned_by=actor.staff_id)
    telemetry.holds.labels("confirmed").inc()
    telemetry.emit("hold.confirmed", tx.correlation_id, booking_id=booking.id,
                   hold_id=hold_id, tables=hold.table_ids, by=actor.name)
    if booking.state in sessions.OPEN_BOOKINGS:
        booking = factory.transition(
            tx, restaurant_id, booking.id, "assigned", expected_version=booking.version,
            actor=actor.name, reason=f"auto quote confirmed (hold {hold_id})",
            assignment_strategy="auto_quote")
    return {"bookingId": booking.id, "state": booking.state, "version": booking.version,
            "holdId": hold_id, "tableIds": sorted(hold.table_ids)}


def _release_earlier_quotes(tx: UnitOfWork, restaurant_id: int, booking_id: int) -> None:
    held = {a.hold_id for a in tx.allocations.for_booking(restaurant_id, booking_id)
            if a.kind == "hold" and a.hold_id is not None}
    for hold_id in sorted(held):
        hold = tx.allocations.get_hold(restaurant_id, hold_id)
        if hold.status == "active" and hold.source == "auto" and hold.session_id is None:
            tx.allocations.release_hold(restaurant_id, hold_id)


def _plan(plan: planner.Plan, table_ids: Any) -> dict[str, Any]:
    return {"tableIds": sorted(table_ids[label] for label in plan.tables),
            "labels": list(plan.tables), "strategy": plan.strategy,
            "score": round(plan.score.total, 4),
            "terms": {k: round(v, 4) for k, v in plan.score.terms.items()},
            "reasons": list(plan.reasons)}
