"""Who holds which table when: the busy windows of every table over one day.

A host asks two questions all evening: "is T4 free from 19:30 to 21:00?" and "when is T4
next free for a two-hour meal?". Both are answered per table from entries sorted by start
(``bisect``) plus a running maximum of their ends, so neither walks the whole day.

Entries of one table normally never overlap (the database forbids it for assignments and
holds), but a staff block may sit on top of a hold, and a day being re-planned may carry
both, so every query here stays correct when entries overlap.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from maitred.engine.booking import Window


class Kind(StrEnum):
    """Why a table is busy."""

    ASSIGNMENT = "assignment"  # the confirmed table(s) of a booking
    HOLD = "hold"  # a short-lived claim while a booking is being placed
    BLOCKED = "blocked"  # staff took the table out of service for a while


@dataclass(frozen=True, slots=True)
class Busy:
    """One table busy over one window.

    ``holder`` is the staff member or session holding a hold (or who blocked the table).
    ``locked`` marks an assignment the engine may not move (the booking's ``locked_tables``
    or a manual assignment), so the constraint engine can tell the host it is pinned.
    """

    table_id: str
    window: Window
    booking_id: str | None
    kind: Kind
    holder: str | None = None
    locked: bool = False


class _Lane:
    """One table's entries, sorted by start, with the running maximum of their ends."""

    __slots__ = ("entries", "max_end", "starts")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.entries: list[Busy] = []
        # max_end[i] = latest end among entries[0..i]: lets a query stop scanning backwards
        # as soon as nothing earlier can still reach into the window.
        self.max_end: list[int] = []

    def insert(self, busy: Busy) -> None:
        at = bisect_right(self.starts, busy.window.start)
        self.starts.insert(at, busy.window.start)
        self.entries.insert(at, busy)
        self.max_end.insert(at, 0)
        self._refresh(at)

    def drop(self, booking_id: str) -> None:
        self.keep([e for e in self.entries if e.booking_id != booking_id])

    def discard(self, busy: Busy) -> bool:
        if busy not in self.entries:
            return False
        kept = self.entries.copy()
        kept.remove(busy)
        self.keep(kept)
        return True

    def keep(self, kept: list[Busy]) -> None:
        self.entries = kept
        self.starts = [e.window.start for e in kept]
        self.max_end = [0] * len(kept)
        self._refresh(0)

    def _refresh(self, since: int) -> None:
        for i in range(since, len(self.entries)):
            end = self.entries[i].window.end
            self.max_end[i] = max(self.max_end[i - 1], end) if i > 0 else end

    def clone(self) -> _Lane:
        twin = _Lane()
        twin.starts = self.starts.copy()
        twin.entries = self.entries.copy()
        twin.max_end = self.max_end.copy()
        return twin


_EMPTY = _Lane()


