"""Who sits where today, and the moves a maître d' makes to fit one more party.

Until guests sit down, tables are pooled: a party booked at table 12 can be moved to
table 14 if that lets a later party in. :class:`Seating` holds the day's assignments per
table and implements those moves as *ejection chains*: to seat a party, pick a table set,
lift the few parties in its way and re-seat each of them elsewhere, recursively, within a
bounded number of tries. Every change is journaled, so a chain that fails is rolled back
exactly and nobody is lost.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from maitred.engine.dayindex import DayIndex

UNSEATED = -1


class Seating:
    """Assignment of bookings to seating options for one day, with undo."""

    def __init__(self, index: DayIndex,
                 ranked: Sequence[tuple[int, ...]] | None = None) -> None:
        self.index = index
        # The order in which each booking's options are tried (cheapest first by default).
        self.ranked: Sequence[tuple[int, ...]] = ranked if ranked is not None else index.choices
        self.seat_of: list[int] = [UNSEATED] * index.size
        self.on_table: list[list[int]] = [[] for _ in index.table_ids]
        self._journal: list[tuple[int, int]] = []
        self._tries = 0

    # -- basic moves (journaled) -----------------------------------------------------

    def clashes(self, booking: int, seat: int) -> list[int]:
        """Bookings already holding a table of ``seat`` during ``booking``'s window."""
        index = self.index
        start, end = index.start[booking], index.end[booking]
        starts, ends = index.start, index.end
        found: list[int] = []
        for table in index.seats[seat].tables:
            for other in self.on_table[table]:
                if starts[other] < end and start < ends[other] and other not in found:
                    found.append(other)
        return found

    def is_free(self, booking: int, seat: int) -> bool:
        index = self.index
        start, end = index.start[booking], index.end[booking]
        starts, ends = index.start, index.end
        for table in index.seats[seat].tables:
            for other in self.on_table[table]:
                if starts[other] < end and start < ends[other]:
                    return False
        return True

    def place(self, booking: int, seat: int) -> None:
        self._journal.append((booking, self.seat_of[booking]))
        self._set(booking, seat)

    def unseat(self, booking: int) -> None:
        self._journal.append((booking, self.seat_of[booking]))
        self._set(booking, UNSEATED)

    def mark(self) -> int:
        """A point in the journal to roll back to."""
        return len(self._journal)

    def rollback(self, mark: int) -> None:
        """Undo every move made since ``mark``."""
        journal = self._journal
        while len(journal) > mark:
            booking, previous = journal.pop()
            self._set(booking, previous)

    def commit(self) -> None:
        """Forget the journal: the moves so far are final."""
        self._journal.clear()

    def _set(self, booking: int, seat: int) -> None:
        current = self.seat_of[booking]
        if current != UNSEATED:
            for table in self.index.seats[current].tables:
                self.on_table[table].remove(booking)
        self.seat_of[booking] = seat
        if seat != UNSEATED:
            for table in self.index.seats[seat].tables:
                self.on_table[table].append(booking)

    # -- queries -------------------------------------------------------------------------

    def seated(self) -> list[int]:
        return [b for b, s in enumerate(self.seat_of) if s != UNSEATED]

    def covers(self) -> int:
        party = self.index.party
        return sum(party[b] for b, s in enumerate(self.seat_of) if s != UNSEATED)

    def price(self) -> int:
        """Secondary price of the seated bookings (empty seats, joins, missed wishes)."""
        index = self.index
        return sum(index.price[b][index.choices[b].index(seat)]
                   for b, seat in enumerate(self.seat_of) if seat != UNSEATED)

    # -- the maître d's moves --------------------------------------------------------------

    def first_free(self, booking: int) -> int:
        """The cheapest free option for ``booking``, or ``UNSEATED``."""
        for seat in self.ranked[booking]:
            if self.is_free(booking, seat):
                return seat
        return UNSEATED

    def insert(self, booking: int, *, depth: int = 2, tries: int = 200, width: int = 2) -> bool:
        """Seat ``booking`` without unseating anyone, moving up to ``width`` parties per
        step, ``depth`` steps deep, within ``tries`` attempts. False leaves all as it was."""
        self._tries = tries
        mark = self.mark()
        if self._chain(booking, depth, width, {booking}):
            return True
        self.rollback(mark)
        return False

    def _chain(self, booking: int, depth: int, width: int, moving: set[int]) -> bool:
        seat = self.first_free(booking)
        if seat != UNSEATED:
            self.place(booking, seat)
            return True
        if depth == 0:
            return False
        index = self.index
        locked = index.locked
        candidates: list[tuple[int, int, int, list[int]]] = []
        for rank, seat in enumerate(self.ranked[booking]):
            lifted = self.clashes(booking, seat)
            if len(lifted) > width or any(locked[x] or x in moving for x in lifted):
                continue
            # Fewest parties to lift first, then parties with many other places to go.
            spare = -sum(len(index.choices[x]) for x in lifted)
            candidates.append((len(lifted), spare + rank, seat, lifted))
        candidates.sort(key=lambda c: (c[0], c[1]))
        for _, _, seat, lifted in candidates:
            if self._tries <= 0:
                return False
            self._tries -= 1
            mark = self.mark()
            for other in lifted:
                self.unseat(other)
            self.place(booking, seat)
            now_moving = moving | set(lifted)
            if all(self._chain(other, depth - 1, width, now_moving) for other in lifted):
                return True
            self.rollback(mark)
        return False

    def trade_up(self, booking: int, *, tries: int = 200) -> int:
        """Seat ``booking`` by lifting parties with fewer covers, re-seating those that fit
        elsewhere. Returns the covers gained (0 when no trade helps; nothing changes then)."""
        index = self.index
        party = index.party
        sub = max(1, tries // 10)
        best_gain, best_seat = 0, UNSEATED
        for seat in index.choices[booking]:
            if tries <= 0:
                break
            lifted = self.clashes(booking, seat)
            if any(index.locked[x] for x in lifted):
                continue
            if sum(party[x] for x in lifted) < party[booking] + best_gain:
                tries -= 1
                mark = self.mark()
                gain = self._lift_and_seat(booking, seat, lifted, sub)
                self.rollback(mark)
                if gain > best_gain:
                    best_gain, best_seat = gain, seat
        if best_seat == UNSEATED:
            return 0
        mark = self.mark()
        gain = self._lift_and_seat(booking, best_seat, self.clashes(booking, best_seat), sub)
        if gain <= 0:
            self.rollback(mark)
            return 0
        return gain

    def _lift_and_seat(self, booking: int, seat: int, lifted: list[int], tries: int) -> int:
        party = self.index.party
        for other in lifted:
            self.unseat(other)
        self.place(booking, seat)
        gain = party[booking]
        for other in sorted(lifted, key=lambda x: (-party[x], x)):
            if not self.insert(other, depth=1, tries=tries):
                gain -= party[other]
        return gain


def construct(index: DayIndex, order: Iterable[int], *, tries: int = 60,
              ranked: Sequence[tuple[int, ...]] | None = None,
              doubtful: Collection[int] = (), doubtful_tries: int = 8) -> Seating:
    """Seat bookings one by one in ``order`` (locked ones first), each with a short chain;
    ``doubtful`` bookings (unlikely to fit anyway) get only ``doubtful_tries`` attempts."""
    seating = Seating(index, ranked)
    locked = [b for b in range(index.size) if index.locked[b]]
    for b in locked:
        seating.place(b, index.choices[b][0])
    for b in order:
        if not index.locked[b] and index.choices[b]:
            seating.insert(b, depth=2, tries=doubtful_tries if b in doubtful else tries)
    seating.commit()
    return seating


def improve(seating: Seating, rounds: int = 2, tries: int = 100) -> None:
    """Offer every unseated party, largest first, a chain and then a trade-up."""
    index = seating.index
    for _ in range(rounds):
        gained = 0
        waiting = sorted((b for b in range(index.size)
                          if seating.seat_of[b] == UNSEATED and index.choices[b]),
                         key=lambda b: (-index.party[b], index.end[b] - index.start[b], b))
        for b in waiting:
            if seating.seat_of[b] != UNSEATED:
                continue
            if seating.insert(b, depth=3, tries=tries):
                gained += index.party[b]
            else:
                gained += seating.trade_up(b, tries=tries)
        seating.commit()
        if gained == 0:
            break


def seat_all(index: DayIndex, assignment: Sequence[int]) -> Seating:
    """A :class:`Seating` holding a given option per booking (``UNSEATED`` allowed)."""
    seating = Seating(index)
    for b, seat in enumerate(assignment):
        if seat != UNSEATED:
            seating.place(b, seat)
    seating.commit()
    return seating
