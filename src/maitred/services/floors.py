"""A restaurant's floor as the engine sees it, and floors in and out of the shared format.

:func:`load_floor` reads one restaurant's tables, adjacency, combinations and policy and
builds the engine's :class:`~maitred.engine.floor.Floor`, with table *labels* as engine ids
(so the engine's human text says "T12", not a database id) and the maps back to ids.

:func:`import_instance` loads a benchmark-format instance (``shared/bench/FORMAT.md``):
the restaurant, zones, tables, adjacency, combinations and the day's bookings, the file's
local wall-clock times read in the restaurant's time zone. :func:`export_instance` writes
one day back in the same format. The demo restaurant is loaded this way.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from maitred.config import Settings
from maitred.engine import instance as bench
from maitred.engine.floor import Combination, Floor, Table
from maitred.engine.policy import DEFAULT_TURN_TIMES, Policy
from maitred.errors import InvalidInput
from maitred.store.db import UnitOfWork
from maitred.store.records import Restaurant, ServicePeriod, TurnTime

if TYPE_CHECKING:  # the factory builds on this module
    from maitred.services.bookings import AssignmentQueue


@dataclass(frozen=True, slots=True)
class FloorView:
    """One restaurant's floor and policy for the engine, with the maps back to rows."""

    restaurant: Restaurant
    policy: Policy
    floor: Floor
    table_ids: Mapping[str, int]        # label -> table id
    labels: Mapping[int, str]           # table id -> label
    zone_codes: Mapping[int, str]       # zone id -> code
    blocked: frozenset[str]             # labels staff keep out of automatic plans


def flags_of(tx: UnitOfWork, settings: Settings, restaurant_id: int) -> dict[str, Any]:
    """Feature flags and policy values: the settings' defaults under the restaurant's own."""
    return settings.feature_flags() | tx.restaurants.get(restaurant_id).policy


def policy_for(
    settings: Settings, restaurant: Restaurant, turn_times: Sequence[TurnTime]
) -> Policy:
    """The engine policy of a restaurant: its overrides, else the settings' defaults."""
    rules = settings.feature_flags() | restaurant.policy
    defaults = Policy()
    return Policy(
        buffer_minutes=rules.get("buffer_minutes", defaults.buffer_minutes),
        merges_enabled=rules["merges_enabled"],
        derive_combinations=rules.get("derive_combinations", defaults.derive_combinations),
        require_adjacency=rules["require_adjacency"],
        max_tables_per_combination=rules.get("max_tables_per_combination",
                                             defaults.max_tables_per_combination),
        seats_lost_per_join=rules.get("seats_lost_per_join", defaults.seats_lost_per_join),
        turn_times=tuple((t.max_party_size, t.minutes) for t in turn_times) or DEFAULT_TURN_TIMES,
        hold_ttl_seconds=rules.get("hold_ttl_seconds", settings.hold_ttl_seconds),
        optimizer_threshold=float(rules.get("optimizer_threshold",
                                            defaults.optimizer_threshold)),
    )


def policy_of(tx: UnitOfWork, settings: Settings, restaurant_id: int) -> Policy:
    restaurant = tx.restaurants.get(restaurant_id)
    return policy_for(settings, restaurant, tx.restaurants.turn_times(restaurant_id))


@dataclass(frozen=True, slots=True)
class _Built:
    policy: Policy
    floor: Floor
    labels: Mapping[int, str]
    zone_codes: Mapping[int, str]
    blocked: frozenset[str]


# Built floors by (database, restaurant, its creation, topology and policy versions,
# settings): every change to tables, zones, adjacency, combinations, policy or turn times
# bumps one of those versions, so an entry is never stale, only unused. Building a 150-table
# floor with derived combinations costs milliseconds; a booking or a quote should not pay it.
_BUILT: OrderedDict[tuple[Any, ...], _Built] = OrderedDict()
_BUILT_LOCK = threading.Lock()
_BUILT_SIZE = 64


def load_floor(tx: UnitOfWork, settings: Settings, restaurant_id: int) -> FloorView:
    """The restaurant's floor as of this transaction (built once per version)."""
    restaurant = tx.restaurants.get(restaurant_id)
    key = (tx.conn.info.host, tx.conn.info.port, tx.conn.info.dbname, restaurant.id,
           restaurant.created_at, restaurant.tables_version, restaurant.adjacency_version,
           restaurant.policy_version, tuple(sorted(settings.feature_flags().items())),
           settings.hold_ttl_seconds)
    with _BUILT_LOCK:
        built = _BUILT.get(key)
        if built is not None:
            _BUILT.move_to_end(key)
    if built is None:
        built = _build(tx, settings, restaurant)
        with _BUILT_LOCK:
            _BUILT[key] = built
            while len(_BUILT) > _BUILT_SIZE:
                _BUILT.popitem(last=False)
    return FloorView(restaurant, built.policy, built.floor,
                     {label: tid for tid, label in built.labels.items()}, built.labels,
                     built.zone_codes, built.blocked)


