"""The constraint engine: may this party sit at these tables, and if not, why not.

Manual sessions and the automatic planner both ask :func:`check`, so a host clicking tables
and the robot placing bookings can never disagree about what is allowed. Every refusal is a
typed :class:`Violation` with a sentence the host can read at the stand ("Table T4 is taken
by booking B17 until 20:30; it is free again at 20:30.") and the fields a screen needs to
act on it (which table, which booking, free when, held by whom).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from maitred.engine.booking import Booking
from maitred.engine.floor import Floor
from maitred.engine.policy import Policy
from maitred.engine.timeline import Busy, Kind, Timeline


class ViolationKind(StrEnum):
    EMPTY_SELECTION = "empty_selection"
    UNKNOWN_TABLE = "unknown_table"
    INACTIVE_TABLE = "inactive_table"
    DUPLICATE_TABLE = "duplicate_table"
    MERGES_DISABLED = "merges_disabled"
    PARTY_TOO_LARGE = "party_too_large"
    PARTY_TOO_SMALL = "party_too_small"
    NOT_ADJACENT = "not_adjacent"
    NOT_A_COMBINATION = "not_a_combination"
    MIXED_ZONES = "mixed_zones"
    OVERLAP = "overlap"
    OUTSIDE_SERVICE_HOURS = "outside_service_hours"
    BLOCKED_TABLE = "blocked_table"
    LOCKED_TABLE = "locked_table"


@dataclass(frozen=True, slots=True)
class Violation:
    """One reason a selection cannot be seated, in the host's words."""

    kind: ViolationKind
    message: str
    table_id: str | None = None
    other_booking: str | None = None
    free_at: int | None = None
    holder: str | None = None


def default_clock(minutes: int) -> str:
    """Minutes from midnight as a wall-clock ``HH:MM`` (past midnight wraps round)."""
    hours, mins = divmod(minutes % (24 * 60), 60)
    return f"{hours:02d}:{mins:02d}"


def check(
    selection: Sequence[str],
    booking: Booking,
    floor: Floor,
    timeline: Timeline,
    policy: Policy,
    *,
    clock: Callable[[int], str] = default_clock,
) -> list[Violation]:
    """Every reason ``booking`` may not sit at ``selection``; empty means it may."""
    if not selection:
        return [Violation(ViolationKind.EMPTY_SELECTION,
                          f"Pick at least one table for booking {booking.id}.")]
    found: list[Violation] = []
    seen: set[str] = set()
    tables: list[str] = []
    for table_id in selection:
        if table_id in seen:
            found.append(Violation(ViolationKind.DUPLICATE_TABLE,
                                   f"Table {table_id} is selected twice.", table_id))
            continue
        seen.add(table_id)
        table = floor.tables.get(table_id)
        if table is None:
            found.append(Violation(ViolationKind.UNKNOWN_TABLE,
                                   f"There is no table {table_id} on this floor.", table_id))
            continue
        if not table.active:
            found.append(Violation(ViolationKind.INACTIVE_TABLE,
                                   f"Table {table_id} is out of service.", table_id))
        tables.append(table_id)
    found += _locked_to(booking, seen)
    if len(tables) == len(seen):  # judge the shape only once every table is a real one
        found += _shape(sorted(tables), booking, floor, policy)
    meal_end = booking.start + booking.duration
    if not policy.within_service(booking.start, meal_end):
        found.append(Violation(
            ViolationKind.OUTSIDE_SERVICE_HOURS,
            f"Booking {booking.id} ({clock(booking.start)}-{clock(meal_end)}) falls outside "
            "service hours."))
    window = booking.window(policy.buffer_minutes)
    for table_id in tables:
        for busy in timeline.conflicts(table_id, window, ignore_booking=booking.id):
            free_at = timeline.next_free(table_id, window.start, window.end - window.start,
                                         ignore_booking=booking.id)
            found.append(_busy(busy, free_at, clock))
    return found


