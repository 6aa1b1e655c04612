"""What a host sees of a manual session: its state, its tables, and every reason in words.

The session answer is the whole picture a host stand needs in one response: the state
and selection, when the hold runs out, the status of each chosen table over the booking's
window (free, held by whom, taken by which booking), the constraint engine's verdict on
the selection with the holder and the time each table frees, whether the floor under the
selection changed since it was judged (and what), and, when the selection cannot be
held, the planner's best alternatives.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from maitred import errors
from maitred.config import Settings
from maitred.engine import planner, rules
from maitred.engine.rules import ViolationKind
from maitred.errors import TableUnavailable
from maitred.services import snapshot
from maitred.services.session_errors import SelectionRefused, TableHeld, TablesRefused
from maitred.store.db import UnitOfWork
from maitred.store.records import Booking
from maitred.store.sessions import Session, SessionRepository

ALTERNATIVES = 3


@dataclass(frozen=True, slots=True)
class ViolationView:
    """One reason the tables cannot be had, with who keeps them and until when."""

    kind: str
    message: str
    table_id: int | None = None
    table_label: str | None = None
    holder_booking_id: int | None = None
    holder_staff_id: int | None = None
    holder_staff_name: str | None = None
    free_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "message": self.message, "tableId": self.table_id,
            "tableLabel": self.table_label, "holderBookingId": self.holder_booking_id,
            "holderStaffId": self.holder_staff_id, "holderStaffName": self.holder_staff_name,
            "freeAt": _iso(self.free_at),
        }


@dataclass(frozen=True, slots=True)
class TableStatus:
    """One table over the booking's window, as the floor plan colours it."""

    table_id: int
    label: str
    status: str                     # selected, held, taken or inactive
    booking_id: int | None = None
    staff_id: int | None = None
    staff_name: str | None = None
    free_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Alternative:
    table_ids: list[int]
    labels: list[str]
    score: float
    strategy: str
    reasons: list[str]


@dataclass(frozen=True, slots=True)
class SessionAnswer:
    session: Session
    state: str                      # EXPIRED for a lapsed session, before the sweeper runs
    booking: Booking
    labels: list[str]
    tables: list[TableStatus]
    violations: list[ViolationView]
    alternatives: list[Alternative]
    stale: bool
    changed: list[str]

    @property
    def valid(self) -> bool:
        return bool(self.session.selection) and not self.violations

    def to_json(self) -> dict[str, Any]:
        """The answer in the API's camelCase."""
        s = self.session
        return {
            "id": s.id, "restaurantId": s.restaurant_id, "bookingId": s.booking_id,
            "staffId": s.created_by, "state": self.state, "tableIds": s.selection,
            "tableLabels": self.labels, "selectionVersion": s.selection_version,
            "version": s.version, "holdId": s.hold_id if self.state == "HELD" else None,
            "holdExpiresAt": _iso(s.expires_at) if self.state == "HELD" else None,
            "valid": self.valid, "stale": self.stale, "changed": self.changed,
            "contextVersion": s.context_version, "snapshotHash": s.snapshot_hash,
            "versions": {
                "tables": s.tables_version, "adjacency": s.adjacency_version,
                "flags": s.flags_version, "window": s.window_version,
                "holds": s.holds_version, "assignments": s.assignments_version,
            },
            "booking": {
                "id": self.booking.id, "partySize": self.booking.party_size,
                "startAt": _iso(self.booking.start_at), "endAt": _iso(self.booking.end_at),
                "state": self.booking.state, "version": self.booking.version,
            },
            "tables": [{
                "tableId": t.table_id, "label": t.label, "status": t.status,
                "bookingId": t.booking_id, "staffId": t.staff_id, "staffName": t.staff_name,
                "freeAt": _iso(t.free_at)} for t in self.tables],
            "violations": [v.to_json() for v in self.violations],
            "alternatives": [{
                "tableIds": a.table_ids, "labels": a.labels, "score": a.score,
                "strategy": a.strategy, "reasons": a.reasons} for a in self.alternatives],
            "createdAt": _iso(s.created_at), "updatedAt": _iso(s.updated_at),
        }


