"""True availability for a day: can a party of n be seated at each start time, and where.

The booking widget and the host's "what can I offer them?" screen ask this many times a
second; each answer is the engine's best plan for every start slot of the day's service
periods, over the restaurant's floor and that day's busy tables. Reading the day from the
database is the expensive part, so :class:`Tracker` keeps one read per restaurant and date
and reuses it while it is still true:

- the read records the restaurant's event sequence it reflects (read *before* the tables,
  so the day is at least that new), and the event feed's wake-up for any later sequence
  makes it stale at once;
- whatever the feed says, a read older than ``max_age_seconds`` (1 s) is never served: a
  lost wake-up or a hold lapsing on its own costs at most a second of truth;
- a wake-up starts the next read at once, on a background thread, for every day asked
  about in the last ``max_age_seconds``; a request that finds a read under way waits for
  it instead of starting another, so a stream of changes costs one read after another,
  not one per request, and the answers served stay young (``maitred bench staleness``
  measures how young; the figures are in docs/benchmarks.md).

Pending holds (a host is about to seat someone there) are counted when asked: a guest
widget may not show a table someone is holding, a manager may want to see past them.
Guest-facing pacing: with ``pacing_covers_per_slot`` in the policy, a slot whose booked
covers plus this party would exceed it is not offered, however many tables are free,
because the kitchen cannot send that many first courses at once.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time

from maitred.config import Settings
from maitred.engine import planner
from maitred.engine.booking import Booking as EngineBooking
from maitred.services import events, snapshot
from maitred.store import covers
from maitred.store.db import Database, UnitOfWork
from maitred.store.records import ServicePeriod

# Bookings whose covers the kitchen still has to cook (or has cooked) for pacing.
COOKING = ("pending", "assignment_pending", "assigned", "manual_review", "seated", "completed")
# Plans asked of the engine per slot: the best may sit on a table blocked for service.
TRIED = 5

log = logging.getLogger("maitred.availability")


@dataclass(frozen=True, slots=True)
class Slot:
    """One start time: whether the party can be seated then, and the best tables."""

    start_at: datetime
    time: str                       # the restaurant's wall clock, HH:MM
    period: str
    available: bool
    tables: tuple[str, ...]
    table_ids: tuple[int, ...]
    score: float | None
    covers: int                     # covers already booked to start in this slot
    reason: str | None              # why not, in words (None when available)


@dataclass(frozen=True, slots=True)
class Availability:
    restaurant_id: int
    day: date
    party_size: int
    include_holds: bool
    sequence: int                   # the restaurant's last event the day's read reflects
    age_seconds: float              # how old that read is now, as it is served
    pacing_covers_per_slot: int | None
    slots: tuple[Slot, ...]


@dataclass(slots=True)
class _Day:
    """One read of a restaurant's day, and the answers computed from it so far."""

    snap: snapshot.Snapshot
    periods: tuple[ServicePeriod, ...]
    cooking: _Covers                # covers of the cooking bookings, by start minute
    sequence: int
    read_at: float
    answers: _Answers


@dataclass(frozen=True, slots=True)
class _Covers:
    """Covers booked to start in any window of the day, in two binary searches."""

    minutes: tuple[int, ...]        # start minutes, ascending
    running: tuple[int, ...]        # covers starting before each of them (and in all)

    @classmethod
    def of(cls, starts: Sequence[tuple[int, int]]) -> _Covers:
        ordered = sorted(starts)
        return cls(tuple(m for m, _ in ordered),
                   (0, *itertools.accumulate(n for _, n in ordered)))

    def between(self, start: int, end: int) -> int:
        """Covers of the bookings starting in ``[start, end)``."""
        return (self.running[bisect.bisect_left(self.minutes, end)]
                - self.running[bisect.bisect_left(self.minutes, start)])


class _Answers:
    """The slots per (party size, holds counted) computed from one day's inputs.

    Computed one at a time: two requests for the same party at once would each spend the
    engine's time on the same answer, and the interpreter runs one of them at a time anyway.
    """

    __slots__ = ("_lock", "_slots")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[tuple[int, bool], tuple[Slot, ...]] = {}

    def get(self, read: _Day, party_size: int, include_holds: bool) -> tuple[Slot, ...]:
        key = (party_size, include_holds)
        found = self._slots.get(key)  # a computed answer never waits for another's
        if found is None:
            with self._lock:
                found = self._slots.get(key)
                if found is None:
                    found = self._slots[key] = _slots(read, party_size, include_holds)
        return found


@dataclass(slots=True)
class _Flight:
    """A read of one day under way: whoever asks meanwhile waits for it, not reads again."""

    done: threading.Event = dataclasses.field(default_factory=threading.Event)
    day: _Day | None = None


Uow = Callable[[], AbstractContextManager[UnitOfWork]]


