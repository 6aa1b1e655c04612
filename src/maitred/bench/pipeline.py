"""``maitred bench pipeline``: how fast bookings reach a table, and how well they are seated.

For each number of worker processes (1, 2, 4 by default): a fresh copy of a benchmark day
(``shared/bench`` format) is imported as its own restaurant, its bookings' jobs are queued
in one transaction, and real ``maitred worker`` processes seat them. Measured: bookings/s
from the commit that queues them to the last one settled (``assigned`` or
``manual_review``), and per booking the time from that commit to ``assigned_at``.

Quality: the covers the pipeline seated (bookings one at a time, in the order they were
made, each placed for good: the online problem) against the engine's offline plan for the
same day (:func:`maitred.engine.day.assign_day`, every booking known in advance), and its
upper bound when the solver proves one.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from maitred.config import Settings
from maitred.engine import day as day_engine
from maitred.engine import instance as bench_format
from maitred.services import coordinator, floors
from maitred.store.db import Database
from maitred.worker.runner import BATCH


@dataclass(frozen=True, slots=True)
class Run:
    """One worker count's figures."""

    workers: int
    bookings: int
    seconds: float
    assigned: int
    review: int
    covers: int
    p50_ms: float
    p99_ms: float
    overlaps: int

    @property
    def rate(self) -> float:
        return self.bookings / self.seconds if self.seconds else 0.0


@dataclass(frozen=True, slots=True)
class Offline:
    covers: int
    covers_total: int
    bound: int | None
    seconds: float


def offline(doc: dict[str, Any]) -> Offline:
    """The engine's plan for the whole day, every booking known in advance."""
    parsed = bench_format.parse(doc)
    plan = day_engine.assign_day(parsed.floor, parsed.bookings, parsed.policy, mode="offline")
    stats = plan.stats
    bound = stats.get("covers_bound")
    return Offline(int(stats["covers_seated"]), int(stats["covers_total"]),
                   None if bound is None else int(bound), float(stats["seconds"]))


def run(db: Database, url: str, doc: dict[str, Any], workers: int, *,
        timeout: float = 300.0) -> Run:
    """Import the day, start ``workers`` processes, queue every booking, wait, measure."""
    with db.uow(actor="bench") as tx:
        restaurant_id = floors.import_instance(tx, doc, name=f"bench {workers} workers",
                                               settings=Settings.model_construct())
    with worker_processes(url, workers):
        wait_for_workers(db, workers, timeout=60)
        with db.uow(actor="bench") as tx:
            waiting = [b for b in tx.bookings.list(restaurant_id, datetime.min.replace(tzinfo=UTC),
                                                   datetime.max.replace(tzinfo=UTC))
                       if b.state == "pending"]
            for booking in waiting:
                coordinator.enqueue(tx, booking, "creation")
        queued_at = time.perf_counter()
        ids = [b.id for b in waiting]
        while _open(db, ids):
            if time.perf_counter() - queued_at > timeout:
                raise TimeoutError(f"{len(_open(db, ids))} bookings still open after {timeout} s")
            time.sleep(0.02)
        seconds = time.perf_counter() - queued_at
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT b.state, b.party_size, extract(epoch FROM b.assigned_at) FROM bookings b "
            "WHERE b.id = ANY(%s)", [ids]).fetchall()
        committed = conn.execute(
            "SELECT extract(epoch FROM min(e.at)) FROM procrastinate_events e "
            "JOIN procrastinate_jobs j ON j.id = e.job_id WHERE e.type = 'deferred' "
            "AND (j.args->>'booking_id')::bigint = ANY(%s)", [ids]).fetchone()
        overlaps = conn.execute(
            "SELECT count(*) FROM allocations a JOIN allocations b ON a.table_id = b.table_id "
            "AND a.id < b.id AND a.during && b.during WHERE a.restaurant_id = %s",
            [restaurant_id]).fetchone()
    start = float(committed[0]) if committed and committed[0] is not None else 0.0
    waits = sorted(float(r[2]) - start for r in rows if r[0] == "assigned" and r[2] is not None)
    return Run(workers, len(ids), seconds, sum(r[0] == "assigned" for r in rows),
               sum(r[0] == "manual_review" for r in rows),
               sum(int(r[1]) for r in rows if r[0] == "assigned"),
               _percentile(waits, 50), _percentile(waits, 99),
               int(overlaps[0]) if overlaps else 0)


