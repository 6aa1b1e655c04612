"""Manual assignment sessions: rows, history, and who keeps which table right now.

A session row is only ever changed by compare-and-set on its ``version``
(:meth:`SessionRepository.save`), so two requests on one session can never both win; the
state machine itself (which moves are legal) lives in :mod:`maitred.services.sessions`.
The one-active-session-per-(booking, staff member) rule is the partial unique index
``manual_assignment_sessions_one_active``: :meth:`SessionRepository.open` leans on it
instead of checking first, so two tabs of one host opening the same booking get one row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row, dict_row
from psycopg.types.json import Jsonb

from maitred.errors import NotFound, StaleVersion
from maitred.store import batched
from maitred.store.queries import query
from maitred.store.records import Booking


@dataclass(frozen=True, slots=True)
class Session:
    """One row of ``manual_assignment_sessions``; ``lapsed``: past its time (database clock)."""

    id: int
    restaurant_id: int
    booking_id: int
    created_by: int
    state: str
    selection: list[int]
    selection_version: int
    context_version: str | None
    policy_version: int | None
    snapshot_hash: str | None
    snapshot_parts: dict[str, str]
    hold_id: int | None
    expires_at: datetime | None
    tables_version: int | None
    adjacency_version: int | None
    flags_version: int | None
    window_version: int | None
    holds_version: int | None
    assignments_version: int | None
    version: int
    created_at: datetime
    updated_at: datetime
    lapsed: bool
    # Only from ``save``, for a session it ended: its tables' labels by id (as text).
    table_labels: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    from_state: str | None
    to_state: str
    actor: str
    reason: str
    metadata: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class BusyRow:
    """A live allocation and, for a hold, the staff member and session behind it."""

    table_id: int
    booking_id: int
    kind: str
    hold_id: int | None
    session_id: int | None
    staff_id: int | None
    staff_name: str | None
    start_at: datetime
    end_at: datetime
    locked: bool


@dataclass(frozen=True, slots=True)
class Holder:
    booking_id: int
    kind: str
    staff_id: int | None
    staff_name: str | None
    free_at: datetime


class SessionRepository:
    """Session rows of one transaction."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def restaurant_of_booking(self, booking_id: int) -> tuple[int, dict[str, Any]]:
        """The booking's restaurant and that restaurant's policy overrides."""
        row = self.conn.execute(query("sessions.restaurant_of_booking"),
                                {"booking_id": booking_id}).fetchone()
        if row is None:
            raise NotFound("booking", booking_id)
        return row[0], row[1]

    def booking_with_policy(self, booking_id: int) -> tuple[Booking, dict[str, Any]]:
        """The booking (any restaurant: the caller checks access) and its restaurant's
        policy overrides, in one round trip."""
        with self.conn.cursor(row_factory=dict_row) as cur:
            row = cur.execute(query("sessions.booking_with_policy"),
                              {"booking_id": booking_id}).fetchone()
        if row is None:
            raise NotFound("booking", booking_id)
        policy: dict[str, Any] = row.pop("restaurant_policy")
        return Booking(**row), policy

    def session_with_policy(
        self, session_id: int, *, for_update: bool = False
    ) -> tuple[Session, dict[str, Any]]:
        """The session (any restaurant: the caller checks access), locked if asked, and
        its restaurant's policy overrides, in one round trip."""
        name = ("sessions.session_with_policy_for_update" if for_update
                else "sessions.session_with_policy")
        with self.conn.cursor(row_factory=dict_row) as cur:
            row = cur.execute(query(name), {"session_id": session_id}).fetchone()
        if row is None:
            raise NotFound("session", session_id)
        policy: dict[str, Any] = row.pop("restaurant_policy")
        return Session(**row), policy

    def session_of_hold(self, hold_id: int) -> int:
        """The manual session behind a hold (any restaurant: the caller checks access)."""
        row = self.conn.execute(query("sessions.session_of_hold"),
                                {"hold_id": hold_id}).fetchone()
        if row is None or row[0] is None:
            raise NotFound("hold", hold_id)
        value: int = row[0]
        return value

    def open(
        self, restaurant_id: int, booking_id: int, staff_id: int, *, idle_seconds: int
    ) -> tuple[Session, bool]:
        """The staff member's active session for the booking, locked; ``True`` if new."""
        params = {"restaurant_id": restaurant_id, "booking_id": booking_id,
                  "staff_id": staff_id, "idle_seconds": idle_seconds}
        # A row this transaction inserted is as good as locked: nobody else sees it yet.
        found = self._session("sessions.open", params)
        created = found is not None
        if found is None:
            found = self._session("sessions.find_active", params)
            if found is None:  # it ended between the two statements: open a new one
                found = self._session("sessions.open", params)
                created = True
        assert found is not None
        return found, created

    def _session(self, name: str, params: dict[str, Any]) -> Session | None:
        with self.conn.cursor(row_factory=class_row(Session)) as cur:
            cur.execute(query(name), params)
            return cur.fetchone()

    def get(self, restaurant_id: int, session_id: int, *, for_update: bool = False) -> Session:
        name = "sessions.get_for_update" if for_update else "sessions.get"
        with self.conn.cursor(row_factory=class_row(Session)) as cur:
            cur.execute(query(name), {"restaurant_id": restaurant_id, "session_id": session_id})
            found = cur.fetchone()
        if found is None:
            raise NotFound("session", session_id)
        return found

    def save(
        self, current: Session, *, ttl_seconds: int | None = None, **changes: Any
    ) -> Session:
        """Write ``changes`` if the row is still at ``current.version``; expiry from now + ttl."""
        params: dict[str, Any] = {
            name: getattr(current, name) for name in (
                "id", "restaurant_id", "state", "selection", "selection_version",
                "context_version", "policy_version", "snapshot_hash", "snapshot_parts",
                "hold_id", "expires_at", "tables_version", "adjacency_version",
                "flags_version", "window_version", "holds_version", "assignments_version",
                "version")}
        params.update(changes)
        params["snapshot_parts"] = Jsonb(params["snapshot_parts"])
        params["ttl_seconds"] = ttl_seconds
        saved = self._session("sessions.save", params)
        if saved is None:
            now = self.get(current.restaurant_id, current.id)
            raise StaleVersion("session", current.id, current.version, now.version)
        return saved

    def release_hold(self, restaurant_id: int, hold_id: int) -> tuple[int, list[int]] | None:
        """End a live hold and free its tables: (booking, tables), or None if not live.

        What :meth:`maitred.store.allocations.AllocationRepository.release_hold` does in
        four statements, in one, for the session hot path; its event is the caller's.
        """
        row = self.conn.execute(query("sessions.release_hold"), {
            "restaurant_id": restaurant_id, "hold_id": hold_id}).fetchone()
        return None if row is None else (int(row[0]), [int(t) for t in row[1]])

    def others_active(self, session: Session) -> list[Session]:
        """Other open sessions for the same booking (locked; busy ones skipped)."""
        with self.conn.cursor(row_factory=class_row(Session)) as cur:
            cur.execute(query("sessions.others_active"), {
                "restaurant_id": session.restaurant_id, "booking_id": session.booking_id,
                "session_id": session.id})
            return cur.fetchall()

    def add_history(
        self, session: Session, from_state: str | None, to_state: str, *, actor: str,
        reason: str = "", metadata: dict[str, Any] | None = None,
    ) -> None:
        self.add_histories([(session, from_state, to_state, actor, reason, metadata)])

    def add_histories(
        self, moves: Sequence[tuple[Session, str | None, str, str, str,
                                    dict[str, Any] | None]],
    ) -> None:
        """History rows (session, from, to, actor, reason, metadata), in one round trip."""
        rows = [{
            "restaurant_id": session.restaurant_id, "session_id": session.id,
            "from_state": from_state, "to_state": to_state, "actor": actor,
            "reason": reason, "metadata": Jsonb(metadata or {}),
        } for session, from_state, to_state, actor, reason, metadata in moves]
        batched.run_each(self.conn, "sessions.add_history", rows)

    def history(self, restaurant_id: int, session_id: int) -> list[HistoryEntry]:
        with self.conn.cursor(row_factory=class_row(HistoryEntry)) as cur:
            cur.execute(query("sessions.history"),
                        {"restaurant_id": restaurant_id, "session_id": session_id})
            return cur.fetchall()

    def busy(self, restaurant_id: int, start_at: datetime, end_at: datetime) -> list[BusyRow]:
        with self.conn.cursor(row_factory=class_row(BusyRow)) as cur:
            cur.execute(query("sessions.busy"), {
                "restaurant_id": restaurant_id, "start_at": start_at, "end_at": end_at})
            return cur.fetchall()

    def holder(
        self, table_id: int, start_at: datetime, end_at: datetime, booking_id: int
    ) -> Holder | None:
        """Who keeps the table over the window, other than ``booking_id`` itself."""
        with self.conn.cursor(row_factory=class_row(Holder)) as cur:
            cur.execute(query("sessions.holder"), {
                "table_id": table_id, "start_at": start_at, "end_at": end_at,
                "booking_id": booking_id})
            return cur.fetchone()

    def lapsed(
        self, *, restaurant_id: int | None = None, table_ids: Sequence[int] | None = None,
        limit: int = 100, idle_seconds: int | None = None,
    ) -> list[tuple[int, int]]:
        """(session, restaurant) of sessions past their time, locked, skipping busy ones.

        ``idle_seconds``: also PROPOSED sessions idle for longer than their restaurant's
        ``session_idle_seconds`` policy (this when unset) since their last change.
        """
        rows = self.conn.execute(query("sessions.lapsed"), {
            "restaurant_id": restaurant_id,
            "table_ids": None if table_ids is None else list(table_ids), "limit": limit,
            "idle_seconds": idle_seconds,
        }).fetchall()
        return [(r[0], r[1]) for r in rows]

    def restaurants_with_stale_holds(self) -> list[int]:
        rows = self.conn.execute(query("sessions.restaurants_with_stale_holds")).fetchall()
        return [r[0] for r in rows]

    def labels(self, restaurant_id: int, table_ids: Sequence[int]) -> dict[int, str]:
        rows = self.conn.execute(query("sessions.labels"), {
            "restaurant_id": restaurant_id, "table_ids": list(table_ids)}).fetchall()
        return {r[0]: r[1] for r in rows}

    def staff_name(self, staff_id: int) -> str:
        row = self.conn.execute(query("sessions.staff_name"), {"staff_id": staff_id}).fetchone()
        return str(row[0]) if row else f"staff {staff_id}"
