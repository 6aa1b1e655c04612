"""What the store hands back: one frozen dataclass per kind of row, fields named as columns.

These are the platform's records (database ids, timestamps), not the engine's values: the
engine speaks table labels and minutes from the day's origin, and services translate
between the two. Each record's fields match the columns its queries select, so rows map
with psycopg's ``class_row`` and nothing is renamed by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any


@dataclass(frozen=True, slots=True)
class Restaurant:
    id: int
    name: str
    timezone: str
    slot_minutes: int
    policy: dict[str, Any]           # overrides of the settings' defaults
    policy_version: int
    tables_version: int
    adjacency_version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Zone:
    id: int
    restaurant_id: int
    code: str
    name: str
    position: int


@dataclass(frozen=True, slots=True)
class Table:
    id: int
    restaurant_id: int
    zone_id: int
    label: str
    min_party: int
    max_party: int
    tags: list[str]
    pos_x: float
    pos_y: float
    width: float
    height: float
    shape: str
    active: bool
    blocked: bool
    version: int


@dataclass(frozen=True, slots=True)
class Combination:
    id: int
    restaurant_id: int
    code: str
    min_party: int
    max_party: int
    active: bool
    table_ids: list[int]             # sorted


@dataclass(frozen=True, slots=True)
class ServicePeriod:
    id: int
    restaurant_id: int
    name: str
    day_of_week: int | None          # 0 = Monday; None = every day
    opens_at: time
    closes_at: time                  # <= opens_at: runs past midnight


@dataclass(frozen=True, slots=True)
class TurnTime:
    max_party_size: int
    minutes: int


@dataclass(frozen=True, slots=True)
class Guest:
    id: int
    restaurant_id: int
    name: str
    phone: str | None
    email: str | None
    notes: str


@dataclass(frozen=True, slots=True)
class Booking:
    id: int
    restaurant_id: int
    guest_id: int | None
    reference: str | None
    party_size: int
    start_at: datetime
    end_at: datetime
    duration_minutes: int
    state: str
    status: str
    version: int
    source: str
    zone_preference_id: int | None
    tags_preference: list[str]
    notes: str
    locked: bool
    assignment_attempts: int
    assigned_at: datetime | None
    assignment_strategy: str | None
    created_seq: int
    created_by: int | None
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: int
    booking_id: int
    from_state: str | None
    to_state: str
    version: int
    actor: str
    reason: str
    metadata: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Event:
    restaurant_id: int
    seq: int
    kind: str
    booking_id: int | None
    payload: dict[str, Any]
    actor: str | None
    correlation_id: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Hold:
    id: int
    restaurant_id: int
    booking_id: int
    session_id: int | None
    source: str
    status: str
    start_at: datetime
    end_at: datetime                 # window end, buffer included
    expires_at: datetime
    last_touched_at: datetime
    created_by: int | None
    table_ids: list[int]


@dataclass(frozen=True, slots=True)
class Allocation:
    """One table kept for one window, by a hold or an assignment."""

    id: int
    restaurant_id: int
    table_id: int
    booking_id: int
    kind: str                        # 'hold' or 'assignment'
    hold_id: int | None
    start_at: datetime
    end_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class Assignment:
    booking_id: int
    table_id: int
    source: str
    assigned_by: int | None
    created_at: datetime
