"""The schema, as plain-SQL migrations in ``store/migrations/`` applied by yoyo-migrations.

Each migration is one ``NNNN.what-it-adds.sql`` file with a ``-- depends:`` line naming the
one before; yoyo records what it applied in its own tables and takes a lock, so two
processes migrating one database at once apply each migration once. Migrations are never
edited once released: a change to the schema is a new file.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from yoyo import get_backend, read_migrations

MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(url: str) -> list[str]:
    """Apply every migration not yet applied to the database at ``url``; return their ids."""
    backend = get_backend(_yoyo_url(url))
    try:
        migrations = read_migrations(str(MIGRATIONS))
        with backend.lock():
            pending = backend.to_apply(migrations)
            backend.apply_migrations(pending)
        return [m.id for m in pending]
    finally:
        backend.connection.close()


def pending(url: str) -> list[str]:
    """Ids of the migrations the database at ``url`` still lacks."""
    backend = get_backend(_yoyo_url(url))
    try:
        return [m.id for m in backend.to_apply(read_migrations(str(MIGRATIONS)))]
    finally:
        backend.connection.close()


def _yoyo_url(url: str) -> str:
    # yoyo picks its driver by scheme; ``postgresql+psycopg`` is its psycopg 3 backend.
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise ValueError(f"not a PostgreSQL URL: {parts.scheme}://...")
    return urlunsplit(parts._replace(scheme="postgresql+psycopg"))
