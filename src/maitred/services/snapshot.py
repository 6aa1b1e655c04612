"""One restaurant's day as the engine sees it, read from the database in one transaction.

A host placing a booking by hand, the coordinator placing it automatically and the
availability screens all need the same picture: the floor (tables, adjacency,
combinations) under the restaurant's policy, and the day's busy windows (assignments and
live holds, with who holds them). :func:`load` reads exactly that for a booking's service
date, and records the versions it read, so a caller can later tell whether what it
decided on is still true.

Engine time is whole minutes from the *local midnight* of the service date in the
restaurant's time zone; :meth:`Snapshot.minutes` and :meth:`Snapshot.at` convert (in
elapsed time, so the night the clocks change costs no one a table).

:func:`fingerprint` digests only the data one selection depends on (its tables, the joins
among them, the policy, the booking's window, and what holds or takes those tables over
that window). An unrelated booking or table changing leaves it untouched: staleness is
judged per table and per window, never restaurant-wide.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from maitred.config import Settings
from maitred.engine.booking import Booking as EngineBooking
from maitred.engine.booking import Window
from maitred.engine.timeline import Busy, Kind, Timeline
from maitred.services import floors
from maitred.store.db import UnitOfWork
from maitred.store.records import Booking
from maitred.store.sessions import BusyRow, SessionRepository

# The parts a selection is validated against, in the seed's words.
PARTS = ("tables", "adjacency", "policy", "window", "holds", "assignments")


@dataclass(frozen=True, slots=True)
class Versions:
    """The six topology versions a decision was made against (restaurant-wide counters for
    the floor and policy; digests scoped to the booking's window for holds and assignments).
    """

    tables: int
    adjacency: int
    flags: int
    window: int
    holds: int
    assignments: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A restaurant's floor, policy and one day's busy windows, read together."""

    view: floors.FloorView
    day: date
    origin: datetime                    # local midnight of ``day``, in UTC
    zone: ZoneInfo
    busy: tuple[BusyRow, ...]

    # -- time -------------------------------------------------------------------------

    def minutes(self, at: datetime, *, up: bool = False) -> int:
        """``at`` as engine minutes from the day's origin (rounded down, or up for an end)."""
        exact = (at - self.origin).total_seconds() / 60
        return math.ceil(exact) if up else math.floor(exact)

    def at(self, minutes: int) -> datetime:
        return self.origin + timedelta(minutes=minutes)

    def clock(self, minutes: int) -> str:
        """Engine minutes as the restaurant's wall clock, ``HH:MM``."""
        return self.at(minutes).astimezone(self.zone).strftime("%H:%M")

    # -- the engine's view ------------------------------------------------------------

    def booking(self, booking: Booking) -> EngineBooking:
        """The booking in engine terms; a locked booking is pinned to its current tables."""
        labels = self.view.labels
        zone = (self.view.zone_codes.get(booking.zone_preference_id)
                if booking.zone_preference_id is not None else None)
        current = self.assigned_to(booking.id)
        pinned = (tuple(sorted(labels[t] for t in current if t in labels))
                  if booking.locked and current else None)
        return EngineBooking(
            engine_id(booking.id), booking.party_size, self.minutes(booking.start_at),
            booking.duration_minutes, zone, frozenset(booking.tags_preference),
            booking.created_seq, pinned)

    def timeline(self, *, apart: Iterable[int] = ()) -> Timeline:
        """The day's busy windows. Holds in ``apart`` count as another party's, even when
        they are for the same booking (another host's session for it)."""
        separate = frozenset(apart)
        entries = []
        for row in self.busy:
            label = self.view.labels.get(row.table_id)
            if label is None:
                continue
            holder = row.staff_name if row.kind == "hold" else None
            who = (hold_engine_id(row.booking_id, row.hold_id)
                   if row.hold_id is not None and row.hold_id in separate
                   else engine_id(row.booking_id))
            entries.append(Busy(
                label, Window(self.minutes(row.start_at), self.minutes(row.end_at, up=True)),
                who, Kind.HOLD if row.kind == "hold" else Kind.ASSIGNMENT, holder,
                row.locked and row.kind == "assignment"))
        return Timeline(entries)

    def assigned_to(self, booking_id: int) -> list[int]:
        """The tables the booking is assigned to over this day, by id."""
        return sorted({r.table_id for r in self.busy
                       if r.booking_id == booking_id and r.kind == "assignment"})

    def keeping(self, table_id: int, start_at: datetime, end_at: datetime,
                booking_id: int) -> list[BusyRow]:
        """Live allocations of other bookings on the table overlapping the window."""
        return [r for r in self.busy
                if r.table_id == table_id and r.booking_id != booking_id
                and r.start_at < end_at and start_at < r.end_at]

    def versions(self, booking: Booking, end_at: datetime) -> Versions:
        restaurant = self.view.restaurant
        overlapping = [r for r in self.busy if r.start_at < end_at and booking.start_at < r.end_at
                       and r.booking_id != booking.id]
        return Versions(
            restaurant.tables_version, restaurant.adjacency_version, restaurant.policy_version,
            booking.version,
            _number([(r.table_id, r.booking_id, r.hold_id) for r in overlapping
                     if r.kind == "hold"]),
            _number([(r.table_id, r.booking_id, r.start_at.isoformat())
                     for r in overlapping if r.kind == "assignment"]))


def engine_id(booking_id: int) -> str:
    """How the engine (and so its human text) names a booking."""
    return str(booking_id)


def hold_engine_id(booking_id: int, hold_id: int) -> str:
    return f"{booking_id} (hold {hold_id})"


def booking_of(engine_booking: str) -> int | None:
    """The database id behind an engine booking id (``None`` for a staff block)."""
    head = engine_booking.split(" ", 1)[0]
    return int(head) if head.isdigit() else None


def service_day(booking: Booking, zone: ZoneInfo) -> date:
    return booking.start_at.astimezone(zone).date()


def load(
    tx: UnitOfWork, settings: Settings, restaurant_id: int, day: date, *,
    view: floors.FloorView | None = None,
) -> Snapshot:
    """The restaurant's floor and the busy windows of ``day`` (plus its spill past
    midnight, and parties from the evening before still seated), as of this transaction."""
    view = view or floors.load_floor(tx, settings, restaurant_id)
    zone = ZoneInfo(view.restaurant.timezone)
    origin = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    busy = SessionRepository(tx.conn).busy(
        restaurant_id, origin - timedelta(hours=12), origin + timedelta(hours=36))
    return Snapshot(view, day, origin, zone, tuple(busy))


def for_booking(
    tx: UnitOfWork, settings: Settings, booking: Booking
) -> Snapshot:
    """:func:`load` for the service date of ``booking``."""
    view = floors.load_floor(tx, settings, booking.restaurant_id)
    zone = ZoneInfo(view.restaurant.timezone)
    return load(tx, settings, booking.restaurant_id, service_day(booking, zone), view=view)


def fingerprint(
    snap: Snapshot, booking: Booking, selection: Sequence[int], end_at: datetime, *,
    own_hold: int | None = None,
) -> tuple[str, dict[str, str]]:
    """Digest of exactly what the selection depends on, whole and part by part."""
    chosen = sorted(set(selection))
    view = snap.view
    labels = [view.labels.get(t, f"#{t}") for t in chosen]
    floor = view.floor
    policy = view.policy
    rows = {t: view.floor.tables.get(view.labels.get(t, "")) for t in chosen}
    parts: dict[str, Any] = {
        "tables": [(t, r.id if r else None, r.zone if r else None, r.min_party if r else None,
                    r.max_party if r else None, r.active if r else None,
                    sorted(r.tags) if r else None, view.labels.get(t, "") in view.blocked)
                   for t, r in rows.items()],
        "adjacency": [sorted(e) for e in floor.adjacency if set(e) <= set(labels)]
        + [[o.key, o.min_party, o.max_party] for o in floor.options_with_tables(labels)
                               if o.is_combination],
        "policy": [policy.buffer_minutes, policy.merges_enabled, policy.derive_combinations,
                   policy.require_adjacency, policy.max_tables_per_combination,
                   policy.seats_lost_per_join],
        "window": [booking.party_size, booking.start_at.isoformat(), end_at.isoformat(),
                   booking.locked, booking.zone_preference_id],
        "holds": sorted((r.table_id, r.booking_id, r.hold_id or 0) for t in chosen
                        for r in snap.keeping(t, booking.start_at, end_at, -1)
                        if r.kind == "hold" and r.hold_id != own_hold),
        "assignments": sorted((r.table_id, r.booking_id, r.start_at.isoformat())
                              for t in chosen
                              for r in snap.keeping(t, booking.start_at, end_at, booking.id)
                              if r.kind == "assignment"),
    }
    digests = {name: _digest(parts[name]) for name in PARTS}
    return _digest([digests[name] for name in PARTS]), digests


def changed_parts(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """Which parts differ (all of them when nothing was recorded yet)."""
    return [name for name in PARTS if before.get(name) != after.get(name)]


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _number(value: Any) -> int:
    """A digest that fits a bigint column (56 bits)."""
    return int(_digest(sorted(value))[:14], 16)


def context_version(snap: Snapshot, booking: Booking, end_at: datetime) -> str:
    """One token for everything a manual choice for this booking depends on: the floor and
    policy counters, the booking's own version, and the holds and assignments overlapping
    its window. A change at another time of the day leaves it as it was."""
    v = snap.versions(booking, end_at)
    return _digest([v.tables, v.adjacency, v.flags, v.window, v.holds, v.assignments])
