"""The per-restaurant event log: every change, numbered, in the transaction that made it.

Live screens, the availability cache and auditors read the same log. Because the event is
written in the transaction of the change (never after it), a listener that resumes from
its last sequence number sees every committed change once, in order.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from maitred.errors import NotFound
from maitred.store.queries import query
from maitred.store.records import Event


class EventLog:
    """Append and read one restaurant's events."""

    def __init__(
        self, conn: psycopg.Connection[Any], *, actor: str | None = None,
        correlation_id: str | None = None,
    ) -> None:
        self.conn = conn
        self.actor = actor
        self.correlation_id = correlation_id

    def append(
        self, restaurant_id: int, kind: str, payload: dict[str, Any] | None = None, *,
        booking_id: int | None = None, actor: str | None = None,
    ) -> Event:
        """Write ``kind`` (``booking.created``, ``hold.expired``...) as the next event."""
        with self.conn.cursor(row_factory=class_row(Event)) as cur:
            cur.execute(query("events.append"), {
                "restaurant_id": restaurant_id, "kind": kind, "booking_id": booking_id,
                "payload": Jsonb(payload or {}), "actor": actor or self.actor,
                "correlation_id": self.correlation_id,
            })
            event = cur.fetchone()
        if event is None:
            raise NotFound("restaurant", restaurant_id)
        return event

    def since(self, restaurant_id: int, after_seq: int = 0, limit: int = 1000) -> list[Event]:
        """Events after ``after_seq``, oldest first (resume from a Last-Event-ID)."""
        with self.conn.cursor(row_factory=class_row(Event)) as cur:
            cur.execute(query("events.since"), {
                "restaurant_id": restaurant_id, "after_seq": after_seq, "limit": limit,
            })
            return cur.fetchall()

    def last_seq(self, restaurant_id: int) -> int:
        """The sequence number of the restaurant's latest event (0 before any)."""
        row = self.conn.execute(query("events.last_seq"), {"restaurant_id": restaurant_id})
        found = row.fetchone()
        if found is None:
            raise NotFound("restaurant", restaurant_id)
        value: int = found[0]
        return value
