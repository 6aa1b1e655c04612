"""Expected demand over the day: how many parties of each size will be at table when.

A host keeps the big round table free at 19:30 because a party of ten usually turns up
then. :class:`Demand` is that knowledge as numbers: for each party size and each time slot,
the expected number of such parties seated. It is built from the bookings known so far (or
from a forecast's bookings, each weighted by its likelihood) and answers, in constant time,
"on average, how many parties of size s sit during [a, b)?".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate

from maitred.engine.booking import Booking, Window


@dataclass(frozen=True, slots=True)
class Demand:
    """Expected seated parties by party size and slot.

    ``prefix[size][k]`` is the expected party-slots of that size over the first ``k`` slots
    from ``origin``, so any window's average is one subtraction.
    """

    origin: int
    slot_minutes: int
    prefix: tuple[tuple[float, ...], ...]
    shortest_meal: int | None = None

    @classmethod
    def from_bookings(
        cls, bookings: Iterable[Booking], *, slot_minutes: int = 15, weight: float = 1.0
    ) -> Demand:
        """Demand made of these parties, each counted ``weight`` times (a forecast's odds)."""
        if slot_minutes < 1:
            raise ValueError("slot_minutes must be >= 1")
        parties = list(bookings)
        if not parties:
            return cls(0, slot_minutes, ())
        origin = min(b.start for b in parties)
        origin -= origin % slot_minutes
        slots = -(-(max(b.start + b.duration for b in parties) - origin) // slot_minutes)
        largest = max(b.party_size for b in parties)
        # Difference arrays: +w where a party sits down, -w where it leaves.
        delta = [[0.0] * (slots + 1) for _ in range(largest + 1)]
        for b in parties:
            first = (b.start - origin) // slot_minutes
            last = -(-(b.start + b.duration - origin) // slot_minutes)
            delta[b.party_size][first] += weight
            delta[b.party_size][last] -= weight
        prefix = tuple(
            (0.0, *accumulate(accumulate(row[:slots]))) for row in delta
        )
        shortest = min(b.duration for b in parties)
        return cls(origin, slot_minutes, prefix, shortest)

    @property
    def largest_party(self) -> int:
        return len(self.prefix) - 1

    def pressure(self, party_size: int, window: Window) -> float:
        """Average number of parties of this size expected at table during the window."""
        if not 0 < party_size < len(self.prefix):
            return 0.0
        row = self.prefix[party_size]
        slots = len(row) - 1
        first = min(max((window.start - self.origin) // self.slot_minutes, 0), slots)
        last = min(max(-(-(window.end - self.origin) // self.slot_minutes), 0), slots)
        if last <= first:
            return 0.0
        return (row[last] - row[first]) / (last - first)
