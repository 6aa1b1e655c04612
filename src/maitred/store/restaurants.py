"""Restaurants: the tenant, its policy, its opening hours and its turn times.

The policy column holds only what a restaurant changed from the settings' defaults;
:data:`POLICY_KEYS` says which keys exist, what type each takes and the range a restaurant
may use, so a typo in a manager's form is refused by name instead of silently ignored (or
stored, as a 1500-minute buffer that keeps every table blocked all day).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from maitred.errors import InvalidInput, NotFound, StaleVersion
from maitred.store.events import EventLog
from maitred.store.queries import query
from maitred.store.records import Restaurant, ServicePeriod, TurnTime


@dataclass(frozen=True, slots=True)
class PolicySetting:
    """One policy key: the type it takes and, for numbers, the range a restaurant may use."""

    kind: type | tuple[type, ...]
    low: float | None = None
    high: float | None = None
    unit: str = ""

    def range_text(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"between {_number(self.low)} and {_number(self.high)}{unit}"


# Policy overrides a restaurant may set: type and range of each. The ranges are what a
# real floor could want, with room to spare; beyond them a value is a typo (a buffer of
# 1500 minutes for 15) that would quietly empty the floor or block tables for a day.
POLICY_KEYS: dict[str, PolicySetting] = {
    # Clearing and resetting a table: none at a counter, a few hours at the very most.
    "buffer_minutes": PolicySetting(int, 0, 240, "minutes"),
    # Long enough to talk a guest through the options, short enough not to hide tables.
    "hold_ttl_seconds": PolicySetting(int, 10, 3600, "seconds"),
    "merges_enabled": PolicySetting(bool),
    "derive_combinations": PolicySetting(bool),
    "require_adjacency": PolicySetting(bool),
    # The engine joins 2 to 4 tables (engine.policy.Policy refuses anything else).
    "max_tables_per_combination": PolicySetting(int, 2, 4, "tables"),
    # Chairs lost where two table ends touch: none for round-the-end seating, a few at most.
    "seats_lost_per_join": PolicySetting(int, 0, 4, "seats"),
    # The share by which a re-optimized day must beat the current one (0.1 = 10 %).
    "optimizer_threshold": PolicySetting((int, float), 0, 1),
    "auto_assignment_enabled": PolicySetting(bool),
    "combination_planner": PolicySetting(bool),
    "manual_assignment_session_enabled": PolicySetting(bool),
    # Tries before a booking goes to staff; more than ten only delays the host's call.
    "max_assignment_attempts": PolicySetting(int, 1, 10, "attempts"),
    # A manual session left PROPOSED this long (no hold, nobody touching it) is ended;
    # a minute is barely time to read the floor, past half a day the host has gone home.
    "session_idle_seconds": PolicySetting(int, 60, 43200, "seconds"),
    # Covers the kitchen takes per booking slot; to stop pacing, leave the key unset.
    "pacing_covers_per_slot": PolicySetting(int, 1, 1000, "covers"),
}

# Turn-time brackets: (largest party, minutes). A meal shorter than a quarter of an hour
# or longer than ten hours is a typo, not a service.
TURN_TIME_PARTY = PolicySetting(int, 1, 999, "guests")
TURN_TIME_MINUTES = PolicySetting(int, 15, 600, "minutes")


def validate_policy(policy: Mapping[str, Any]) -> dict[str, Any]:
    """The policy overrides, checked key by key: known key, right type, sensible range."""
    checked: dict[str, Any] = {}
    for key, value in policy.items():
        setting = POLICY_KEYS.get(key)
        if setting is None:
            raise InvalidInput(f"policy.{key}", "unknown policy setting")
        checked[key] = _checked(f"policy.{key}", setting, value)
    return checked


def _checked(field: str, setting: PolicySetting, value: Any) -> Any:
    # bool is an int in Python; a "true" buffer is a mistake, not one minute.
    if not isinstance(value, setting.kind) or (
            isinstance(value, bool) and setting.kind is not bool):
        raise InvalidInput(field, f"expected {_type_name(setting.kind)}")
    # Only numbers have a range. Written so that NaN (which Python's JSON reader accepts)
    # is out of range too.
    if (setting.low is not None and setting.high is not None
            and isinstance(value, int | float)
            and not setting.low <= value <= setting.high):
        raise InvalidInput(field, f"must be {setting.range_text()}, not {value}")
    return value


def validate_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("timezone", f"unknown IANA time zone {name!r}") from None
    return name


class RestaurantRepository:
    """Restaurants and what configures them."""

    def __init__(self, conn: psycopg.Connection[Any], events: EventLog) -> None:
        self.conn = conn
        self.events = events

    def create(
        self, name: str, *, timezone: str = "UTC", slot_minutes: int = 15,
        policy: Mapping[str, Any] | None = None,
    ) -> Restaurant:
        restaurant = self._one("restaurants.create", {
            "name": name, "timezone": validate_timezone(timezone), "slot_minutes": slot_minutes,
            "policy": Jsonb(validate_policy(policy or {})),
        })
        assert restaurant is not None
        self.events.append(restaurant.id, "restaurant.created", {"name": name})
        return restaurant

    def get(self, restaurant_id: int) -> Restaurant:
        restaurant = self._one("restaurants.get", {"id": restaurant_id})
        if restaurant is None:
            raise NotFound("restaurant", restaurant_id)
        return restaurant

    def list(self, ids: Sequence[int] | None = None) -> list[Restaurant]:
        """Every restaurant, or only ``ids`` (the ones a staff member belongs to)."""
        with self.conn.cursor(row_factory=class_row(Restaurant)) as cur:
            cur.execute(query("restaurants.list"), {"ids": None if ids is None else list(ids)})
            return cur.fetchall()

    def update(
        self, restaurant_id: int, *, name: str | None = None, timezone: str | None = None,
        slot_minutes: int | None = None,
    ) -> Restaurant:
        restaurant = self._one("restaurants.update", {
            "id": restaurant_id, "name": name, "slot_minutes": slot_minutes,
            "timezone": None if timezone is None else validate_timezone(timezone),
        })
        if restaurant is None:
            raise NotFound("restaurant", restaurant_id)
        self.events.append(restaurant_id, "restaurant.updated", {
            k: v for k, v in (("name", name), ("timezone", timezone),
                              ("slot_minutes", slot_minutes)) if v is not None})
        return restaurant

    def set_policy(
        self, restaurant_id: int, policy: Mapping[str, Any], *,
        expected_version: int | None = None,
    ) -> Restaurant:
        """Replace the policy overrides; with ``expected_version``, only if unchanged since."""
        checked = validate_policy(policy)
        restaurant = self._one("restaurants.set_policy", {
            "id": restaurant_id, "policy": Jsonb(checked), "expected_version": expected_version,
        })
        if restaurant is None:
            current = self.get(restaurant_id)  # raises NotFound when it is simply missing
            raise StaleVersion("policy", restaurant_id, expected_version or 0,
                               current.policy_version)
        self.events.append(restaurant_id, "policy.updated",
                           {"policy": checked, "policy_version": restaurant.policy_version})
        return restaurant

    def delete(self, restaurant_id: int) -> None:
        if self.conn.execute(query("restaurants.delete"), {"id": restaurant_id}).fetchone() is None:
            raise NotFound("restaurant", restaurant_id)

    # -- opening hours and turn times ---------------------------------------------------

    def service_periods(self, restaurant_id: int) -> builtins.list[ServicePeriod]:
        with self.conn.cursor(row_factory=class_row(ServicePeriod)) as cur:
            cur.execute(query("restaurants.service_periods"), {"restaurant_id": restaurant_id})
            return cur.fetchall()

    def add_service_period(
        self, restaurant_id: int, opens_at: time, closes_at: time, *,
        name: str = "service", day_of_week: int | None = None,
    ) -> ServicePeriod:
        with self.conn.cursor(row_factory=class_row(ServicePeriod)) as cur:
            cur.execute(query("restaurants.add_service_period"), {
                "restaurant_id": restaurant_id, "name": name, "day_of_week": day_of_week,
                "opens_at": opens_at, "closes_at": closes_at,
            })
            period = cur.fetchone()
        assert period is not None
        self.events.append(restaurant_id, "service_period.created", {"id": period.id})
        return period

    def delete_service_period(self, restaurant_id: int, period_id: int) -> None:
        params = {"restaurant_id": restaurant_id, "id": period_id}
        if self.conn.execute(query("restaurants.delete_service_period"), params).fetchone() is None:
            raise NotFound("service period", period_id)
        self.events.append(restaurant_id, "service_period.deleted", {"id": period_id})

    def turn_times(self, restaurant_id: int) -> builtins.list[TurnTime]:
        with self.conn.cursor(row_factory=class_row(TurnTime)) as cur:
            cur.execute(query("restaurants.turn_times"), {"restaurant_id": restaurant_id})
            return cur.fetchall()

    def set_turn_times(self, restaurant_id: int, turn_times: Sequence[tuple[int, int]]) -> None:
        """Replace the table of (largest party, minutes) brackets."""
        for i, (largest, minutes) in enumerate(turn_times):
            _checked(f"turn_times[{i}].max_party_size", TURN_TIME_PARTY, largest)
            _checked(f"turn_times[{i}].minutes", TURN_TIME_MINUTES, minutes)
        self.conn.execute(query("restaurants.clear_turn_times"), {"restaurant_id": restaurant_id})
        for largest, minutes in sorted(turn_times):
            self.conn.execute(query("restaurants.add_turn_time"), {
                "restaurant_id": restaurant_id, "max_party_size": largest, "minutes": minutes,
            })
        # Turn times are policy: a session validated against the old ones is stale.
        self.conn.execute(query("restaurants.bump_policy_version"), {"id": restaurant_id})
        self.events.append(restaurant_id, "turn_times.updated",
                           {"turn_times": sorted(turn_times)})

    def _one(self, name: str, params: dict[str, Any]) -> Restaurant | None:
        with self.conn.cursor(row_factory=class_row(Restaurant)) as cur:
            cur.execute(query(name), params)
            return cur.fetchone()


def _number(value: float | None) -> str:
    return f"{value:g}" if value is not None else "?"


def _type_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join("number" if k is float else k.__name__ for k in kinds)
