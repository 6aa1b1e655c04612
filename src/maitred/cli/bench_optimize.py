"""``maitred bench optimize``: online days improved by the optimizer's bounded re-plan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from maitred.bench import optimize as bench_optimize
from maitred.cli import bench


@bench.command("optimize")
def optimize(
    instances: Annotated[str, typer.Option(
        help="Comma-separated instance name prefixes or globs (default: the 60-table "
             "large-* days).")] = ",".join(bench_optimize.DEFAULT_PATTERNS),
    folder: Annotated[Path | None, typer.Option(
        help="Folder of instance files (default: ../shared/bench/instances).")] = None,
    max_moves: Annotated[int, typer.Option(
        min=0, max=1000, help="Most bookings the re-plan may move or newly seat.")
    ] = bench_optimize.DEFAULT_MAX_MOVES,
    time_limit: Annotated[float, typer.Option(
        min=0.1, max=120, help="Re-plan budget per day in seconds.")
    ] = bench_optimize.DEFAULT_TIME_LIMIT,
    offline_limit: Annotated[float | None, typer.Option(
        min=0.1, max=120, help="Offline budget per day (default: by floor size).")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Markdown file to update between the optimize markers "
             "(default: docs/benchmarks.md).")] = None,
) -> None:
    """Seat each day online, re-plan it within MAX_MOVES moves, compare with offline."""
    if folder is not None and not folder.is_dir():
        typer.echo(f"error: --folder: {folder} is not a folder", err=True)
        raise typer.Exit(2)
    patterns = [p.strip() for p in instances.split(",") if p.strip()]
    if not patterns:
        typer.echo("error: --instances: give at least one name prefix", err=True)
        raise typer.Exit(2)
    status = bench_optimize.run(folder, patterns, max_moves, time_limit, offline_limit, out,
                                echo=typer.echo)
    raise typer.Exit(status)
