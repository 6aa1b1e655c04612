"""The live event feed: every committed change of a restaurant, in order, to whoever watches.

A host's tablet, the pass screen and the availability cache all need to know the moment a
booking, hold or table changes. The truth is the per-restaurant event log
(``restaurant_events``: gapless ``seq`` per restaurant, written in the transaction of the
change); PostgreSQL's ``NOTIFY maitred_events, 'restaurant:seq'`` is only a wake-up saying
"read the log again". So a watcher never depends on a notification arriving: it reads the
table after its last ``seq``, and a notification merely shortens the wait.

- :class:`Feed` holds one dedicated ``LISTEN`` connection per database (not a pool
  connection: it never returns) on a daemon thread, and calls the in-process subscribers
  of the restaurant a notification names. When that connection drops it is opened again,
  and every subscriber is woken, so each re-reads the table and fills the gap.
- :func:`watch` is one watcher's loop (the SSE route's): events after ``after`` from the
  table, then wait for a wake-up or a keep-alive tick, re-reading the table either way.

The thread ends by itself within a second of the database's pool closing.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import psycopg

from maitred.store.db import Database
from maitred.store.records import Event

CHANNEL = "maitred_events"
# How many events one read takes from the log; a client far behind catches up in pages.
PAGE = 500
# How long the listener blocks for notifications before checking whether to stop.
POLL_SECONDS = 1.0

Wake = Callable[[int], None]


class Feed:
    """One database's wake-up line: LISTEN on a thread, callbacks per restaurant."""

    def __init__(self, db: Database, *, reconnect_seconds: float = 0.2) -> None:
        self.db = db
        self.reconnect_seconds = reconnect_seconds
        self._lock = threading.Lock()
        self._subscribers: dict[int, set[Wake]] = {}
        self._thread: threading.Thread | None = None
        self._connected = threading.Event()
        self.backend_pid: int | None = None   # the listening session, for operators (and tests)
        self.connections = 0                  # how many times the listener has connected

    def subscribe(self, restaurant_id: int, wake: Wake) -> Callable[[], None]:
        """Call ``wake(seq)`` (from the listener's thread) when the restaurant may have new
        events; ``seq`` is 0 when it is unknown (after a reconnect). Returns the unsubscribe.
        """
        with self._lock:
            self._subscribers.setdefault(restaurant_id, set()).add(wake)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._listen, daemon=True,
                                                name=f"maitred-feed-{id(self.db):x}")
                self._thread.start()

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers.get(restaurant_id, set()).discard(wake)

        return unsubscribe

    def watchers(self, restaurant_id: int) -> int:
        """How many in-process subscribers the restaurant has (a closed screen leaves)."""
        with self._lock:
            return len(self._subscribers.get(restaurant_id, ()))

    def wait_connected(self, timeout: float) -> bool:
        """Whether the listener is connected (waiting up to ``timeout`` seconds)."""
        return self._connected.wait(timeout)

    def _listen(self) -> None:
        while not self.db.pool.closed:
            try:
                with psycopg.connect(self.db.url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.backend_pid = conn.info.backend_pid
                    # Whatever committed while nobody listened is in the table: everyone
                    # re-reads it now. Before saying "connected" (and counting the
                    # connection), so a subscriber that waited for that reads after this
                    # wake-up, not before it.
                    self._wake_all()
                    self._connected.set()
                    self.connections += 1
                    while not self.db.pool.closed:
                        for note in conn.notifies(timeout=POLL_SECONDS):
                            self._notified(note.payload)
            except psycopg.Error:
                self._connected.clear()
                self.backend_pid = None
                time.sleep(self.reconnect_seconds)
        self._connected.clear()

    def _notified(self, payload: str) -> None:
        restaurant, _, seq = payload.partition(":")
        if not (restaurant.isdigit() and seq.isdigit()):
            return  # not ours: the channel carries only 'restaurant:seq'
        with self._lock:
            wakes = list(self._subscribers.get(int(restaurant), ()))
        for wake in wakes:
            wake(int(seq))

    def _wake_all(self) -> None:
        with self._lock:
            wakes = [w for ws in self._subscribers.values() for w in ws]
        for wake in wakes:
            wake(0)


# By the database object's id; an entry whose pool has closed is dropped (it holds
# that database, so the id cannot be reused while the entry lives).
_feeds: dict[int, Feed] = {}
_feeds_lock = threading.Lock()


def feed_of(db: Database) -> Feed:
    """The database's one feed (made on first use): all watchers share its connection."""
    with _feeds_lock:
        for key in [k for k, f in _feeds.items() if f.db.pool.closed]:
            del _feeds[key]
        feed = _feeds.get(id(db))
        if feed is None:
            feed = _feeds[id(db)] = Feed(db)
        return feed


async def watch(
    feed: Feed, restaurant_id: int, after: int,
    read: Callable[[int, int], Awaitable[list[Event]]], *, ping_seconds: float = 15.0,
) -> AsyncIterator[Event | None]:
    """Every event of the restaurant after ``after``, in order, forever; ``None`` is a
    keep-alive tick (nothing new for ``ping_seconds``).

    ``read(after, limit)`` reads the log (in the watcher's own scoped transaction). The
    table is read again after every wake-up and every tick, so a lost notification delays
    an event by at most ``ping_seconds``, and it never skips or repeats one: the position
    is the last ``seq`` sent, not anything a notification said.
    """
    loop = asyncio.get_running_loop()
    woken = asyncio.Event()

    def wake(seq: int) -> None:
        if seq == 0 or seq > last:
            loop.call_soon_threadsafe(woken.set)

    last = after
    unsubscribe = feed.subscribe(restaurant_id, wake)
    try:
        while not feed.db.pool.closed:
            woken.clear()  # before reading: a wake-up during the read is not lost
            events = await read(last, PAGE)
            for event in events:
                yield event
                last = event.seq
            if len(events) == PAGE:
                continue  # far behind: the next page at once
            try:
                await asyncio.wait_for(woken.wait(), timeout=ping_seconds)
            except TimeoutError:
                yield None
    finally:
        unsubscribe()


def as_message(event: Event) -> dict[str, Any]:
    """An event as a screen reads it (camelCase, like the rest of the API)."""
    return {
        "restaurantId": event.restaurant_id, "seq": event.seq, "kind": event.kind,
        "bookingId": event.booking_id, "payload": event.payload, "actor": event.actor,
        "correlationId": event.correlation_id, "createdAt": event.created_at.isoformat(),
    }