class Tracker:
    """Availability per restaurant and date, from reads at most ``max_age_seconds`` old."""

    def __init__(self, settings: Settings, feed: events.Feed, *,
                 max_age_seconds: float = 1.0) -> None:
        self.settings = settings
        self.feed = feed
        self.max_age_seconds = max_age_seconds
        self._lock = threading.Lock()
        self._days: dict[tuple[int, date], _Day] = {}
        self._flights: dict[tuple[int, date], _Flight] = {}
        self._latest: dict[int, int] = {}        # newest sequence the feed announced
        self._reset: dict[int, float] = {}       # when the feed lost track (reconnected)
        self._watched: set[int] = set()
        self._asked: dict[tuple[int, date], float] = {}  # when each day was last asked
        self._due: set[int] = set()              # restaurants changed since the last refresh
        self._changed = threading.Event()
        self._refresher: threading.Thread | None = None
        self.reads = 0                           # reads of the database

    def availability(self, uow: Uow, restaurant_id: int, day: date, party_size: int, *,
                     include_holds: bool = True) -> Availability:
        self._watch(restaurant_id)
        with self._lock:
            self._asked[(restaurant_id, day)] = time.monotonic()
        read = self._day(uow, restaurant_id, day)
        slots = read.answers.get(read, party_size, include_holds)
        return Availability(
            restaurant_id, day, party_size, include_holds, read.sequence,
            time.monotonic() - read.read_at, _pacing(read.snap), slots)

    def _day(self, uow: Uow, restaurant_id: int, day: date) -> _Day:
        """The day's read: the kept one while fresh, else the one under way, else a new one.

        Joining a read under way (it started at most one read's duration ago) rather than
        starting another: under a steady stream of writes every request would otherwise
        read the database and compute again, each slower for the others doing the same, so
        the answers served would be *older*, not newer.
        """
        key = (restaurant_id, day)
        with self._lock:
            read = self._days.get(key)
            if read is not None and self._fresh(restaurant_id, read):
                return read
            flight = self._flights.get(key)
            mine = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if not mine:
            flight.done.wait()
            if flight.day is not None:
                return flight.day
            # The read failed for its owner (who reports it); try on our own account.
            return self._read(uow, restaurant_id, day)
        try:
            read = self._read(uow, restaurant_id, day)
            with self._lock:
                previous = self._days.get(key)
            if previous is not None and _same_day(previous, read):
                # The change was elsewhere (another day, nothing an answer depends on):
                # every answer computed so far still holds, now for the newer sequence.
                read.answers = previous.answers
            flight.day = read
            with self._lock:
                # A read past its maximum age is never served again: drop those, so the
                # cache holds only the days being asked about this second.
                now = time.monotonic()
                for old in [k for k, d in self._days.items()
                            if now - d.read_at > self.max_age_seconds]:
                    del self._days[old]
                self._days[key] = read
            return read
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()

    @property
    def cached_days(self) -> int:
        """How many (restaurant, date) reads are kept (only ones young enough to serve)."""
        with self._lock:
            return len(self._days)

    def _fresh(self, restaurant_id: int, read: _Day) -> bool:
        return (time.monotonic() - read.read_at <= self.max_age_seconds
                and self._latest.get(restaurant_id, 0) <= read.sequence
                and self._reset.get(restaurant_id, float("-inf")) < read.read_at)

    def _read(self, uow: Uow, restaurant_id: int, day: date) -> _Day:
        read_at = time.monotonic()  # before the read: the age errs on the old side
        with uow() as tx:
            # The sequence first: the day read after it is at least that new, so any
            # later event is one it may lack, and makes it stale.
            sequence = tx.events.last_seq(restaurant_id)
            snap = snapshot.load(tx, self.settings, restaurant_id, day)
            periods = tuple(tx.restaurants.service_periods(restaurant_id))
            booked = covers.by_start(tx.conn, restaurant_id, snap.origin,
                                     snap.origin + timedelta(days=1), COOKING)
        with self._lock:
            self.reads += 1
        cooking = _Covers.of([(snap.minutes(at), n) for at, n in booked])
        return _Day(snap, periods, cooking, sequence, read_at, _Answers())

    def _refresh(self) -> None:
        """Read again, as soon as the feed says so, every day asked about lately.

        The next request then finds the read done or under way instead of starting it:
        the answers it serves are younger by the time between the change and that request.
        Only the read: the answers per party size are computed when asked. One read at a
        time per day, so a stream of changes costs one read after another, not one each.
        Ends within a second of the database's pool closing.
        """
        while not self.feed.db.pool.closed:
            if not self._changed.wait(events.POLL_SECONDS):
                continue
            self._changed.clear()
            with self._lock:
                due, self._due = self._due, set()
                now = time.monotonic()
                for old in [k for k, at in self._asked.items()
                            if now - at > self.max_age_seconds]:
                    del self._asked[old]
                days = [k for k in self._asked if k[0] in due]
            for restaurant_id, day in days:
                try:
                    self._day(functools.partial(self.feed.db.uow, restaurants=[restaurant_id]),
                              restaurant_id, day)
                except Exception:
                    # Kept alive whatever went wrong: the next request reads for itself
                    # (and reports the error to its caller).
                    log.exception("availability refresh of restaurant %s failed",
                                  restaurant_id)

    def _watch(self, restaurant_id: int) -> None:
        with self._lock:
            if restaurant_id not in self._watched:
                # Subscribed before anyone can read under this lock's say-so: a read that
                # saw the restaurant watched misses no wake-up after it.
                self._watched.add(restaurant_id)
                self.feed.subscribe(restaurant_id, functools.partial(self._woken, restaurant_id))
                if self._refresher is None:
                    self._refresher = threading.Thread(
                        target=self._refresh, daemon=True,
                        name=f"maitred-availability-{id(self):x}")
                    self._refresher.start()
        if self.feed.connections == 0:
            # A read made before the listener first connects would be dropped by that
            # connection's wake-up; every early caller waits (briefly: the maximum age
            # bounds staleness anyway), not only the first.
            self.feed.wait_connected(self.max_age_seconds)

    def _woken(self, restaurant_id: int, seq: int) -> None:
        with self._lock:
            if seq == 0:
                self._reset[restaurant_id] = time.monotonic()
            else:
                self._latest[restaurant_id] = max(self._latest.get(restaurant_id, 0), seq)
            self._due.add(restaurant_id)
        self._changed.set()


