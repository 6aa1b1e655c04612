"""``maitred bench sessions``: hosts racing for tables over HTTP; figures to docs/benchmarks.md."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from maitred.bench import report
from maitred.bench import sessions as bench_sessions
from maitred.cli import bench, bench_database
from maitred.store.db import Database


@bench.command("sessions")
def sessions(
    clients: Annotated[str, typer.Option(
        help="Comma-separated numbers of concurrent staff clients.")] = "1,8,32",
    seconds: Annotated[float, typer.Option(min=0.5, max=120,
                                           help="How long each N runs.")] = 5.0,
    out: Annotated[Path | None, typer.Option(
        help="Markdown file to update (between the sessions markers).")] = Path(
            "docs/benchmarks.md"),
    workers: Annotated[int, typer.Option(min=1, max=16,
                                         help="uvicorn worker processes.")] = 1,
) -> None:
    """N concurrent hosts open, hold, confirm or cancel sessions on contested tables.

    Uses DATABASE_URL when set (its data is added to), else a fresh embedded PostgreSQL
    in a temporary folder, removed afterwards.
    """
    levels = bench_database.levels(clients, "--clients", "1,8,32")
    with bench_database.measured() as (url, where):
        _run(url, levels, seconds, out, workers, where)


def _run(url: str, levels: list[int], seconds: float, out: Path | None, workers: int,
         where: str) -> None:
    results = []
    with Database(url, min_size=1, max_size=4) as db, \
            bench_sessions.serving(url, workers) as base:
        for n in levels:
            result = bench_sessions.run(db, base, n, seconds)
            results.append(result)
            typer.echo(
                f"N={n}: {result.rate:.1f} sessions/s, all calls p50 "
                f"{result.p50_ms.get('all', 0):.1f} ms p99 {result.p99_ms.get('all', 0):.1f} ms, "
                f"{result.conflicts} conflicts, {result.errors} errors, "
                f"{result.double_booked_minutes:g} double-booked table-minutes")
    where += (f", {workers} uvicorn worker{'s' if workers > 1 else ''} "
              f"({bench_sessions.SERVER_LOOP}, {bench_sessions.SERVER_HTTP})")
    text = bench_sessions.markdown(results, seconds=seconds, where=where)
    if out is not None:
        report.write_section(out, "sessions", text)
        typer.echo(f"written to {out}")
    if any(r.double_booked_minutes for r in results):
        typer.echo("error: a table was given to two parties at once", err=True)
        raise typer.Exit(1)
