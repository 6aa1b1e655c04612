"""The per-restaurant event log: every change, numbered, in the transaction that made it.

Live screens, the availability cache and auditors read the same log. Because the event is
written in the transaction of the change (never after it), a listener that resumes from
its last sequence number sees every committed change once, in order.

Events are queued by :meth:`EventLog.append` and written by :meth:`EventLog.flush`, which
the unit of work sends in one round trip with its COMMIT. Numbering takes a lock on the
restaurant's counter row, which every writer of that restaurant needs; taking it last
means a transaction never holds the counter while it waits for a table another
transaction is allocating (that other transaction would then wait for the counter: a
deadlock), and sending it with the COMMIT means the counter is held for the commit
itself, not also while this process gets back to it (a busy server's thread can wait
milliseconds for the interpreter lock, and every other writer would wait behind it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from maitred.errors import NotFound
from maitred.store.queries import query
from maitred.store.records import Event


@dataclass(frozen=True, slots=True)
class _Pending:
    restaurant_id: int
    kind: str
    booking_id: int | None
    payload: dict[str, Any]
    actor: str | None


class EventLog:
    """Append and read one restaurant's events."""

    def __init__(
        self, conn: psycopg.Connection[Any], *, actor: str | None = None,
        correlation_id: str | None = None,
    ) -> None:
        self.conn = conn
        self.actor = actor
        self.correlation_id = correlation_id
        self._pending: list[_Pending] = []

    def append(
        self, restaurant_id: int, kind: str, payload: dict[str, Any] | None = None, *,
        booking_id: int | None = None, actor: str | None = None,
    ) -> None:
        """Queue ``kind`` (``booking.created``, ``hold.expired``...) for this transaction."""
        self._pending.append(
            _Pending(restaurant_id, kind, booking_id, payload or {}, actor or self.actor))

    def mark(self) -> int:
        """Where the queue stands now: give it to :meth:`forget_since` when a savepoint
        taken here rolls back."""
        return len(self._pending)

    def forget_since(self, mark: int) -> None:
        """Drop the events queued since ``mark``: the changes they tell were rolled back."""
        del self._pending[mark:]

    def flush(self) -> None:
        """Number and write the queued events: one statement per restaurant, no answer to
        wait for, so the unit of work can send it together with its COMMIT."""
        pending, self._pending = self._pending, []
        # Restaurants in id order: two transactions touching the same two restaurants
        # take their counters in the same order.
        for restaurant_id in sorted({p.restaurant_id for p in pending}):
            mine = [p for p in pending if p.restaurant_id == restaurant_id]
            self.conn.execute(query("events.append"), {
                "restaurant_id": restaurant_id, "kinds": [p.kind for p in mine],
                "booking_ids": [p.booking_id for p in mine],
                "payloads": [Jsonb(p.payload) for p in mine],
                "actors": [p.actor for p in mine], "correlation_id": self.correlation_id,
            })

    def since(self, restaurant_id: int, after_seq: int = 0, limit: int = 1000) -> list[Event]:
        """Events after ``after_seq``, oldest first (resume from a Last-Event-ID)."""
        self.flush()  # this transaction's own events are part of what it reads
        with self.conn.cursor(row_factory=class_row(Event)) as cur:
            cur.execute(query("events.since"), {
                "restaurant_id": restaurant_id, "after_seq": after_seq, "limit": limit,
            })
            return cur.fetchall()

    def last_seq(self, restaurant_id: int) -> int:
        """The sequence number of the restaurant's latest event (0 before any)."""
        self.flush()
        found = self.conn.execute(query("events.last_seq"),
                                  {"restaurant_id": restaurant_id}).fetchone()
        if found is None:
            raise NotFound("restaurant", restaurant_id)
        value: int = found[0]
        return value
