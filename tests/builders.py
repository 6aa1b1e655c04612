"""Small builders for engine tests: tables, floors, bookings, timelines, generated floors.

Defaults are the dullest valid values, so a test names only what it is about:
``booking(party=6, start=at("19:00"))``. Times are minutes from midnight, and ``at`` turns
"19:30" into them so tests read like a reservation book.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise

from hypothesis import strategies as st

from maitred.engine.booking import Booking, Window
from maitred.engine.floor import Combination, Floor, Table
from maitred.engine.policy import Policy
from maitred.engine.timeline import Busy, Kind, Timeline


def at(clock: str) -> int:
    """``"19:30"`` as minutes from midnight."""
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def table(
    id: str, seats: int = 4, *, low: int = 1, zone: str = "main",
    tags: Iterable[str] = (), active: bool = True,
) -> Table:
    return Table(id, zone, low, seats, frozenset(tags), active)


def floor(
    tables: Iterable[Table], adjacency: Iterable[tuple[str, str]] = (),
    combinations: Iterable[Combination] = (), policy: Policy | None = None,
) -> Floor:
    return Floor(tables, adjacency, combinations, policy)


def bistro(policy: Policy | None = None) -> Floor:
    """A small room: two window deuces, two four-tops in a row, a patio eight-top.

    Main room, in a line: T1 - T2 - T3 - T4; explicit join C12 = T1+T2 for 3-4 guests.
    Patio: T5 (5-8 guests) on its own.
    """
    return floor(
        [table("T1", 2, tags={"window"}), table("T2", 2, tags={"window"}),
         table("T3", 4), table("T4", 4, tags={"quiet"}),
         table("T5", 8, low=5, zone="patio")],
        [("T1", "T2"), ("T3", "T2"), ("T3", "T4")],
        [Combination("C12", ("T1", "T2"), 3, 4)],
        policy,
    )


def booking(
    id: str = "B1", party: int = 2, start: int = 19 * 60, duration: int = 90, *,
    zone: str | None = None, tags: Iterable[str] = (), seq: int = 0,
    locked: Sequence[str] | None = None,
) -> Booking:
    return Booking(id, party, start, duration, zone, frozenset(tags), seq,
                   None if locked is None else tuple(sorted(locked)))


def busy(
    table_id: str, start: int, end: int, booking_id: str | None = "X", *,
    kind: Kind = Kind.ASSIGNMENT, holder: str | None = None, locked: bool = False,
) -> Busy:
    return Busy(table_id, Window(start, end), booking_id, kind, holder, locked)


def seat(timeline: Timeline, party: Booking, tables: Iterable[str], buffer: int = 0) -> None:
    """Record ``party`` as assigned to ``tables``."""
    for table_id in tables:
        timeline.add(Busy(table_id, party.window(buffer), party.id, Kind.ASSIGNMENT))


# -- hypothesis: generated floors, days and bookings -------------------------------------

ZONES = ("main", "patio")
TAGS = ("window", "quiet", "booth")


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    return Policy(
        buffer_minutes=draw(st.sampled_from([0, 15])),
        merges_enabled=draw(st.sampled_from([True, True, True, False])),
        derive_combinations=draw(st.booleans()),
        require_adjacency=draw(st.booleans()),
        max_tables_per_combination=draw(st.integers(2, 3)),
        seats_lost_per_join=draw(st.integers(0, 2)),
        service_periods=draw(st.sampled_from([(), ((at("17:00"), at("23:00")),)])),
    )


@st.composite
def floors(draw: st.DrawFn, policy: Policy | None = None) -> Floor:
    """2-8 tables in up to two zones, random adjacency, a few listed joins."""
    count = draw(st.integers(2, 8))
    tables = []
    for i in range(count):
        seats = draw(st.integers(1, 8))
        tables.append(Table(
            f"T{i + 1}", draw(st.sampled_from(["main", "main", "patio"])),
            draw(st.integers(1, seats)), seats,
            frozenset(draw(st.sets(st.sampled_from(TAGS), max_size=2))),
            draw(st.sampled_from([True, True, True, False])),
        ))
    ids = [t.id for t in tables]
    pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]]
    # Mostly a line of neighbours (so joins exist), plus random extra edges.
    line = [(a, b) for a, b in pairwise(ids) if draw(st.integers(0, 3))]
    adjacency = line + draw(st.lists(st.sampled_from(pairs), max_size=len(pairs), unique=True))
    combos = []
    for j, members in enumerate(draw(st.lists(
            st.lists(st.sampled_from(ids), min_size=2, max_size=3, unique=True), max_size=3))):
        if len({t.zone for t in tables if t.id in members}) == 1:
            high = draw(st.integers(2, 14))
            combos.append(Combination(f"C{j + 1}", tuple(sorted(members)),
                                      draw(st.integers(1, high)), high))
    return Floor(tables, adjacency, combos, policy or draw(policies()))


@st.composite
def timelines(draw: st.DrawFn, on: Floor) -> Timeline:
    """Busy entries of every kind on the floor's tables, overlapping ones included."""
    entries = []
    for n in range(draw(st.integers(0, 6))):
        start = draw(st.integers(at("17:00"), at("22:00")))
        kind = draw(st.sampled_from(list(Kind)))
        entries.append(Busy(
            draw(st.sampled_from(sorted(on.tables))),
            Window(start, start + draw(st.integers(15, 180))),
            None if kind is Kind.BLOCKED else f"O{n}", kind,
            draw(st.sampled_from([None, "Anna"])), draw(st.booleans()),
        ))
    return Timeline(entries)


@st.composite
def bookings(draw: st.DrawFn, on: Floor) -> Booking:
    """A party for the floor: usually one it could seat, sometimes pinned to tables."""
    ids = sorted(on.tables)
    fitting = [o.tables for o in on.options]
    pins = [st.none(), st.none(), st.lists(st.sampled_from(ids), min_size=1, max_size=3,
                                           unique=True)]
    if fitting:
        pins.append(st.sampled_from(fitting).map(list))
    locked = draw(st.one_of(*pins))
    capacity = max(on.max_capacity, 1)
    party = draw(st.one_of(st.integers(1, capacity), st.integers(1, 12)))
    return booking(
        "B1", party, draw(st.integers(at("16:30"), at("22:30"))),
        draw(st.sampled_from([60, 90, 120])),
        zone=draw(st.sampled_from([None, *ZONES])),
        tags=draw(st.sets(st.sampled_from(TAGS), max_size=2)), locked=locked,
    )
