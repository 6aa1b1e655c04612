"""``maitred serve``: the API on 127.0.0.1, over the embedded PostgreSQL or DATABASE_URL.

Start-up, in order: find the database (start the embedded server in ``--data-dir``
unless ``DATABASE_URL`` is set), migrate it, with ``--demo`` load the demo restaurant
(once) and print a demo staff token, bind the port, print the URL, serve. Ctrl-C (or
SIGTERM) stops uvicorn gracefully, closes the pool and shuts the embedded PostgreSQL
down with ``pg_ctl stop``, so the next start finds a clean data folder.
"""

from __future__ import annotations

import signal
import socket
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
import uvicorn

from maitred import bootstrap, demo
from maitred.api import create_app
from maitred.cli import app
from maitred.config import Settings
from maitred.errors import DataFolderInUse, MaitredError
from maitred.services import sweeper
from maitred.worker import runner


@app.command()
def serve(
    demo_restaurant: Annotated[bool, typer.Option(
        "--demo", help="Load the demo restaurant (once) and print a demo staff token.")] = False,
    host: Annotated[str | None, typer.Option(
        help="Interface to listen on (default 127.0.0.1: this machine only).")] = None,
    port: Annotated[int | None, typer.Option(
        min=0, max=65535, help="Port (default 8000; 0 picks a free one).")] = None,
    data_dir: Annotated[Path | None, typer.Option(
        "--data-dir", help="Folder of the embedded PostgreSQL (default: per-user data "
        "folder). Ignored when DATABASE_URL is set.")] = None,
    worker: Annotated[bool, typer.Option(
        "--worker/--no-worker", help="Run one job worker in this process (automatic "
        "assignment, hold sweeper); --no-worker when `maitred worker` runs apart.")] = True,
) -> None:
    """Serve the staff API (and, with --demo, a restaurant to try it on)."""
    overrides = {k: v for k, v in (("host", host), ("port", port), ("data_dir", data_dir))
                 if v is not None}
    settings = Settings().model_copy(update=overrides)
    try:
        with bootstrap.database(settings) as url:
            where = "DATABASE_URL" if settings.database_url else \
                f"embedded PostgreSQL in {settings.data_dir}"
            typer.echo(f"database ready ({where})")
            services = bootstrap.build(settings, url)
            try:
                _serve(settings, services, demo_restaurant, worker)
            finally:
                services.close()
    except DataFolderInUse as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(2) from None
    except MaitredError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    typer.echo("maitred stopped; the database was shut down cleanly")


def _serve(settings: Settings, services: bootstrap.Services, with_demo: bool,
           with_worker: bool = True) -> None:
    if with_demo:
        loaded = demo.ensure(services.db, settings)
        when = f", bookings moved to {loaded.day}" if loaded.day else " (loaded earlier)"
        typer.echo(f"demo restaurant {loaded.restaurant_id}: {loaded.name}{when}")
        typer.echo(f"demo staff token: {loaded.token}")
    # Bind before announcing: a taken port fails here, and --port 0 prints the real port.
    listener = socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((settings.host, settings.port))
    except OSError as exc:
        listener.close()
        typer.echo(f"error: cannot listen on {settings.host}:{settings.port}: {exc.strerror}",
                   err=True)
        raise typer.Exit(2) from None
    bound_port = listener.getsockname()[1]
    shown = f"[{settings.host}]" if ":" in settings.host else settings.host
    typer.echo(f"serving on http://{shown}:{bound_port} (API docs at /docs; Ctrl-C stops)")
    config = uvicorn.Config(create_app(settings, services), log_level="warning",
                            access_log=False, lifespan="on")
    # uvicorn stops gracefully on SIGINT/SIGTERM, then re-raises the signal; SIGTERM's
    # default action would kill us before the database is shut down, so both become
    # KeyboardInterrupt, caught here, and the callers' cleanup runs.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        # The worker runs the sweeper as a periodic job; without it, a thread does.
        background = (runner.in_process(services.db, settings, services.db.url)
                      if with_worker else sweeper.running(services.db))
        with background:  # lapsed holds and sessions end (issue 4), bookings get tables
            uvicorn.Server(config).run(sockets=[listener])
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        listener.close()


def _interrupt(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001
    raise KeyboardInterrupt