def _same_day(old: _Day, new: _Day) -> bool:
    """Whether two reads of a day hold the same inputs to every answer."""
    return (old.snap.busy == new.snap.busy and old.cooking == new.cooking
            and old.periods == new.periods and old.snap.view == new.snap.view)


def periods_of(snap: snapshot.Snapshot, periods: Sequence[ServicePeriod],
               ) -> list[tuple[str, int, int]]:
    """The day's service periods as (name, opening minute, closing minute); a period
    closing at or before it opens runs past midnight."""
    found = []
    for p in periods:
        if p.day_of_week is not None and p.day_of_week != snap.day.weekday():
            continue
        opens = snap.minutes(_local(snap, snap.day, p.opens_at))
        closing_day = snap.day + timedelta(days=1) if p.closes_at <= p.opens_at else snap.day
        found.append((p.name, opens, snap.minutes(_local(snap, closing_day, p.closes_at))))
    return sorted(found, key=lambda f: f[1])


def _local(snap: snapshot.Snapshot, day: date, at: clock_time) -> datetime:
    return datetime.combine(day, at, tzinfo=snap.zone)


def _pacing(snap: snapshot.Snapshot) -> int | None:
    cap = snap.view.restaurant.policy.get("pacing_covers_per_slot")
    return int(cap) if cap is not None else None


def _slots(read: _Day, party_size: int, include_holds: bool) -> tuple[Slot, ...]:
    snap = read.snap
    if not include_holds:
        snap = dataclasses.replace(snap, busy=tuple(r for r in snap.busy if r.kind != "hold"))
    view = snap.view
    periods = periods_of(snap, read.periods)
    # The engine itself refuses a meal that would run past closing, with the reason.
    policy = dataclasses.replace(view.policy,
                                 service_periods=tuple((o, c) for _, o, c in periods))
    timeline = snap.timeline()
    duration = policy.turn_time(party_size)
    step = max(1, view.restaurant.slot_minutes)
    cap = _pacing(snap)
    # Alternatives (each explained, which costs) matter only when the best may be blocked.
    tried = TRIED if view.blocked else 0
    slots = []
    for name, opens, closes in periods:
        for start in range(opens, closes, step):
            covers = read.cooking.between(start, start + step)
            asked = EngineBooking("availability", party_size, start, duration)
            quote = planner.quote(asked, view.floor, timeline, policy, limit=tried,
                                  clock=snap.clock)
            plans = [p for p in ([quote.best] if quote.best else []) + list(quote.alternatives)
                     if not set(p.tables) & view.blocked]
            reason = quote.reason or (None if plans else "every fitting table is blocked")
            if plans and cap is not None and covers + party_size > cap:
                reason = (f"the kitchen paces {cap} covers per slot and {covers} are booked "
                          f"at {snap.clock(start)}")
            best = plans[0] if plans else None
            slots.append(Slot(
                snap.at(start), snap.clock(start), name, reason is None and best is not None,
                best.tables if best else (),
                tuple(view.table_ids[t] for t in best.tables) if best else (),
                best.score.total if best else None, covers, reason))
    return tuple(slots)


# By the database object's id; an entry whose pool has closed is dropped (it holds
# that database, so the id cannot be reused while the entry lives).
_trackers: dict[int, Tracker] = {}
_trackers_lock = threading.Lock()


def tracker_of(db: Database, settings: Settings) -> Tracker:
    """The database's one tracker (made on first use), fed by its event feed."""
    with _trackers_lock:
        for key in [k for k, t in _trackers.items() if t.feed.db.pool.closed]:
            del _trackers[key]
        tracker = _trackers.get(id(db))
        if tracker is None:
            tracker = _trackers[id(db)] = Tracker(settings, events.feed_of(db))
        return tracker
