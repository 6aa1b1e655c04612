"""Bookings as they come in: accept or refuse each at once, never drop a promise.

This is the restaurant's day as it happens: parties book one after the other (in
``created_seq`` order) and each hears yes or no straight away, judged only on the bookings
already taken. A yes is a promise kept for the rest of the day, but the *tables* stay
pooled until the guests sit down, so the host may move earlier parties to let a new one in.

:class:`Host` decides each arrival in three steps:

1. *Acceptance control*: a small party that could only sit at a large table (or a join)
   while the large seats at that time are already scarce is refused, keeping those seats
   for the larger parties that usually book later in the same busy hour. Scarcity is read
   from the floor's seat mix and the bookings accepted so far, never from later bookings.
2. *Direct seat or ejection chain*: find a free option, or move a few parties along
   (:meth:`maitred.engine.repair.Seating.insert`).
3. *Exact check*: when the chains fail on a small enough neighbourhood, a short CP-SAT
   feasibility solve re-seats every promised party around the newcomer's time (with a
   deterministic budget, so the same day always gives the same answers).
"""

from __future__ import annotations

from dataclasses import dataclass

from maitred.engine import solver
from maitred.engine.dayindex import DayIndex
from maitred.engine.repair import UNSEATED, Seating

# Exact re-seating is tried only for neighbourhoods up to this many (booking, option)
# pairs, with this much CP-SAT deterministic time: a few tenths of a second at most.
EXACT_PAIRS = 4_000
EXACT_DETERMINISTIC_TIME = 0.5


@dataclass(frozen=True, slots=True)
class Control:
    """Acceptance control knobs: refuse a party whose best seat wastes more than
    ``max_empty_seats`` while the seats at its time are more than ``busy_share`` taken."""

    busy_share: float = 0.75
    max_empty_seats: int = 1


class Host:
    """Takes a day's bookings one at a time; ``offer`` answers yes or no for good."""

    def __init__(self, index: DayIndex, control: Control | None = None) -> None:
        self.index = index
        self.control = control
        self.seating = Seating(index)
        self.accepted: list[int] = []
        self.refused: list[int] = []
        self.moves = 0
        self.exact_checks = 0
        self._seats_total = sum(index.floor.tables[t].max_party for t in index.table_ids)
        for b in range(index.size):
            if index.locked[b]:
                # Staff pinned these parties (or they already sit there): promised up front.
                self.seating.place(b, index.choices[b][0])
                self.accepted.append(b)
        self.seating.commit()

    def offer(self, booking: int) -> bool:
        """Accept (True) or refuse (False) ``booking``; accepted parties stay seated."""
        index = self.index
        if index.locked[booking]:
            return True
        if not index.choices[booking] or self._controlled_out(booking):
            self.refused.append(booking)
            return False
        before = list(self.seating.seat_of)
        if self.seating.insert(booking, depth=3, tries=150) or self._exact(booking):
            self.seating.commit()
            self.accepted.append(booking)
            self.moves += sum(1 for b, s in enumerate(self.seating.seat_of)
                              if b != booking and before[b] != UNSEATED and s != before[b])
            return True
        self.refused.append(booking)
        return False

    def _controlled_out(self, booking: int) -> bool:
        control = self.control
        if control is None:
            return False
        index = self.index
        best_fit = index.seats[index.choices[booking][0]].capacity - index.party[booking]
        waste = None
        seat = self.seating.first_free(booking)
        if seat != UNSEATED:
            waste = index.seats[seat].capacity - index.party[booking]
        if waste is None or waste <= max(best_fit, control.max_empty_seats):
            return False
        return self._busy_share(booking) > control.busy_share

    def _busy_share(self, booking: int) -> float:
        """Share of the floor's seats taken at the busiest moment of ``booking``'s stay."""
        index = self.index
        start, end = index.start[booking], index.end[booking]
        moments = {start} | {index.start[b] for b in self.accepted
                             if start < index.start[b] < end}
        busiest = 0
        for moment in moments:
            taken = sum(index.seats[self.seating.seat_of[b]].capacity for b in self.accepted
                        if index.start[b] <= moment < index.end[b])
            busiest = max(busiest, taken)
        return busiest / self._seats_total if self._seats_total else 1.0

    def _exact(self, booking: int) -> bool:
        """Re-seat the promised parties around ``booking``'s time with CP-SAT."""
        index = self.index
        around = [b for b in self.accepted if not index.locked[b] and index.overlaps(b, booking)]
        pairs = sum(len(index.choices[b]) for b in around) + len(index.choices[booking])
        if pairs > EXACT_PAIRS:
            return False
        self.exact_checks += 1
        hint = list(self.seating.seat_of)
        found = solver.solve(index, hint, time_limit=EXACT_DETERMINISTIC_TIME,
                             deterministic=True, must_seat=[*around, booking],
                             free=[*around, booking])
        if found.status not in ("OPTIMAL", "FEASIBLE"):
            return False
        mark = self.seating.mark()
        for b in around:
            self.seating.unseat(b)
        for b in [*around, booking]:
            if found.seat_of[b] == UNSEATED or not self.seating.is_free(b, found.seat_of[b]):
                self.seating.rollback(mark)  # pragma: no cover - the solver's answer is valid
                return False
            self.seating.place(b, found.seat_of[b])
        return True


def run(index: DayIndex, control: Control | None = None) -> Host:
    """Offer every booking in creation order (ties: booking id) and return the host."""
    host = Host(index, control)
    for b in sorted(range(index.size),
                    key=lambda b: (index.bookings[b].created_seq, _natural(index.bookings[b].id))):
        host.offer(b)
    return host


def _natural(key: str) -> tuple[tuple[int, str], ...]:
    import re

    return tuple((int(p), "") if p.isdigit() else (0, p) for p in re.split(r"(\d+)", key))