def answer(
    tx: UnitOfWork, settings: Settings, session: Session, booking: Booking, *,
    snap: snapshot.Snapshot | None = None, violations: list[ViolationView] | None = None,
) -> SessionAnswer:
    """The whole answer for a session, judged against the floor as it is now."""
    state = "EXPIRED" if session.lapsed else session.state
    active = state in ("PROPOSED", "HELD")
    if not active and snap is None:
        # An ended session is history: its tables' names, no floor to judge against.
        if session.table_labels is not None:  # read back by the save that ended it
            named = {int(k): v for k, v in session.table_labels.items()}
        else:
            named = SessionRepository(tx.conn).labels(session.restaurant_id,
                                                      session.selection)
        return SessionAnswer(session, state, booking,
                             [named.get(t, f"#{t}") for t in session.selection], [], [], [],
                             False, [])
    snap = snap or snapshot.for_booking(tx, settings, booking)
    own_hold = session.hold_id if state == "HELD" else None
    end_at = booking.end_at + timedelta(minutes=snap.view.policy.buffer_minutes)
    if not active:
        violations = []
    elif violations is None:
        violations = judge(snap, booking, session.selection, own_hold) if session.selection else []
    stale, changed = False, []
    if active and session.snapshot_hash is not None:
        digest, parts = snapshot.fingerprint(snap, booking, session.selection, end_at,
                                             own_hold=own_hold)
        stale = digest != session.snapshot_hash
        changed = snapshot.changed_parts(session.snapshot_parts, parts) if stale else []
    alternatives = (_alternatives(snap, booking, own_hold)
                    if state == "PROPOSED" and (violations or not session.selection) else [])
    view = snap.view
    return SessionAnswer(
        session, state, booking, [view.labels.get(t, f"#{t}") for t in session.selection],
        _statuses(snap, session, booking, end_at, own_hold), violations, alternatives, stale,
        changed)


def judge(
    snap: snapshot.Snapshot, booking: Booking, table_ids: list[int] | Any,
    own_hold: int | None,
) -> list[ViolationView]:
    """:func:`maitred.engine.rules.check` on the tables, its findings in database terms."""
    view = snap.view
    labels = [view.labels.get(t, f"#{t}") for t in table_ids]
    timeline = snap.timeline(apart=_others_holds(snap, booking, own_hold))
    found = rules.check(labels, snap.booking(booking), view.floor, timeline, view.policy,
                        clock=snap.clock)
    found += blocked(labels, view.blocked)
    return [_view(snap, v, booking) for v in found]


def blocked(labels: Sequence[str], blocked_labels: Set[str]) -> list[rules.Violation]:
    """A table staff blocked is out of every plan, automatic or by hand, until unblocked.

    The engine's blocked-table violation, for a block with no end (the table's ``blocked``
    flag; a block over a window is a timeline entry the engine judges itself).
    """
    return [rules.Violation(ViolationKind.BLOCKED_TABLE,
                            f"Table {label} is blocked by staff; unblock it before seating "
                            "a party there.", label)
            for label in dict.fromkeys(labels) if label in blocked_labels]


def refusal(
    violations: Sequence[ViolationView], *, booking_id: int, session_id: int | None = None,
) -> errors.Conflict:
    """The 409 for tables that cannot be had: a table another party keeps names the table,
    the holder and when it frees (``/problems/table-unavailable``); any other reason is
    ``/problems/selection-refused`` with every violation in words."""
    held = next((v for v in violations if v.holder_booking_id is not None), None)
    if held is not None and held.table_id is not None:
        return TableHeld(held.table_id, held.table_label or "", held.holder_booking_id,
                         held.holder_staff_id, held.holder_staff_name, held.free_at,
                         held.message)
    found = [v.to_json() for v in violations]
    if session_id is not None:
        return SelectionRefused(session_id, found)
    return TablesRefused(booking_id, found)


