"""``maitred assign`` (seat one benchmark day from a file) and ``maitred bench engine``.

``assign`` reads and writes exactly the shared format (``../shared/bench/FORMAT.md``). A
file that cannot be read, is not JSON, or is malformed gets one line on stderr naming the
field, and exit status 2 — never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from maitred.bench import engine as bench_engine
from maitred.cli import app, bench
from maitred.engine import day
from maitred.engine.instance import InstanceError, parse, plan_document


@app.command("assign")
def assign(
    instance: Annotated[Path, typer.Option(help="Instance JSON (shared bench format).")],
    out: Annotated[Path, typer.Option(help="Where to write the plan JSON.")],
    mode: Annotated[str, typer.Option(
        help="offline: the whole day known at once; online: bookings in creation order, "
             "each accepted or refused on arrival.")] = "offline",
    time_limit: Annotated[float | None, typer.Option(
        help="Offline search budget in seconds (default: 1.7 up to 60 tables, 8 above).")
    ] = None,
) -> None:
    """Seat a day of bookings on a floor and write the plan."""
    if mode not in ("offline", "online"):
        _fail(f"--mode: expected 'offline' or 'online', got {mode!r}")
    if time_limit is not None and time_limit <= 0:
        _fail(f"--time-limit: must be positive, got {time_limit}")
    try:
        raw = json.loads(instance.read_text(encoding="utf-8"))
    except OSError as exc:
        _fail(f"{instance}: cannot read the file ({exc.strerror or exc})")
    except UnicodeDecodeError:
        _fail(f"{instance}: not UTF-8 text")
    except json.JSONDecodeError as exc:
        _fail(f"{instance}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})")
    try:
        parsed = parse(raw, instance.stem)
        plan = day.assign_day(parsed.floor, parsed.bookings, parsed.policy,
                              mode="online" if mode == "online" else "offline",
                              time_limit=time_limit)
    except InstanceError as exc:
        _fail(str(exc))
    except ValueError as exc:  # e.g. a booking locked to tables the floor does not have
        _fail(f"bookings: {exc}")
    document = plan_document(plan.assignments, plan.unassigned, plan.stats)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        _fail(f"{out}: cannot write the plan ({exc.strerror or exc})")
    stats = plan.stats
    typer.echo(f"{parsed.name}: {mode} seated {stats['covers_seated']}/{stats['covers_total']}"
               f" covers, {stats['bookings_seated']}/{stats['bookings_total']} bookings in "
               f"{stats['seconds']:.2f} s ({stats['status']}) -> {out}")


@bench.command("engine")
def engine(
    instances: Annotated[Path | None, typer.Option(
        help="Folder of instance files (default: ../shared/bench/instances).")] = None,
    time_limit: Annotated[float | None, typer.Option(
        help="Offline budget per instance in seconds (default: by floor size).")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Markdown file to update between the engine markers "
             "(default: docs/benchmarks.md).")] = None,
) -> None:
    """Seat every benchmark day offline and online, check each plan, write the figures."""
    if instances is not None and not instances.is_dir():
        _fail(f"--instances: {instances} is not a folder")
    if time_limit is not None and time_limit <= 0:
        _fail(f"--time-limit: must be positive, got {time_limit}")
    status = bench_engine.run(instances, time_limit, out, echo=typer.echo)
    raise typer.Exit(status)


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)
