"""Bookings as they come in: accept or refuse each at once, never drop a promise.

This is the restaurant's day as it happens: parties book one after the other (in
``created_seq`` order) and each hears yes or no straight away, judged only on the bookings
already taken. A yes is a promise kept for the rest of the day, but the *tables* stay
pooled until the guests sit down, so the host may move earlier parties to let a new one in.

:class:`Host` decides each arrival in three steps:

1. *Acceptance control*: a party whose covers do not pay the bid price of the table time
   it would take (:mod:`maitred.engine.bidprice`: what that table is expected to bring if
   kept for the demand still to come) is refused. The expected demand is read from the
   floor's seats and the bookings seen so far, never from later bookings. (Opt-in
   alternative: ``Control(admission="value")``, :mod:`maitred.engine.admission`.)
2. *Direct seat or ejection chain*: find a free option, or move a few parties along
   (:meth:`maitred.engine.repair.Seating.insert`). Options are tried best margin first,
   then the one leaving the least dead table time (gaps too short for any party) next to
   its neighbours. If the seat it ends up with does not pay its bid price, the party is
   refused after all and the moves are undone.
3. *Exact check*: when the chains fail on a small enough neighbourhood, a short CP-SAT
   feasibility solve re-seats every promised party around the newcomer's time (with a
   deterministic budget, so the same day always gives the same answers).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from maitred.engine import solver
from maitred.engine.admission import party_of, value_of_accepting
from maitred.engine.bidprice import BidPrices, bid_prices, future_share
from maitred.engine.dayindex import DayIndex
from maitred.engine.repair import UNSEATED, Seating

# Exact re-seating is tried only for neighbourhoods up to this many (booking, option)
# pairs, with this much CP-SAT deterministic time: a few tenths of a second at most.
EXACT_PAIRS = 1_500
EXACT_DETERMINISTIC_TIME = 0.1
# Bid prices are first computed once this many bookings have been seen.
MIN_SEEN = 8
# Ejection chains on arrival: this many steps deep, this many attempts.
DEPTH = 3
TRIES = 150


@dataclass(frozen=True, slots=True)
class Control:
    """Acceptance control by bid prices (:mod:`maitred.engine.bidprice`).

    ``expected_load``: share of the floor's seat-minutes a day usually asks for; the part
    not yet asked for is expected to come, shaped like the bookings seen so far.
    ``refresh``: prices are recomputed each time the bookings seen grow by this share.
    ``slack``: covers a party may fall short of its table time's bid price and still be
    taken (a sure party now against an expected one later).
    ``recency``: how much more the latest bookings count than the first ones as a sample
    of the demand still to come (0: all alike). Large groups book further ahead, so the
    first bookings over-state the big parties still to come; on the shared days a
    weighting of 1-2 moved the mean by less than the noise between neighbouring settings,
    so it is off by default.
    ``admission``: how a party that found a seat is judged. ``"price"``: its covers against
    the bid price of the table time it takes (above). ``"value"``: the expected-value test
    of :mod:`maitred.engine.admission` (covers of the relaxed evening with the party and
    without it), averaged over demand volumes of ``loads`` (shares of the floor's
    seat-minutes a day may ask for: the day's volume is unknown, so quiet and busy days
    are weighed alike), taken when the difference is at least ``-value_slack``; from
    ``value_min_seen`` bookings on. With the true rest of the day as its demand the value
    test seats far more (0.96 of the reference on the hardest days, prices 0.90); with the
    demand estimated from the bookings seen so far both seat about 0.90 and the value test
    costs five times the time, so prices stay the default (see docs/decisions.md).
    """

    expected_load: float = 1.2
    refresh: float = 0.15
    slack: float = 1.0
    recency: float = 0.0
    admission: Literal["price", "value"] = "price"
    value_slack: float = 0.0
    value_min_seen: int = 3
    loads: tuple[float, ...] = (0.5, 0.75, 1.0, 1.25, 1.5)


class Host:
    """Takes a day's bookings one at a time; ``offer`` answers yes or no for good."""

    def __init__(self, index: DayIndex, control: Control | None = None) -> None:
        self.index = index
        self.control = control
        self.ranked = list(index.choices)
        self.seating = Seating(index, self.ranked)
        self.accepted: list[int] = []
        self.refused: list[int] = []
        self.seen: list[int] = []
        self.moves = 0
        self.exact_checks = 0
        self.price_updates = 0
        self.value_tests = 0
        self._prices: BidPrices | None = None
        # Shortest stay among the bookings seen so far (never the ones still to come).
        self._shortest_stay = 0
        self._next_refresh = MIN_SEEN
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
        self.seen.append(booking)
        stay = index.end[booking] - index.start[booking]
        self._shortest_stay = min(self._shortest_stay, stay) if self._shortest_stay else stay
        self._refresh_prices()
        if not index.choices[booking] or not self._worth_it(booking):
            self.refused.append(booking)
            return False
        before = list(self.seating.seat_of)
        mark = self.seating.mark()
        inserted = self.seating.insert(booking, depth=DEPTH, tries=TRIES)
        # The value test before the (costlier) exact check, which it often makes moot.
        valued = self._valued(booking)
        if not inserted and not (valued and self._exact(booking)):
            self.refused.append(booking)
            return False
        if not valued or (
                self._by_price() and
                self._margin(booking, self.seating.seat_of[booking]) < -self._slack()):
            # Only a seat the later, larger parties need was left: keep it for them.
            self.seating.rollback(mark)
            self.refused.append(booking)
            return False
        self.seating.commit()
        self.accepted.append(booking)
        self.moves += sum(1 for b, s in enumerate(self.seating.seat_of)
                          if b != booking and before[b] != UNSEATED and s != before[b])
        return True

    def _by_price(self) -> bool:
        return self.control is not None and self.control.admission == "price"

    def _valued(self, booking: int) -> bool:
        """Whether seating ``booking`` costs the demand still expected no more covers than
        it brings, on average over the volume scenarios (:mod:`maitred.engine.admission`)."""
        control = self.control
        if control is None or control.admission != "value" or \
                len(self.seen) < control.value_min_seen:
            return True
        weights = recency_weights(self.index, self.seen, control.recency)
        expected = [(party_of(self.index, b), weights[i] if weights is not None else 1.0)
                    for i, b in enumerate(self.seen)]
        volumes = [future_share(self.index, self.seen, load) for load in control.loads]
        if max(volumes) <= 0:
            return True
        self.value_tests += 1
        values = value_of_accepting(self.index, self.accepted, booking, expected, volumes)
        return values is None or sum(values) / len(values) >= -control.value_slack

    def _slack(self) -> float:
        return self.control.slack if self.control is not None else 0.0

    def _refresh_prices(self) -> None:
        control = self.control
        if control is None or len(self.seen) < self._next_refresh:
            return
        self._next_refresh = max(len(self.seen) + 1,
                                 int(len(self.seen) * (1.0 + control.refresh)))
        future = future_share(self.index, self.seen, control.expected_load)
        self._prices = bid_prices(self.index, self.accepted, self.seen, future,
                                  recency_weights(self.index, self.seen, control.recency))
        self.price_updates += 1

    def _margin(self, booking: int, seat: int) -> float:
        """Covers gained minus the bid price of the table time used."""
        if self._prices is None:
            return float(self.index.party[booking])
        return self.index.party[booking] - self._prices.cost(self.index, booking, seat)

    def _worth_it(self, booking: int) -> bool:
        """Whether some option pays its bid price; ranks the options by margin, then by
        the dead time they would leave on their tables."""
        index = self.index
        choices = index.choices[booking]
        margins = {s: self._margin(booking, s) for s in choices}
        dead = {s: self._dead_minutes(booking, s) for s in choices}
        order = sorted(range(len(choices)),
                       key=lambda i: (-round(margins[choices[i]], 6), dead[choices[i]], i))
        self.ranked[booking] = tuple(choices[i] for i in order)
        return not self._by_price() or max(margins.values()) >= -self._slack()

    def _dead_minutes(self, booking: int, seat: int) -> int:
        """Minutes of the seat's tables left too short for another party (< a short meal)
        between ``booking`` and its neighbours: such gaps are table time lost for good."""
        index = self.index
        start, end = index.start[booking], index.end[booking]
        dead = 0
        for table in index.seats[seat].tables:
            before = max((index.end[b] for b in self.seating.on_table[table]
                          if index.end[b] <= start), default=None)
            after = min((index.start[b] for b in self.seating.on_table[table]
                         if index.start[b] >= end), default=None)
            for gap in (None if before is None else start - before,
                        None if after is None else after - end):
                if gap is not None and 0 < gap < self._shortest_stay:
                    dead += gap
        return dead

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
        for b in around:
            self.seating.unseat(b)
        for b in [*around, booking]:
            self.seating.place(b, found.seat_of[b])
        return True


def run(index: DayIndex, control: Control | None = Control()) -> Host:
    """Offer every booking in creation order (ties: booking id) and return the host."""
    host = Host(index, control)
    for b in sorted(range(index.size),
                    key=lambda b: (index.bookings[b].created_seq, _natural(index.bookings[b].id))):
        host.offer(b)
    return host


def recency_weights(index: DayIndex, seen: list[int], recency: float) -> list[float] | None:
    """Weight of each seen booking as a sample of the demand still to come."""
    if recency <= 0:
        return None
    n = len(seen)
    raw = [math.exp(recency * (i - n + 1) / n) for i in range(n)]
    minutes = [index.party[b] * (index.end[b] - index.start[b]) for b in seen]
    scale = sum(minutes) / sum(r * m for r, m in zip(raw, minutes, strict=True))
    return [r * scale for r in raw]


def _natural(key: str) -> tuple[tuple[int, str], ...]:
    """``B2`` before ``B10``."""
    return tuple((int(p), "") if p.isdigit() else (0, p) for p in re.split(r"(\d+)", key))
