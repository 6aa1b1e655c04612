"""The migration chain builds the whole schema on an empty database."""

from __future__ import annotations

import psycopg
import pytest

from maitred.store import schema
from maitred.store.server import with_database

EXPECTED_TABLES = {
    "restaurants", "zones", "table_inventory", "table_adjacencies", "table_combinations",
    "table_combination_members", "service_periods", "turn_times", "guests", "bookings",
    "booking_state_history", "booking_assignment_attempts", "table_holds",
    "table_hold_members", "allocations", "booking_table_assignments",
    "booking_assignment_idempotency", "manual_assignment_sessions",
    "manual_assignment_session_history", "restaurant_event_counters", "restaurant_events",
    "payment_webhook_events", "staff_users", "restaurant_memberships", "api_tokens",
    "idempotency_keys",
}


def admin(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def test_whole_chain_applies_to_an_empty_database_and_creates_every_table(
    pg_server_url: str,
) -> None:
    name = "maitred_chain_check"
    admin(pg_server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")
    url = with_database(pg_server_url, name)
    try:
        applied = schema.migrate(url)
        assert applied == sorted(applied)
        assert len(applied) >= 3
        assert schema.pending(url) == []
        assert schema.migrate(url) == []  # a second run applies nothing
        with psycopg.connect(url) as conn:
            tables = {r[0] for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
            exclusion = conn.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conname = 'allocations_no_overlap'").fetchone()
        assert tables >= EXPECTED_TABLES
        assert exclusion is not None
        assert "EXCLUDE USING gist" in exclusion[0]
    finally:
        admin(pg_server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_each_test_gets_an_empty_migrated_database(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM restaurants").fetchone()
        pending = schema.pending(database_url)
    assert row == (0,)
    assert pending == []


def test_migrating_an_empty_database_prints_nothing(
    pg_server_url: str, capfd: pytest.CaptureFixture[str],
) -> None:
    # yoyo prints the rows any migration statement returns; `maitred serve` and `migrate`
    # on a fresh database must not show a newcomer a stray result table.
    name = "maitred_quiet_chain_check"
    admin(pg_server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")
    try:
        capfd.readouterr()
        assert schema.migrate(with_database(pg_server_url, name))
        printed = capfd.readouterr()
        assert printed.out == ""
    finally:
        admin(pg_server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
