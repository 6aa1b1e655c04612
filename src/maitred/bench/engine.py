"""``maitred bench engine``: seat every shared benchmark day, check it, write the figures.

For each instance of ``../shared/bench/instances`` (or a given folder) the day is planned
offline and online, every plan is checked by the shared, independent checker
(``../shared/bench/validate.py``), and the covers are set against the baselines and the
reference optimum of ``../shared/bench/results``. On the largest day the single-booking
quote is timed in-process against the offline plan (every other party in place), and the
process's peak memory is read. The Engine section of ``docs/benchmarks.md`` is rewritten
between its markers; other sections stay as they are.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from maitred.bench import report
from maitred.engine import day
from maitred.engine.instance import Instance, parse, plan_document

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared" / "bench"
SIZE_ORDER = {"small": 0, "medium": 1, "large": 2, "xl": 3}


@dataclass
class Row:
    name: str
    tables: int
    bookings: int
    offline: int
    online: int
    offline_seconds: float
    online_seconds: float
    status: str
    valid: bool
    problems: list[str]
    greedy: int | None
    online_greedy: int | None
    reference: int | None
    reference_status: str


def run(instances: Path | None, time_limit: float | None, out: Path | None,
        echo: Callable[[str], None] = print) -> int:
    """Run the benchmark; 0 when every plan is valid, 1 otherwise."""
    folder = instances or SHARED / "instances"
    paths = sorted(folder.glob("*.json"),
                   key=lambda p: (SIZE_ORDER.get(p.stem.split("-")[0], 9), p.stem))
    if not paths:
        echo(f"no instances in {folder}")
        return 1
    checker = _load_checker(SHARED / "validate.py")
    results = SHARED / "results"
    greedy = _results(results / "greedy.json")
    online_greedy = _results(results / "online_greedy.json")
    reference = _results(results / "reference.json")
    rows: list[Row] = []
    largest: tuple[Instance, dict[str, tuple[str, ...]]] | None = None
    for path in paths:
        raw = json.loads(path.read_text(encoding="utf-8"))
        instance = parse(raw, path.stem)
        plans = {}
        for mode in ("offline", "online"):
            # Each day starts with no garbage of the days before: a collection of their
            # leftovers during a time-limited search cost it neighbourhoods (546 covers of
            # 549 on large-l1.3-s1 late in a run, 548 alone or after a collection).
            gc.collect()
            plans[mode] = day.assign_day(instance.floor, instance.bookings, instance.policy,
                                         mode=mode, time_limit=time_limit)
        problems = []
        for mode, plan in plans.items():
            doc = plan_document(plan.assignments, plan.unassigned)
            problems += [f"{mode}: {p}" for p in checker.validate(raw, doc)]
        ref = reference.get(path.stem, {})
        row = Row(
            path.stem, len(instance.floor.tables), len(instance.bookings),
            plans["offline"].stats["covers_seated"], plans["online"].stats["covers_seated"],
            plans["offline"].stats["seconds"], plans["online"].stats["seconds"],
            str(plans["offline"].stats["status"]), not problems, problems,
            greedy.get(path.stem, {}).get("covers_seated"),
            online_greedy.get(path.stem, {}).get("covers_seated"),
            ref.get("covers"), str(ref.get("status", "-")),
        )
        rows.append(row)
        if largest is None or len(instance.floor.tables) * len(instance.bookings) >= \
                len(largest[0].floor.tables) * len(largest[0].bookings):
            largest = (instance, dict(plans["offline"].assignments))
        echo(f"{row.name:28s} offline {row.offline:5d} ({_ratio(row.offline, row.reference)}) "
             f"{row.offline_seconds:5.2f}s  online {row.online:5d} "
             f"({_ratio(row.online, row.reference)}) {row.online_seconds:5.2f}s  "
             f"{'valid' if row.valid else 'INVALID: ' + '; '.join(problems[:3])}")
    latency = _quote_latency(*largest) if largest else None
    largest_path = folder / f"{largest[0].name}.json" if largest else None
    echo("measuring the memory of one offline day in a fresh process ...")
    peak_mb = _day_peak_mb(largest_path, time_limit) if largest_path else None
    text = _section(rows, latency, peak_mb, largest[0].name if largest else "-", time_limit)
    report.write_section(out or REPO / "docs" / "benchmarks.md", "engine", text)
    echo(f"wrote the Engine section of {out or REPO / 'docs' / 'benchmarks.md'}")
    return 0 if all(r.valid for r in rows) else 1


def _load_checker(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("shared_validate", path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"cannot load the shared checker {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _results(path: Path) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded


def _quote_latency(instance: Instance,
                   assignments: dict[str, tuple[str, ...]]) -> tuple[float, float, int] | str:
    """p50/p99 milliseconds of ``planner.quote`` per booking, every other party placed."""
    try:
        from maitred.engine import planner
        from maitred.engine.timeline import Busy, Kind, Timeline
    except ImportError as exc:
        return f"not measured: the planner is not available ({exc})"
    buffer = instance.policy.buffer_minutes
    by_id = {b.id: b for b in instance.bookings}

    def entries(booking_id: str) -> list[Busy]:
        window = by_id[booking_id].window(buffer)
        return [Busy(t, window, booking_id, Kind.ASSIGNMENT)
                for t in assignments.get(booking_id, ())]

    timeline = Timeline(e for bid in assignments for e in entries(bid))
    samples = []
    for booking in instance.bookings:
        timeline.remove_booking(booking.id)
        began = time.perf_counter()
        planner.quote(booking, instance.floor, timeline, instance.policy)
        samples.append((time.perf_counter() - began) * 1000)
        for busy in entries(booking.id):
            timeline.add(busy)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return statistics.median(samples), p99, len(samples)


# One offline day in a fresh interpreter that imports only the engine (the full CLI also
# loads the web and database stack, which is not the day's memory).
_ONE_DAY = (
    "import json, sys\n"
    "from maitred.engine import day, instance\n"
    "parsed = instance.parse(json.load(open(sys.argv[1], encoding='utf-8')))\n"
    "limit = float(sys.argv[2]) if len(sys.argv) > 2 else None\n"
    "day.assign_day(parsed.floor, parsed.bookings, parsed.policy, time_limit=limit)\n"
    # VmHWM is this process image's own peak (ru_maxrss would also count the pages of the
    # parent that forked it, before exec).
    "import pathlib, resource\n"
    "status = pathlib.Path('/proc/self/status')\n"
    "lines = status.read_text().splitlines() if status.exists() else []\n"
    "hwm = [int(x.split()[1]) for x in lines if x.startswith('VmHWM:')]\n"
    "print(hwm[0] if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
)


def _day_peak_mb(path: Path, time_limit: float | None) -> float | None:
    """Peak resident memory of planning one day offline, in its own process."""
    command = [sys.executable, "-c", _ONE_DAY, str(path)]
    if time_limit:
        command.append(str(time_limit))
    done = subprocess.run(command, capture_output=True, check=False, text=True)
    if done.returncode != 0 or not done.stdout.strip().isdigit():
        return None
    peak = int(done.stdout.strip())
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _ratio(value: int, reference: int | None) -> str:
    return f"{value / reference:.3f}" if reference else "-"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _section(rows: list[Row], latency: tuple[float, float, int] | str | None,
             peak_mb: float | None, largest: str, time_limit: float | None) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    limit = f"{time_limit:g} s" if time_limit else "default (1.7 s up to 60 tables, 8 s above)"
    lines = [
        "## Engine: day assignment (`maitred bench engine`)",
        "",
        f"Measured {now} on {_cpu_model()}, {os.cpu_count()} cores (shared), Python "
        f"{platform.python_version()}. Offline time limit: {limit}; seconds include "
        "building the model. Ratios are covers / reference covers. Every plan is checked "
        "by `../shared/bench/validate.py`.",
        "",
        "| instance | tables | bookings | offline | offline/ref | s | status | online | "
        "online/ref | s | greedy | online greedy | reference | ref status | valid |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.name} | {r.tables} | {r.bookings} | {r.offline} | "
            f"{_ratio(r.offline, r.reference)} | {r.offline_seconds:.2f} | {r.status} | "
            f"{r.online} | {_ratio(r.online, r.reference)} | {r.online_seconds:.2f} | "
            f"{r.greedy if r.greedy is not None else '-'} | "
            f"{r.online_greedy if r.online_greedy is not None else '-'} | "
            f"{r.reference if r.reference is not None else '-'} | {r.reference_status} | "
            f"{'yes' if r.valid else 'NO'} |")
    lines += ["", "| mode | mean ratio | min ratio | instances below target | "
              "behind the baseline | max seconds |", "|---|---:|---:|---:|---:|---:|"]
    for mode in ("offline", "online"):
        scored = [r for r in rows if r.reference]
        ratios = [getattr(r, mode) / r.reference for r in scored if r.reference]
        target = 0.995 if mode == "offline" else 0.93
        below = sum(1 for x in ratios if x < target)
        base = "greedy" if mode == "offline" else "online_greedy"
        behind = sum(1 for r in rows if getattr(r, base) is not None
                     and getattr(r, mode) < getattr(r, base))
        slowest = max(getattr(r, f"{mode}_seconds") for r in rows)
        lines.append(f"| {mode} | {statistics.mean(ratios):.4f} | {min(ratios):.4f} | "
                     f"{below} (target {target}) | {behind} | {slowest:.2f} |")
    lines.append("")
    if isinstance(latency, tuple):
        lines.append(f"Quote latency on {largest} (in-process `planner.quote`, every other "
                     f"party of the offline plan in place, {latency[2]} bookings): "
                     f"p50 {latency[0]:.3f} ms, p99 {latency[1]:.3f} ms (target p99 <= 2 ms).")
    else:
        lines.append(f"Quote latency: {latency}.")
    memory = "not measured (the run failed)" if peak_mb is None else f"{peak_mb:.0f} MB"
    lines.append(f"Memory for the largest day ({largest}): peak resident size of one "
                 f"offline `assign_day` in its own engine-only process, interpreter and "
                 f"OR-Tools included: {memory} (target < 200 MB).")
    return "\n".join(lines)
