"""``maitred worker``: a worker process seating bookings from the PostgreSQL job queue.

Run as many as the floor's traffic needs, on any machines that reach the database: they
share the queue (procrastinate) and never process one booking twice at once. Ctrl-C or
SIGTERM stops a worker after the job in hand; a worker killed outright (SIGKILL, power
cut) has its job recovered by the others once its heartbeat is ``--stalled-after`` old.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from maitred import bootstrap
from maitred.cli import app
from maitred.config import Settings
from maitred.errors import MaitredError
from maitred.worker import jobs, runner


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(
        min=1, max=32, help="Jobs run at once in this process (threads).")] = 1,
    heartbeat: Annotated[float, typer.Option(
        min=0.1, help="Seconds between this worker's heartbeats.")] = 10.0,
    stalled_after: Annotated[float, typer.Option(
        "--stalled-after", min=0.5,
        help="A worker silent this many seconds is dead: its jobs go back to the queue.",
    )] = jobs.STALLED_AFTER_SECONDS,
    log_level: Annotated[str, typer.Option(
        "--log-level", help="WARNING, INFO (the pipeline's event stream) or DEBUG.")
    ] = "WARNING",
    data_dir: Annotated[Path | None, typer.Option(
        "--data-dir", help="Folder of the embedded PostgreSQL. Ignored when DATABASE_URL "
        "is set (as it should be when several processes share one database).")] = None,
) -> None:
    """Process bookings (and sweep holds) from the job queue until stopped."""
    logging.basicConfig(level=log_level.upper(),
                        format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s")
    settings = Settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    try:
        with bootstrap.database(settings) as url:
            typer.echo("worker ready", err=True)
            runner.run(settings, url, concurrency=concurrency, heartbeat=heartbeat,
                       stalled_after=stalled_after)
    except MaitredError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        pass
