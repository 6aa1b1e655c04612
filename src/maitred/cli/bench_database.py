"""What the database benchmarks share: their level lists and the database they measure on."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import typer

from maitred.config import Settings
from maitred.store import schema
from maitred.store.server import EmbeddedServer


def levels(text: str, option: str, example: str) -> list[int]:
    """``"1,2,4"`` → ``[1, 2, 4]``; anything else is one line and exit status 2."""
    try:
        found = [int(n) for n in text.split(",") if n.strip()]
    except ValueError:
        typer.echo(f"error: {option} takes numbers such as {example}", err=True)
        raise typer.Exit(2) from None
    if not found or min(found) < 1:
        typer.echo(f"error: {option} needs at least one number >= 1", err=True)
        raise typer.Exit(2)
    return found


@contextlib.contextmanager
def measured() -> Iterator[tuple[str, str]]:
    """A migrated database URL and how to describe it in the report.

    DATABASE_URL when set (its data is added to), else a fresh durable embedded PostgreSQL
    in a temporary folder, removed afterwards.
    """
    url = Settings().database_url
    if url:
        schema.migrate(url)
        yield url, "DATABASE_URL"
        return
    with tempfile.TemporaryDirectory(prefix="maitred-bench-") as folder, \
            EmbeddedServer(Path(folder)) as server:
        schema.migrate(server.url)
        yield server.url, "embedded PostgreSQL (durable)"