def _build(tx: UnitOfWork, settings: Settings, restaurant: Restaurant) -> _Built:
    restaurant_id = restaurant.id
    policy = policy_for(settings, restaurant, tx.restaurants.turn_times(restaurant_id))
    zone_codes = {z.id: z.code for z in tx.zones.list(restaurant_id)}
    rows = tx.tables.list(restaurant_id)
    labels = {t.id: t.label for t in rows}
    tables = [Table(t.label, zone_codes[t.zone_id], t.min_party, t.max_party,
                    frozenset(t.tags), t.active) for t in rows]
    adjacency = [(labels[a], labels[b]) for a, b in tx.adjacency.list(restaurant_id)]
    combinations = [
        Combination(c.code, tuple(sorted(labels[t] for t in c.table_ids)), c.min_party,
                    c.max_party)
        for c in tx.combinations.list(restaurant_id) if c.active and len(c.table_ids) >= 2
    ]
    return _Built(policy, Floor(tables, adjacency, combinations, policy), labels, zone_codes,
                  frozenset(t.label for t in rows if t.blocked))


def opens_at(periods: Sequence[ServicePeriod], tz: ZoneInfo, start_at: datetime) -> bool:
    """Whether a party arriving at ``start_at`` arrives during a service period."""
    local = start_at.astimezone(tz).replace(tzinfo=None)
    for period in periods:
        # A period running past midnight started the day before for an early-hours arrival.
        for day in (local.date(), local.date() - timedelta(days=1)):
            if period.day_of_week is not None and period.day_of_week != day.weekday():
                continue
            opens = datetime.combine(day, period.opens_at)
            closes = datetime.combine(day, period.closes_at)
            if closes <= opens:
                closes += timedelta(days=1)
            if opens <= local < closes:
                return True
    return False


