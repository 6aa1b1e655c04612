"""The one scoring service: how good is it to seat this party at this option.

Every plan, whatever strategy found it, is scored here, so strategies compete on one scale
and staff read one vocabulary. A score is a sum of named, signed terms (higher is better):

- ``seat_waste``: empty seats are covers the restaurant cannot sell tonight;
- ``fragmentation``: idle slivers too short for any meal are lost, snug fits are not;
- ``preference``: guests asked for a zone or a kind of table;
- ``combination``: joining tables costs staff work and blocks several tables;
- ``large_table_protection``: a big table or a join used now may be missing later for the
  large parties still expected.

:class:`BookingScorer` is built once per booking (it reads the demand for the booking's
window once) and then scores each option in a few microseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from maitred.engine.booking import Booking
from maitred.engine.demand import Demand
from maitred.engine.floor import Floor, Option
from maitred.engine.policy import Policy
from maitred.engine.timeline import Timeline

TERMS = ("seat_waste", "fragmentation", "preference", "combination", "large_table_protection")


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each term counts; one empty seat is the unit.

    The defaults come from a sweep over the shared benchmark days (seating bookings in
    creation order at their best plan): stronger gap terms helped a little, a heavy
    protection term slightly hurt, so it stays gentle. Differences were under 1% of covers.
    """

    empty_seat: float = 1.0
    snug: float = 1.0
    sliver: float = 4.0
    zone: float = 2.0
    tag: float = 1.0
    extra_table: float = 1.5
    protection: float = 1.0


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True, slots=True)
class Score:
    """A total (higher is better) and the signed terms that sum to it."""

    total: float
    terms: Mapping[str, float]


# Per floor: how many options seat each party size (how scarce a table for s guests is).
_SUPPLY: WeakKeyDictionary[Floor, tuple[int, ...]] = WeakKeyDictionary()


def supply(floor: Floor) -> tuple[int, ...]:
    """Number of options (tables and joins) that seat each party size, computed once."""
    known = _SUPPLY.get(floor)
    if known is None:
        known = tuple(len(floor.options_for(p)) for p in range(floor.max_capacity + 1))
        _SUPPLY[floor] = known
    return known


class BookingScorer:
    """Scores the options of one booking against the current timeline and demand."""

    def __init__(
        self,
        booking: Booking,
        floor: Floor,
        timeline: Timeline,
        policy: Policy,
        demand: Demand | None = None,
        weights: Weights = DEFAULT_WEIGHTS,
    ) -> None:
        self.booking = booking
        self.timeline = timeline
        self.weights = weights
        self.window = booking.window(policy.buffer_minutes)
        self._edges = _service_edges(policy, booking)
        # The shortest meal sold: a gap shorter than that can never be filled.
        meals = [m for _, m in policy.turn_times]
        if demand is not None and demand.shortest_meal is not None:
            meals.append(demand.shortest_meal)
        self.shortest_meal = min(meals)
        # scarcity[s]: summed demand/supply of sizes party+1..s in this window, so the
        # protection cost of any option is one subtraction.
        self._scarcity = [0.0] * (floor.max_capacity + 1)
        if demand is not None:
            seats = supply(floor)
            running = 0.0
            for size in range(booking.party_size + 1, floor.max_capacity + 1):
                running += demand.pressure(size, self.window) / max(seats[size], 1)
                self._scarcity[size] = running
        self._gaps: dict[str, tuple[int | None, int | None]] = {}

    def score(self, option: Option) -> Score:
        terms = {
            "seat_waste": self.seat_waste(option),
            "fragmentation": self.fragmentation(option),
            "preference": self.preference(option),
            "combination": self.combination(option),
            "large_table_protection": self.large_table_protection(option),
        }
        # Rounded so that float noise never decides a tie; "+ 0.0" turns -0.0 into 0.0.
        terms = {k: round(v, 6) + 0.0 for k, v in terms.items()}
        return Score(round(sum(terms.values()), 6) + 0.0, terms)

    # -- the terms -----------------------------------------------------------------------

    def seat_waste(self, option: Option) -> float:
        """Empty seats: a four-top given to a couple turns away two covers tonight."""
        return -self.weights.empty_seat * (option.max_party - self.booking.party_size)

    def fragmentation(self, option: Option) -> float:
        """Slivers before/after the meal that no party could use are lost table time.

        A meal that starts as the previous party leaves (or ends as the next arrives) keeps
        the table's evening in sellable pieces: a bonus. A gap shorter than the shortest
        meal is a sliver: a penalty that grows as the gap shrinks. Averaged over the tables
        of a join, so joining is judged by the ``combination`` term, not here.
        """
        total = 0.0
        for table_id in option.tables:
            for gap in self.gaps(table_id):
                if gap is None:
                    continue
                if gap <= 0:
                    total += self.weights.snug
                elif gap < self.shortest_meal:
                    total -= self.weights.sliver * (1 - gap / self.shortest_meal)
        return total / len(option.tables)

    def preference(self, option: Option) -> float:
        """Guests who asked for the terrace or a window table should get it when possible."""
        wanted = self.booking
        points = 0.0
        if wanted.zone_preference is not None and option.zone == wanted.zone_preference:
            points += self.weights.zone
        if wanted.tags_preference:
            points += self.weights.tag * len(wanted.tags_preference & option.tags)
        return points

    def combination(self, option: Option) -> float:
        """Each extra table joined means staff moving furniture and one more table blocked."""
        return -self.weights.extra_table * (len(option.tables) - 1)

    def large_table_protection(self, option: Option) -> float:
        """Using seats that the larger parties still expected then will need is costly.

        For every party size this option could seat beyond the booking's own, add how many
        such parties are expected during the window relative to how many options seat
        them: scarce big tables at 19:30 cost more than spare ones at 17:30.
        """
        top = min(option.max_party, len(self._scarcity) - 1)
        bottom = max(self.booking.party_size, option.min_party - 1)
        if top <= bottom:
            return 0.0
        return -self.weights.protection * (self._scarcity[top] - self._scarcity[bottom])

    # -- facts the terms read ------------------------------------------------------------

    def gaps(self, table_id: str) -> tuple[int | None, int | None]:
        """Idle minutes before/after the window on this table (service edges count)."""
        known = self._gaps.get(table_id)
        if known is None:
            before, after = self.timeline.gaps(table_id, self.window,
                                               ignore_booking=self.booking.id)
            if self._edges is not None:
                open_, close = self._edges
                before = self.window.start - open_ if before is None else before
                after = max(close - self.window.end, 0) if after is None else after
            known = (before, after)
            self._gaps[table_id] = known
        return known


def _service_edges(policy: Policy, booking: Booking) -> tuple[int, int] | None:
    """The opening and closing of the service period the meal falls in, if any is set."""
    for open_, close in policy.service_periods:
        if open_ <= booking.start < close:
            return open_, close
    return None