def _locked_to(booking: Booking, chosen: set[str]) -> list[Violation]:
    """A pinned booking may sit only at exactly its locked tables."""
    if booking.locked_tables is None or set(booking.locked_tables) == chosen:
        return []
    pinned = "+".join(sorted(booking.locked_tables))
    return [Violation(ViolationKind.LOCKED_TABLE,
                      f"Booking {booking.id} is locked to {pinned}; unlock it before moving it.")]


def _shape(tables: list[str], booking: Booking, floor: Floor, policy: Policy) -> list[Violation]:
    """Party size against the table, or against the one combination the tables form."""
    party = booking.party_size
    if len(tables) == 1:
        table = floor.tables[tables[0]]
        return _size(party, table.min_party, table.max_party, f"Table {table.id}", table.id,
                     plural=False)
    label = "+".join(tables)
    if not policy.merges_enabled:
        return [Violation(ViolationKind.MERGES_DISABLED,
                          f"Tables {label} cannot be joined: this restaurant seats every "
                          "party at one table.")]
    options = floor.options_with_tables(tables)
    if options:
        if any(o.fits(party) for o in options):
            return []
        low = min(o.min_party for o in options)
        high = max(o.max_party for o in options)
        if low <= party <= high:
            # Several listed joins of these tables, the party between their sizes.
            sizes = " or ".join(sorted({_seats(o.min_party, o.max_party) for o in options}))
            return [Violation(ViolationKind.PARTY_TOO_LARGE,
                              f"Tables {label} together seat {sizes}; the party is {party}.")]
        return _size(party, low, high, f"Tables {label} together", None, plural=True)
    zones = sorted({floor.tables[t].zone for t in tables})
    if len(zones) > 1:
        return [Violation(ViolationKind.MIXED_ZONES,
                          f"Tables {label} are in different areas ({', '.join(zones)}) and "
                          "cannot be joined.")]
    if not floor.is_connected(tables):
        return [Violation(ViolationKind.NOT_ADJACENT,
                          f"Tables {label} do not stand next to each other.")]
    limit = policy.max_tables_per_combination
    why = (f"at most {limit} tables may be joined" if len(tables) > limit
           else "they are not one of the allowed combinations")
    return [Violation(ViolationKind.NOT_A_COMBINATION,
                      f"Tables {label} cannot be joined: {why}.")]


def _seats(low: int, high: int) -> str:
    return str(high) if low == high else f"{low}-{high}"


def _size(
    party: int, low: int, high: int, what: str, table_id: str | None, *, plural: bool
) -> list[Violation]:
    seat, are = ("seat", "are") if plural else ("seats", "is")
    if party > high:
        return [Violation(ViolationKind.PARTY_TOO_LARGE,
                          f"{what} {seat} at most {high}; the party is {party}.", table_id)]
    if party < low:
        # A big table given to a small party turns away the large group it was kept for.
        return [Violation(ViolationKind.PARTY_TOO_SMALL,
                          f"{what} {are} kept for parties of {low} or more; the party is "
                          f"{party}.", table_id)]
    return []


def _busy(busy: Busy, free_at: int, clock: Callable[[int], str]) -> Violation:
    """Name what holds the table, until when, and when this party could have it."""
    table, until, again = busy.table_id, clock(busy.window.end), clock(free_at)
    by = f" by {busy.holder}" if busy.holder else ""
    if busy.kind is Kind.BLOCKED:
        return Violation(ViolationKind.BLOCKED_TABLE,
                         f"Table {table} is blocked{by} until {until}; it is free again at "
                         f"{again}.", table, busy.booking_id, free_at, busy.holder)
    if busy.locked or (busy.kind is Kind.HOLD and busy.holder):
        how = "locked to" if busy.locked else f"held{by} for"
        return Violation(ViolationKind.LOCKED_TABLE,
                         f"Table {table} is {how} booking {busy.booking_id} until {until}; it "
                         f"is free again at {again}.", table, busy.booking_id, free_at,
                         busy.holder)
    what = "taken by" if busy.kind is Kind.ASSIGNMENT else "on hold for"
    return Violation(ViolationKind.OVERLAP,
                     f"Table {table} is {what} booking {busy.booking_id} until {until}; it is "
                     f"free again at {again}.", table, busy.booking_id, free_at, busy.holder)
