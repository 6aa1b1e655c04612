"""A day of bookings on one floor, indexed with small integers for the day algorithms.

Seating a whole day means trying thousands of (party, table set) pairs, so the day
algorithms (``day``, ``online``, ``solver``, ``repair``) work on this index rather than on
the floor's string ids: tables are ``0..T-1``, seating options are ``0..O-1``, bookings
``0..B-1``. For each booking the index lists the options it may use, best fit first, with
the price of each in the restaurant's secondary currency (empty seats, extra joined tables,
a missed preference). Covers always come first; the price only breaks ties between plans
that seat the same guests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from maitred.engine.booking import Booking
from maitred.engine.floor import Floor
from maitred.engine.policy import Policy

# Secondary price of a seating, per unit. An empty seat is the plainest loss; a join costs
# staff work and a worse table; a missed preference is the mildest disappointment.
EMPTY_SEAT_PRICE = 2
JOIN_PRICE = 2
MISSED_PREFERENCE_PRICE = 1


@dataclass(frozen=True, slots=True)
class Seat:
    """One seating option in index form: the tables it takes and the party sizes it fits."""

    key: str
    tables: tuple[int, ...]
    capacity: int
    joined: bool


class DayIndex:
    """Bookings, tables and options of one day as integers; immutable after construction.

    ``choices[b]`` are the options booking ``b`` may use, cheapest first; ``price[b]`` the
    secondary price of each (same order). A locked booking has exactly one choice: its
    locked tables. An option is left out for a booking when another fitting option uses a
    strict subset of its tables: the smaller one seats the same party, frees a table and
    never costs more, so no good plan needs the larger one.
    """

    def __init__(
        self,
        floor: Floor,
        bookings: Sequence[Booking],
        policy: Policy,
        locked: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.floor = floor
        self.bookings: tuple[Booking, ...] = tuple(bookings)
        self.table_ids: tuple[str, ...] = tuple(sorted(floor.tables))
        table_no = {t: i for i, t in enumerate(self.table_ids)}
        self.table_no = table_no
        self.seats: tuple[Seat, ...] = ()
        seats: list[Seat] = []
        seat_of_tables: dict[frozenset[int], list[int]] = {}
        by_party: dict[int, list[int]] = {}
        for option in floor.options:
            number = len(seats)
            seats.append(Seat(option.key, tuple(sorted(table_no[t] for t in option.tables)),
                              option.max_party, option.is_combination))
            seat_of_tables.setdefault(frozenset(seats[-1].tables), []).append(number)
        options = floor.options
        buffer = policy.buffer_minutes
        pins = dict(locked or {})

        self.start: list[int] = []
        self.end: list[int] = []
        self.party: list[int] = []
        self.locked: list[bool] = []
        self.choices: list[tuple[int, ...]] = []
        self.price: list[tuple[int, ...]] = []
        for booking in self.bookings:
            window = booking.window(buffer)
            self.start.append(window.start)
            self.end.append(window.end)
            self.party.append(booking.party_size)
            pin = pins.get(booking.id, booking.locked_tables)
            if pin is not None:
                self.locked.append(True)
                number = self._pinned_seat(booking, pin, seats, seat_of_tables)
                self.choices.append((number,))
                self.price.append((_price(booking, floor, self.table_ids, seats[number]),))
                continue
            self.locked.append(False)
            if booking.party_size not in by_party:
                by_party[booking.party_size] = _undominated(
                    [i for i, o in enumerate(options) if o.fits(booking.party_size)], seats)
            fitting = by_party[booking.party_size]
            priced = sorted((_price(booking, floor, self.table_ids, seats[i]), seats[i].key, i)
                            for i in fitting)
            self.choices.append(tuple(i for _, _, i in priced))
            self.price.append(tuple(p for p, _, _ in priced))
        self.seats = tuple(seats)

    def _pinned_seat(self, booking: Booking, pin: Sequence[str], seats: list[Seat],
                     seat_of_tables: dict[frozenset[int], list[int]]) -> int:
        """The option a locked booking must use; staff may pin to a set the floor lacks."""
        unknown = [t for t in pin if t not in self.table_no]
        if unknown or not pin:
            raise ValueError(f"booking {booking.id}: locked to unknown tables {unknown}")
        tables = frozenset(self.table_no[t] for t in pin)
        fitting = [i for i in seat_of_tables.get(tables, [])
                   if self.floor.options[i].fits(booking.party_size)]
        if fitting:
            return min(fitting, key=lambda i: seats[i].capacity)
        # Staff decided by hand (or the guests already sit there): honour it as given.
        capacity = sum(self.floor.tables[t].max_party for t in pin)
        seats.append(Seat("+".join(sorted(pin)), tuple(sorted(tables)), capacity, len(pin) > 1))
        return len(seats) - 1

    @property
    def size(self) -> int:
        return len(self.bookings)

    def overlaps(self, a: int, b: int) -> bool:
        return self.start[a] < self.end[b] and self.start[b] < self.end[a]

    def covers(self, seated: Sequence[int]) -> int:
        return sum(self.party[b] for b in seated)


def _price(booking: Booking, floor: Floor, table_ids: Sequence[str], seat: Seat) -> int:
    """Secondary price of seating ``booking`` at ``seat`` (lower is better)."""
    price = EMPTY_SEAT_PRICE * max(0, seat.capacity - booking.party_size)
    price += JOIN_PRICE * (len(seat.tables) - 1)
    if booking.has_preference and not _preference_met(booking, floor, table_ids, seat):
        price += MISSED_PREFERENCE_PRICE
    return price


def _preference_met(booking: Booking, floor: Floor, table_ids: Sequence[str],
                     seat: Seat) -> bool:
    """Every table in the wanted zone and carrying every wanted tag (the benchmark's rule)."""
    for number in seat.tables:
        table = floor.tables[table_ids[number]]
        if booking.zone_preference is not None and table.zone != booking.zone_preference:
            return False
        if not booking.tags_preference <= table.tags:
            return False
    return True


def _undominated(fitting: list[int], seats: list[Seat]) -> list[int]:
    """Drop options whose table set strictly contains another fitting option's set."""
    sets = [frozenset(seats[i].tables) for i in fitting]
    return [i for i, s in zip(fitting, sets, strict=True)
            if not any(other < s for other in sets)]
