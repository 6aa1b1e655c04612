"""``maitred bench pipeline``: bookings/s through the automatic pipeline, and covers seated
against the engine's offline plan; figures to docs/benchmarks.md."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from maitred.bench import pipeline, report
from maitred.cli import bench, bench_database
from maitred.store.db import Database

DEFAULT_INSTANCE = Path("../shared/bench/instances/large-l1.3-s1.json")


@bench.command("pipeline")
def pipeline_command(
    workers: Annotated[str, typer.Option(
        help="Comma-separated numbers of worker processes.")] = "1,2,4",
    instance: Annotated[Path, typer.Option(
        help="A day in the shared bench format.")] = DEFAULT_INSTANCE,
    out: Annotated[Path | None, typer.Option(
        help="Markdown file to update (between the pipeline markers).")] = Path(
            "docs/benchmarks.md"),
    repeat: Annotated[int, typer.Option(
        min=1, max=9, help="Runs per worker count (the median is reported).")] = 3,
) -> None:
    """Queue a day's bookings and let N real workers seat them, for each N.

    Uses DATABASE_URL when set (its data is added to), else a fresh embedded PostgreSQL
    in a temporary folder, removed afterwards.
    """
    counts = bench_database.levels(workers, "--workers", "1,2,4")
    if not instance.is_file():
        typer.echo(f"error: no instance file at {instance}", err=True)
        raise typer.Exit(2)
    doc = pipeline.load(instance)
    with bench_database.measured() as (url, where):
        _run(url, doc, counts, repeat, instance.name, out, where)


def _run(url: str, doc: dict[str, object], counts: list[int], repeat: int, name: str,
         out: Path | None, where: str) -> None:
    repeats: list[list[pipeline.Run]] = []
    with Database(url, min_size=1, max_size=4) as db:
        for count in counts:
            repeats.append([])
            for _ in range(repeat):
                result = pipeline.run(db, url, dict(doc), count)
                repeats[-1].append(result)
                typer.echo(f"{count} worker(s): {result.bookings} bookings in "
                           f"{result.seconds:.2f} s = {result.rate:.1f}/s, wait p50 "
                           f"{result.p50_ms:.0f} ms p99 {result.p99_ms:.0f} ms, "
                           f"{result.assigned} assigned, {result.review} to review, "
                           f"{result.covers} covers, {result.overlaps} overlaps")
    runs = [r for repeat_runs in repeats for r in repeat_runs]
    best = pipeline.offline(dict(doc))
    typer.echo(f"offline plan: {best.covers} covers of {best.covers_total}")
    text = pipeline.markdown(repeats, best, name=name, where=where)
    if out is not None:
        report.write_section(out, "pipeline", text)
        typer.echo(f"written to {out}")
    if any(r.overlaps for r in runs):
        typer.echo("error: a table was given to two parties at once", err=True)
        raise typer.Exit(1)
