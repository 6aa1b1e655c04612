"""Commands that look after the database: migrate it, load a floor file, write one out.

Each command finds the database the same way ``serve`` does (``DATABASE_URL``, else the
embedded server in ``--data-dir``), does one thing in one transaction, and prints one
line. A bad file or argument is one clear line and exit status 2.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from maitred.cli import app
from maitred.config import Settings
from maitred.errors import MaitredError
from maitred.services import coordinator_queue, floors
from maitred.store import schema, server
from maitred.store.db import Database

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Folder of the embedded PostgreSQL (default: per-user "
                 "data folder). Ignored when DATABASE_URL is set."),
]


def _settings(data_dir: Path | None) -> Settings:
    settings = Settings()
    return settings.model_copy(update={"data_dir": data_dir}) if data_dir else settings


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@app.command()
def migrate(data_dir: DataDir = None) -> None:
    """Bring the database to the current schema (run automatically by serve)."""
    try:
        with server.running(_settings(data_dir)) as url:
            applied = schema.migrate(url)
    except MaitredError as exc:
        raise _fail(exc.detail) from None
    typer.echo(f"applied {len(applied)} migration(s)" + (f": {', '.join(applied)}"
                                                          if applied else "; schema up to date"))


@app.command("import")
def import_floor(
    file: Annotated[Path, typer.Argument(help="Instance file in the shared bench format.")],
    restaurant_name: Annotated[
        str | None, typer.Option("--restaurant-name", help="Name instead of the file's.")
    ] = None,
    shift_to: Annotated[
        str | None, typer.Option("--date", help="Move the day to this date (YYYY-MM-DD).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Create a restaurant from a floor file: zones, tables, adjacency, combinations, bookings."""
    doc = _read_json(file)
    day = _date(shift_to) if shift_to else None
    settings = _settings(data_dir)
    try:
        with server.running(settings) as url:
            schema.migrate(url)
            with Database(url, min_size=1, max_size=1) as db, db.uow(actor="cli") as tx:
                # Bookings needing a table get their job with them: a worker seats them.
                restaurant_id = floors.import_instance(
                    tx, doc, name=restaurant_name, shift_to_date=day, settings=settings,
                    enqueue_assignment=coordinator_queue.enqueue)
    except MaitredError as exc:
        raise _fail(exc.detail) from None
    typer.echo(f"imported {file.name} as restaurant {restaurant_id} "
               f"({len(doc.get('bookings', []))} bookings)")


@app.command()
def export(
    restaurant_id: Annotated[int, typer.Argument(help="Restaurant to export.")],
    day: Annotated[str, typer.Option("--date", help="Day to export (YYYY-MM-DD).")],
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    data_dir: DataDir = None,
) -> None:
    """Write one day of a restaurant (floor and bookings) in the shared bench format."""
    settings = _settings(data_dir)
    try:
        with server.running(settings) as url, Database(url, min_size=1, max_size=1) as db, \
                db.uow() as tx:
            doc = floors.export_instance(tx, settings, restaurant_id, _date(day))
    except MaitredError as exc:
        raise _fail(exc.detail) from None
    out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    typer.echo(f"wrote {len(doc['bookings'])} bookings of restaurant {restaurant_id} to {out}")


def _read_json(file: Path) -> Any:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _fail(f"{file}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise _fail(f"{file}: not JSON ({exc.msg}, line {exc.lineno})") from None


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(f"--date: expected YYYY-MM-DD, got {text!r}") from None