def table_conflict(
    tx: UnitOfWork, snap: snapshot.Snapshot, exc: TableUnavailable, booking: Booking,
    end_at: datetime,
) -> ViolationView:
    """The database refused the hold (another host got there first): who, and until when."""
    label = snap.view.labels.get(exc.table_id, f"#{exc.table_id}")
    holder = SessionRepository(tx.conn).holder(exc.table_id, booking.start_at, end_at,
                                               booking.id)
    if holder is None:  # it has gone again already; the host may simply retry
        return ViolationView(ViolationKind.OVERLAP.value,
                             f"Table {label} was taken a moment ago; try again.",
                             exc.table_id, label, exc.other_booking_id, None, None, exc.free_at)
    until = holder.free_at.astimezone(snap.zone).strftime("%H:%M")
    if holder.kind == "hold":
        by = f" by {holder.staff_name}" if holder.staff_name else ""
        message = (f"Table {label} was just held{by} for booking {holder.booking_id} until "
                   f"{until}; it is free again at {until}.")
        kind = ViolationKind.LOCKED_TABLE.value
    else:
        message = (f"Table {label} was just given to booking {holder.booking_id} until "
                   f"{until}; it is free again at {until}.")
        kind = ViolationKind.OVERLAP.value
    return ViolationView(kind, message, exc.table_id, label, holder.booking_id,
                         holder.staff_id, holder.staff_name, holder.free_at)


# -- internals --------------------------------------------------------------------------------


def _others_holds(snap: snapshot.Snapshot, booking: Booking, own_hold: int | None) -> set[int]:
    # Another host's hold for this same booking still blocks the table for this session.
    return {r.hold_id for r in snap.busy
            if r.booking_id == booking.id and r.hold_id is not None and r.hold_id != own_hold}


def _view(snap: snapshot.Snapshot, v: rules.Violation, booking: Booking) -> ViolationView:
    view = snap.view
    table_id = None
    if v.table_id is not None:
        table_id = view.table_ids.get(v.table_id)
        if table_id is None and v.table_id.startswith("#") and v.table_id[1:].isdigit():
            table_id = int(v.table_id[1:])
    holder_booking = snapshot.booking_of(v.other_booking) if v.other_booking else None
    staff_id = staff_name = None
    if table_id is not None and holder_booking is not None:
        end_at = booking.end_at + timedelta(minutes=view.policy.buffer_minutes)
        rows = [r for r in snap.keeping(table_id, booking.start_at, end_at, -1)
                if r.booking_id == holder_booking and r.staff_id is not None]
        if rows:
            staff_id, staff_name = rows[0].staff_id, rows[0].staff_name
    return ViolationView(
        v.kind.value, v.message, table_id, v.table_id, holder_booking, staff_id, staff_name,
        snap.at(v.free_at) if v.free_at is not None else None)


def _statuses(
    snap: snapshot.Snapshot, session: Session, booking: Booking, end_at: datetime,
    own_hold: int | None,
) -> list[TableStatus]:
    # The selection's tables only: the whole floor's colours are the context route's job,
    # and every extra table is weight on the hot path of every call.
    view = snap.view
    chosen = set(session.selection)
    found = []
    for table_id, label in sorted(((t, view.labels.get(t)) for t in chosen),
                                  key=lambda kv: kv[0]):
        if label is None:  # not a table of this restaurant: the violations say so
            continue
        others = [r for r in snap.keeping(table_id, booking.start_at, end_at, -1)
                  if (r.hold_id is None or r.hold_id != own_hold)
                  and not (r.booking_id == booking.id and r.kind == "assignment")]
        if others:
            row = max(others, key=lambda r: r.end_at)
            found.append(TableStatus(
                table_id, label, "held" if row.kind == "hold" else "taken", row.booking_id,
                row.staff_id, row.staff_name, row.end_at))
        elif not view.floor.tables[label].active:
            found.append(TableStatus(table_id, label, "inactive"))
        else:
            found.append(TableStatus(table_id, label, "selected"))
    return found


def _alternatives(
    snap: snapshot.Snapshot, booking: Booking, own_hold: int | None
) -> list[Alternative]:
    """The planner's best plans for the booking, leaving out tables kept from automatic
    plans (a host may still pick those by hand)."""
    view = snap.view
    timeline = snap.timeline(apart=_others_holds(snap, booking, own_hold))
    quote = planner.quote(snap.booking(booking), view.floor, timeline, view.policy,
                          limit=ALTERNATIVES + 2, clock=snap.clock)
    plans = [p for p in ([quote.best] if quote.best else []) + list(quote.alternatives)
             if not set(p.tables) & view.blocked]
    return [Alternative([view.table_ids[t] for t in p.tables], list(p.tables),
                        round(p.score.total, 3), p.strategy, list(p.reasons))
            for p in plans[:ALTERNATIVES]]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
