"""The composition root: the one place that picks concrete adapters and wires them.

Given :class:`~maitred.config.Settings`, it finds the database (``DATABASE_URL`` or the
embedded PostgreSQL), migrates it, opens the pool and builds the services the edges
(API, CLI, worker) use. Nothing else names a concrete adapter, so a test or another
deployment swaps one here and nowhere else.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from maitred.config import Settings
from maitred.services.idempotency import Idempotency
from maitred.store import schema, server
from maitred.store.db import Database


@dataclass(frozen=True, slots=True)
class Services:
    """What the edges call: the pool and the use cases built on it."""

    settings: Settings
    db: Database
    idempotency: Idempotency

    def close(self) -> None:
        self.db.close()


def build(settings: Settings, database_url: str) -> Services:
    """Open the pool on a migrated database and build the services over it."""
    db = Database(database_url, min_size=settings.pool_min_size,
                  max_size=settings.pool_max_size)
    return Services(settings=settings, db=db, idempotency=Idempotency(db))


@contextlib.contextmanager
def database(settings: Settings) -> Iterator[str]:
    """A migrated database for the block: ``DATABASE_URL``, or the embedded server."""
    with server.running(settings) as url:
        schema.migrate(url)
        yield url


@contextlib.contextmanager
def running(settings: Settings) -> Iterator[Services]:
    """Services over a migrated database, closed (and the embedded server stopped) after."""
    with database(settings) as url:
        services = build(settings, url)
        try:
            yield services
        finally:
            services.close()