class Timeline:
    """The busy windows of every table; mutable, ``copy()`` for what-if planning."""

    def __init__(self, entries: Iterable[Busy] = ()) -> None:
        self._lanes: dict[str, _Lane] = {}
        self._tables_of: dict[str, set[str]] = {}
        for busy in entries:
            self.add(busy)

    def copy(self) -> Timeline:
        twin = Timeline()
        twin._lanes = {t: lane.clone() for t, lane in self._lanes.items()}
        twin._tables_of = {b: set(ts) for b, ts in self._tables_of.items()}
        return twin

    # -- changes -----------------------------------------------------------------------

    def add(self, busy: Busy) -> None:
        self._lanes.setdefault(busy.table_id, _Lane()).insert(busy)
        if busy.booking_id is not None:
            self._tables_of.setdefault(busy.booking_id, set()).add(busy.table_id)

    def remove_booking(self, booking_id: str) -> None:
        """Forget every entry of the booking (its assignment and its holds)."""
        for table_id in self._tables_of.pop(booking_id, ()):
            self._lanes[table_id].drop(booking_id)

    def remove(self, busy: Busy) -> bool:
        """Forget one entry (a block lifted, a hold expired); ``False`` if it was not there."""
        lane = self._lanes.get(busy.table_id)
        if lane is None or not lane.discard(busy):
            return False
        if busy.booking_id is not None and all(
                e.booking_id != busy.booking_id for e in lane.entries):
            tables = self._tables_of.get(busy.booking_id, set())
            tables.discard(busy.table_id)
            if not tables:
                self._tables_of.pop(busy.booking_id, None)
        return True

    # -- questions ---------------------------------------------------------------------

    def entries(self, table_id: str) -> Sequence[Busy]:
        """The table's entries, earliest start first."""
        return tuple(self._lanes.get(table_id, _EMPTY).entries)

    def tables_of(self, booking_id: str) -> frozenset[str]:
        """The tables on which the booking currently has an entry."""
        return frozenset(self._tables_of.get(booking_id, ()))

    def is_free(self, table_id: str, window: Window, *, ignore_booking: str | None = None) -> bool:
        lane = self._lanes.get(table_id)
        if lane is None:
            return True
        i = bisect_left(lane.starts, window.end)  # entries[:i] start before the window ends
        if i == 0 or lane.max_end[i - 1] <= window.start:
            return True
        if ignore_booking is None:
            return False
        return not self._reaching(lane, i, window, ignore_booking)

    def conflicts(
        self, table_id: str, window: Window, *, ignore_booking: str | None = None
    ) -> list[Busy]:
        """Every entry on the table that overlaps the window, earliest start first."""
        lane = self._lanes.get(table_id)
        if lane is None:
            return []
        found = self._reaching(lane, bisect_left(lane.starts, window.end), window,
                               ignore_booking, first_only=False)
        found.reverse()
        return found

    def next_free(
        self, table_id: str, at: int, length: int, *, ignore_booking: str | None = None
    ) -> int:
        """The earliest start >= ``at`` from which the table is free for ``length`` minutes."""
        lane = self._lanes.get(table_id)
        if lane is None:
            return at
        start = at
        while True:
            latest = None  # the latest end among entries clashing with [start, start+length)
            j = bisect_left(lane.starts, start + length) - 1
            while j >= 0 and lane.max_end[j] > start:
                entry = lane.entries[j]
                end = entry.window.end
                if end > start and (ignore_booking is None or entry.booking_id != ignore_booking):
                    latest = end if latest is None or end > latest else latest
                j -= 1
            if latest is None:
                return start
            # Nothing can start before every clashing entry has ended.
            start = latest

    def gaps(
        self, table_id: str, window: Window, *, ignore_booking: str | None = None
    ) -> tuple[int | None, int | None]:
        """Idle minutes on the table just before and just after the window.

        ``None`` on a side with no entry at all (the table is open to the edge of the day).
        Meant for a window the table is free over; scoring reads it to spot snug fits and
        slivers too short to sell.
        """
        lane = self._lanes.get(table_id)
        if lane is None:
            return None, None
        before = after = None
        i = bisect_left(lane.starts, window.start)
        if ignore_booking is None:
            if i > 0:
                before = window.start - lane.max_end[i - 1]
            j = bisect_left(lane.starts, window.end, lo=i)
            if j < len(lane.starts):
                after = lane.starts[j] - window.end
            return before, after
        ends = [e.window.end for e in lane.entries[:i] if e.booking_id != ignore_booking]
        if ends:
            before = window.start - max(ends)
        for entry in lane.entries[i:]:
            if entry.booking_id != ignore_booking and entry.window.start >= window.end:
                after = entry.window.start - window.end
                break
        return before, after

    # -- internals ---------------------------------------------------------------------

    @staticmethod
    def _reaching(
        lane: _Lane, upto: int, window: Window, ignore_booking: str | None,
        *, first_only: bool = True,
    ) -> list[Busy]:
        """Entries among ``entries[:upto]`` ending after the window starts, latest first."""
        found: list[Busy] = []
        j = upto - 1
        while j >= 0 and lane.max_end[j] > window.start:
            entry = lane.entries[j]
            if entry.window.end > window.start and (
                ignore_booking is None or entry.booking_id != ignore_booking
            ):
                found.append(entry)
                if first_only:
                    break
            j -= 1
        return found
