"""Covers booked per start time: the one figure of a day's bookings availability needs.

A whole booking record per booking costs most of an availability read on a busy day; the
kitchen's pacing needs only how many guests start when.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from maitred.store.db import Connection
from maitred.store.queries import query


def by_start(conn: Connection, restaurant_id: int, start_at: datetime, end_at: datetime,
             states: Sequence[str]) -> list[tuple[datetime, int]]:
    """(start time, covers) of the bookings in ``states`` starting in ``[start_at, end_at)``."""
    rows = conn.execute(query("availability.covers"), {
        "restaurant_id": restaurant_id, "start_at": start_at, "end_at": end_at,
        "states": list(states)}).fetchall()
    return [(row[0], int(row[1])) for row in rows]
