"""``maitred bench staleness``: the age of availability answers under writes; figures to
docs/benchmarks.md."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from maitred.bench import report
from maitred.bench import staleness as bench_staleness
from maitred.cli import bench
from maitred.config import Settings
from maitred.store import schema


@bench.command("staleness")
def staleness(
    seconds: Annotated[float, typer.Option(min=0.5, max=300,
                                           help="How long the load runs.")] = 20.0,
    staff: Annotated[int, typer.Option(min=0, max=64,
                                       help="Clients looping manual sessions.")] = 3,
    readers: Annotated[int, typer.Option(min=1, max=64,
                                         help="Clients polling availability.")] = 4,
    booking_rate: Annotated[float, typer.Option(
        min=0, max=500, help="New bookings per second, seated by the pipeline.")] = 10.0,
    read_pause: Annotated[float, typer.Option(
        min=0, max=5, help="Seconds a reader waits between two polls.")] = 0.01,
    workers: Annotated[int, typer.Option(min=1, max=16,
                                         help="uvicorn worker processes.")] = 1,
    pipeline_workers: Annotated[int, typer.Option(
        min=1, max=16, help="`maitred worker` processes seating bookings.")] = 1,
    out: Annotated[Path | None, typer.Option(
        help="Markdown file to update (between the staleness markers).")] = Path(
            "docs/benchmarks.md"),
) -> None:
    """Readers poll a day's availability while staff and the pipeline change it.

    Needs commit timestamps: with DATABASE_URL, that server must run with
    ``track_commit_timestamp = on`` (its data is added to); else a fresh embedded
    PostgreSQL with it on, in a temporary folder, removed afterwards. Exits 1 when an
    answer was more than a second old.
    """
    load = bench_staleness.Load(seconds, staff, readers, booking_rate, read_pause)
    with _database() as (url, where):
        result = bench_staleness.measure(url, load, uvicorn_workers=workers,
                                         pipeline_workers=pipeline_workers)
    typer.echo(bench_staleness.summary(result))
    where += (f", {workers} uvicorn worker{'s' if workers > 1 else ''}, {pipeline_workers} "
              f"pipeline worker{'s' if pipeline_workers > 1 else ''}")
    if out is not None:
        report.write_section(out, "staleness", bench_staleness.markdown(result, where=where))
        typer.echo(f"written to {out}")
    if result.max_age_ms > bench_staleness.LIMIT_MAX_MS:
        typer.echo(f"error: an answer was {result.max_age_ms:.0f} ms old (limit "
                   f"{bench_staleness.LIMIT_MAX_MS:g} ms)", err=True)
        raise typer.Exit(1)


@contextlib.contextmanager
def _database() -> Iterator[tuple[str, str]]:
    url = Settings().database_url
    if url:
        if not bench_staleness.tracks_commit_times(url):
            typer.echo("error: the server at DATABASE_URL does not record commit times; run "
                       "ALTER SYSTEM SET track_commit_timestamp = on and restart it", err=True)
            raise typer.Exit(2)
        schema.migrate(url)
        yield url, "DATABASE_URL"
        return
    with bench_staleness.commit_timed_server() as url:
        yield url, "embedded PostgreSQL (durable, commit timestamps on)"
