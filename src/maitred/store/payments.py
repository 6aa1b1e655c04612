"""Payment provider events already processed, so a redelivered webhook does nothing twice."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from maitred.store.queries import query


class PaymentEventRepository:
    """``payment_webhook_events``, keyed by the provider's event id."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def record(self, event_id: str, restaurant_id: int, payload: dict[str, Any]) -> bool:
        """Record the event; False when it was already recorded (a redelivery)."""
        row = self.conn.execute(query("payments.record_event"), {
            "event_id": event_id, "restaurant_id": restaurant_id, "payload": Jsonb(payload),
        }).fetchone()
        return row is not None

    def booking_of(self, event_id: str) -> tuple[int, int | None] | None:
        """(restaurant, booking) of a recorded event, or None if never seen."""
        row = self.conn.execute(query("payments.get_event"), {"event_id": event_id}).fetchone()
        return None if row is None else (row[0], row[1])

    def attach(self, event_id: str, booking_id: int) -> None:
        self.conn.execute(query("payments.attach_booking"),
                          {"event_id": event_id, "booking_id": booking_id})