def median_runs(runs: list[Run]) -> tuple[Run, float, float]:
    """The run of median rate among repeats of one worker count, and the lowest and
    highest rates."""
    ranked = sorted(runs, key=lambda r: r.rate)
    return ranked[len(ranked) // 2], ranked[0].rate, ranked[-1].rate


def markdown(repeats: list[list[Run]], best: Offline, *, name: str, where: str) -> str:
    """The report; ``repeats``: the runs of each worker count (the median is shown)."""
    medians = [median_runs(r) for r in repeats]
    runs = [m for m, _, _ in medians]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Automatic assignment pipeline (`maitred bench pipeline`)", "",
        f"Instance `{name}`: every booking's job queued in one transaction, then seated by "
        f"real `maitred worker` processes (procrastinate on PostgreSQL); {where}. Rate: "
        "bookings from the commit that queues them to the last one settled (`assigned` or "
        "`manual_review`); wait: that commit to each booking's `assigned_at`. "
        f"Measured {when} on {os.cpu_count()} cores shared with other work (load average "
        f"{os.getloadavg()[0]:.1f} at the end).", "",
        f"Each worker count ran {len(repeats[0]) if repeats else 0} times on a fresh copy "
        "of the day; the row is the run of median rate, with the lowest and highest rates.",
        "", "| workers | bookings | bookings/s (median) | lowest - highest | wait p50 / p99 ms "
        "| assigned | manual review | covers seated | double-booked pairs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for repeat, (r, low, high) in zip(repeats, medians, strict=True):
        # Double-booked pairs over every run, not only the median one.
        lines.append(f"| {r.workers} | {r.bookings} | {r.rate:.1f} | {low:.1f} - {high:.1f} "
                     f"| {r.p50_ms:.0f} / {r.p99_ms:.0f} | {r.assigned} | {r.review} "
                     f"| {r.covers} | {sum(x.overlaps for x in repeat)} |")
    bound = f", proven bound {best.bound}" if best.bound is not None else ""
    online = runs[0].covers if runs else 0
    share = f"{online / best.covers:.1%}" if best.covers else "-"
    lines += ["", f"Covers: the pipeline (online, in booking order) seated {online} of "
              f"{best.covers_total} requested; the engine's offline plan for the same day "
              f"seats {best.covers}{bound} ({best.seconds:.1f} s): online/offline = {share}. "
              "The pipeline places each booking for good; moving not-yet-seated automatic "
              "assignments to make room (the engine's online repacking) is not part of it.",
              "", "How a booking gets through: a worker's transaction waits until no other "
              "batch is on the restaurant, seats the job's booking, then takes along up to "
              f"{BATCH - 1} more queued bookings of that restaurant in queue order, finishing "
              "their jobs in the same transaction: one commit (one WAL flush, one hold of the "
              "restaurant's gapless event counter) per batch instead of per booking. The "
              "bookings taken along are planned one after the other on the day as the batch "
              "leaves it and written together, one round trip per kind of row "
              "(services/coordinator_bulk.py). The queue's own bookkeeping commits without "
              "waiting for the flush. One restaurant's bookings are therefore settled one "
              "batch at a time: a second worker overlaps its job fetching and committing "
              "with the first's work, and more workers pay off across restaurants, not "
              "within one.",
              "", "Target: >= 200 bookings/s with 2 workers on this machine.", "",
              "Command (about two minutes; each run gives up after 300 s):", "",
              "```", "maitred bench pipeline --workers 1,2,4 --repeat 3 "
              "--instance ../shared/bench/instances/large-l1.3-s1.json", "```"]
    return "\n".join(lines)


def load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


@contextlib.contextmanager
def worker_processes(url: str, count: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    env = {**os.environ, "DATABASE_URL": url}
    command = [sys.executable, "-c",
               "import maitred.cli.worker; from maitred.cli import app; app()", "worker"]
    started = [subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL) for _ in range(count)]
    try:
        yield started
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for_workers(db: Database, count: int, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with db.connection() as conn:
            row = conn.execute("SELECT count(*) FROM procrastinate_workers").fetchone()
        if row and row[0] >= count:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{count} workers did not start in {timeout} s")
        time.sleep(0.05)


def _open(db: Database, ids: list[int]) -> list[int]:
    with db.connection() as conn:
        rows = conn.execute("SELECT id FROM bookings WHERE id = ANY(%s) AND state IN "
                            "('pending', 'assignment_pending')", [ids]).fetchall()
    return [r[0] for r in rows]


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    index = min(len(values) - 1, max(0, round(pct / 100 * len(values)) - 1))
    return values[index] * 1000