def import_instance(
    tx: UnitOfWork, raw_doc: Any, *, name: str | None = None,
    shift_to_date: date | None = None, settings: Settings | None = None,
    enqueue_assignment: AssignmentQueue | None = None,
) -> int:
    """Create a restaurant from a shared-format instance; returns its id.

    ``shift_to_date`` moves the day (keeping wall-clock times), e.g. to load the demo for
    today. Bookings go through the booking factory (source ``import``); a booking with
    ``locked_tables`` arrives assigned to them (pinned), every other one ``pending`` and,
    with ``enqueue_assignment`` (the coordinator's queue), with its job to be seated by the
    automatic pipeline in this same transaction. Without it (a benchmark queueing the day
    itself later) they wait for staff.
    """
    from maitred.services import bookings as factory  # the factory builds on this module

    try:  # validate everything before anything is written
        parsed = bench.parse(raw_doc)
    except bench.InstanceError as exc:
        raise parse_error(exc) from exc
    settings = settings or Settings.model_construct()
    rest = raw_doc["restaurant"]
    service_day = date.fromisoformat(rest["service"]["date"])
    shift = (shift_to_date - service_day) if shift_to_date else timedelta(0)
    tz = ZoneInfo(rest.get("timezone") or "UTC")
    restaurant = tx.restaurants.create(
        name or rest.get("name") or "Imported restaurant", timezone=tz.key,
        slot_minutes=int(rest.get("slot_minutes", 15)),
        policy={"buffer_minutes": parsed.policy.buffer_minutes, "derive_combinations": False})
    r = restaurant.id
    tx.restaurants.add_service_period(r, time.fromisoformat(rest["service"]["open"]),
                                      time.fromisoformat(rest["service"]["close"]))
    zone_ids = {z["id"]: tx.zones.create(r, z["id"], z.get("name") or z["id"], i).id
                for i, z in enumerate(rest.get("zones", []))}
    table_ids: dict[str, int] = {}
    for i, table in enumerate(parsed.floor.tables.values()):
        if table.zone not in zone_ids:
            zone_ids[table.zone] = tx.zones.create(r, table.zone, table.zone, len(zone_ids)).id
        table_ids[table.id] = tx.tables.create(
            r, zone_id=zone_ids[table.zone], label=table.id, min_party=table.min_party,
            max_party=table.max_party, tags=table.tags, active=table.active,
            pos_x=float(i % 8) * 2, pos_y=float(i // 8) * 2).id
    for a, b in parsed.floor.adjacency:
        tx.adjacency.add(r, table_ids[a], table_ids[b])
    for combo in parsed.floor.combinations:
        tx.combinations.create(r, code=combo.id, table_ids=[table_ids[t] for t in combo.tables],
                               min_party=combo.min_party, max_party=combo.max_party)
    view = load_floor(tx, settings, r)
    for booking in sorted(parsed.bookings, key=lambda b: (b.created_seq, b.id)):
        local = parsed.origin + shift + timedelta(minutes=booking.start)
        created = factory.create_booking(tx, settings, r, factory.BookingRequest(
            party_size=booking.party_size, start_at=local.replace(tzinfo=tz),
            duration_minutes=booking.duration, source="import", reference=booking.id,
            zone_preference_id=zone_ids.get(booking.zone_preference or ""),
            tags_preference=booking.tags_preference,
            locked=booking.locked_tables is not None), floor=view,
            enqueue_assignment=None if booking.locked_tables else enqueue_assignment)
        if booking.locked_tables:
            tx.allocations.assign(
                r, created.id, [table_ids[t] for t in booking.locked_tables], created.start_at,
                created.end_at + timedelta(minutes=parsed.policy.buffer_minutes),
                source="import")
            factory.transition(tx, r, created.id, "assigned", expected_version=created.version,
                               reason="locked tables in the imported file")
    return r


def export_instance(
    tx: UnitOfWork, settings: Settings, restaurant_id: int, day: date
) -> dict[str, Any]:
    """One day of a restaurant in the shared format (bookings not cancelled, in booking order)."""
    view = load_floor(tx, settings, restaurant_id)
    restaurant = view.restaurant
    tz = ZoneInfo(restaurant.timezone)
    periods = [p for p in tx.restaurants.service_periods(restaurant_id)
               if p.day_of_week in (None, day.weekday())]
    start = datetime.combine(day, time(0), tz)
    rows = [b for b in tx.bookings.list(restaurant_id, start, start + timedelta(days=1))
            if b.state not in ("cancelled", "no_show")]
    opens = min((p.opens_at for p in periods), default=time(0))
    closes = max((p.closes_at for p in periods), default=time(23, 59))
    zones = tx.zones.list(restaurant_id)
    bookings = []
    for seq, b in enumerate(sorted(rows, key=lambda b: (b.created_seq, b.id)), start=1):
        assigned = [view.labels[a.table_id] for a in tx.allocations.assignments(
            restaurant_id, b.id)]
        bookings.append({
            "id": b.reference or f"#{b.id}", "party_size": b.party_size,
            "start": b.start_at.astimezone(tz).strftime(bench.DATETIME_FORMAT),
            "duration_minutes": b.duration_minutes,
            "zone_preference": view.zone_codes.get(b.zone_preference_id or 0),
            "tags_preference": sorted(b.tags_preference), "created_seq": seq,
            "locked_tables": sorted(assigned) if b.locked and assigned else None,
        })
    floor = view.floor
    return {
        "restaurant": {
            "name": restaurant.name, "timezone": restaurant.timezone,
            "service": {"date": day.isoformat(), "open": opens.strftime("%H:%M"),
                        "close": closes.strftime("%H:%M")},
            "slot_minutes": restaurant.slot_minutes,
            "zones": [{"id": z.code, "name": z.name} for z in zones],
            "tables": [_table_doc(t) for t in floor.tables.values()],
            "combinations": [
                {"id": c.code, "tables": [view.labels[t] for t in sorted(c.table_ids)],
                 "min_party": c.min_party, "max_party": c.max_party}
                for c in tx.combinations.list(restaurant_id) if c.active],
            # In table order, as the floor was entered (ids follow the file's order).
            "adjacency": [[view.labels[a], view.labels[b]]
                          for a, b in tx.adjacency.list(restaurant_id)],
        },
        "bookings": bookings,
        "buffer_minutes": view.policy.buffer_minutes,
    }


def _table_doc(table: Table) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": table.id, "zone": table.zone, "min_party": table.min_party,
                           "max_party": table.max_party, "tags": sorted(table.tags)}
    if not table.active:
        doc["active"] = False
    return doc


def parse_error(exc: bench.InstanceError) -> InvalidInput:
    """An instance file problem as the error a client or the CLI reports."""
    field, _, detail = str(exc).partition(": ")
    return InvalidInput(field, detail or None)
