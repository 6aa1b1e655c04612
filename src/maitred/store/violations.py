"""Database refusals turned into domain errors, by constraint name.

The database is the last guard of every rule that matters (no overlapping allocations,
one active session per booking and staff member, unique labels...). When it refuses a
write, the caller should hear it in the restaurant's words: which table, which field,
which booking, not an SQLSTATE.
"""

from __future__ import annotations

import re

import psycopg
from psycopg import errors as pg

from maitred import errors

# Unique constraints: (entity, field) a client can correct.
UNIQUE = {
    "zones_code_unique": ("zone", "code"),
    "table_inventory_label_unique": ("table", "label"),
    "table_combinations_code_unique": ("combination", "code"),
    "table_adjacencies_pkey": ("adjacency", "tables"),
    "table_combination_members_pkey": ("combination member", "table_id"),
    "bookings_reference_unique": ("booking", "reference"),
    "staff_users_email_key": ("staff user", "email"),
    "restaurant_memberships_pkey": ("membership", "staff_id"),
    "turn_times_pkey": ("turn time", "max_party_size"),
    "booking_table_assignments_unique": ("assignment", "table_id"),
    "manual_assignment_sessions_one_active": ("active session", "booking_id"),
    "payment_webhook_events_pkey": ("payment event", "event_id"),
    "booking_assignment_attempts_unique": ("assignment attempt", "attempt_number"),
}

# Check constraints: the field a client got wrong.
CHECK = {
    "table_inventory_party_range": "min_party",
    "table_combinations_party_range": "min_party",
    "table_adjacencies_canonical": "table_ids",
    "bookings_party_size": "party_size",
    "bookings_window": "end_at",
    "bookings_state": "state",
    "bookings_status": "status",
    "bookings_source": "source",
    "service_periods_not_empty": "closes_at",
    "manual_assignment_sessions_state": "state",
    "table_holds_status": "status",
    "allocations_during_not_empty": "during",
}

_KEY_COLUMNS = re.compile(r"Key \(([^)]*)\)=")
_TABLE_ID = re.compile(r"int8range\(table_id, table_id.*?\)=\(\[(\d+),")


def translate(exc: psycopg.Error) -> errors.MaitredError | None:
    """The domain error for a database refusal, or None when it is not one we know."""
    name = exc.diag.constraint_name or ""
    detail = exc.diag.message_detail or ""
    if isinstance(exc, pg.ExclusionViolation):
        # Repositories that allocate look up the other booking themselves (inside a
        # savepoint); this is the fallback when a write elsewhere trips the constraint.
        match = _TABLE_ID.search(detail)
        return errors.TableUnavailable(int(match.group(1)) if match else 0, None, None)
    if isinstance(exc, pg.UniqueViolation):
        entity, field = UNIQUE.get(name, (exc.diag.table_name or "record", _key_field(detail)))
        return errors.AlreadyExists(entity, field)
    if isinstance(exc, pg.ForeignKeyViolation):
        if "is still referenced" in detail:
            used = _deleted_table(exc)
            return errors.InUse(used, f"this {used} is still used by "
                                f"{exc.diag.table_name or 'other records'}; remove those first")
        field = _key_field(detail)
        return errors.InvalidInput(field, "no such record in this restaurant")
    if isinstance(exc, pg.CheckViolation):
        return errors.InvalidInput(CHECK.get(name, name or "value"), "value out of range")
    if isinstance(exc, pg.NotNullViolation):
        return errors.InvalidInput(exc.diag.column_name or "value", "is required")
    if isinstance(exc, pg.InvalidDatetimeFormat | pg.InvalidParameterValue):
        return errors.InvalidInput("value", exc.diag.message_primary or "invalid value")
    if isinstance(exc, pg.InsufficientPrivilege) and "row-level security" in str(exc):
        # Writing another restaurant's rows: to this caller, that restaurant is not there.
        return errors.NotFound("restaurant", None, "no such restaurant among yours")
    if isinstance(exc, pg.SerializationFailure | pg.DeadlockDetected | pg.LockNotAvailable):
        return errors.Conflict("a concurrent change got there first; try again")
    return None


def _key_field(detail: str) -> str:
    match = _KEY_COLUMNS.search(detail)
    if not match:
        return "value"
    columns = [c.strip() for c in match.group(1).split(",")]
    # The restaurant is never what the client got wrong: name the column after it.
    return next((c for c in reversed(columns) if c != "restaurant_id"), columns[-1])


# The tables a client knows by another name.
ENTITY = {"table_inventory": "table", "zones": "zone", "bookings": "booking",
          "guests": "guest", "table_combinations": "combination", "restaurants": "restaurant"}


def _deleted_table(exc: psycopg.Error) -> str:
    match = re.search(r'on table "([^"]+)"', exc.diag.message_primary or "")
    name = match.group(1) if match else "record"
    return ENTITY.get(name, name)
