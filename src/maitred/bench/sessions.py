"""``maitred bench sessions``: hosts racing for tables over HTTP, and nothing double-booked.

N staff clients (threads, one keep-alive HTTP connection each) loop against a real server
(uvicorn in a child process, over a real PostgreSQL) for a bounded time: open a session
on a contested table (create + judge + hold in one call), then confirm it or cancel it; a
lost race is counted as a conflict and its session cancelled. Every client's parties sit
at the same few "hot" tables at the same times, so they collide on purpose.

Reported per N: sessions/s, p50/p99 latency per call kind and overall, conflicts, errors,
and the double-booked table-minutes, summed by SQL over every pair of overlapping
allocations (must be 0).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from maitred.services import staff
from maitred.store.db import Database, UnitOfWork

SESSION = "/api/staff/manual/session"
# What `maitred serve` gets too (uvicorn picks them when installed; both are dependencies).
SERVER_LOOP = "uvloop"
SERVER_HTTP = "httptools"
HOT_TABLES = 6              # per zone: the tables every client reaches for first
DAYS = 5                    # bookings spread over this many evenings
START = datetime(2031, 3, 3, 17, 0, tzinfo=UTC)   # 18:00 in Paris, a Monday


@dataclass
class Tally:
    """What one client saw."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    sessions: int = 0
    confirmed: int = 0
    cancelled: int = 0
    conflicts: int = 0
    errors: int = 0

    def timed(self, kind: str, started: float) -> None:
        self.latencies.setdefault(kind, []).append(time.perf_counter() - started)


@dataclass(frozen=True)
class Result:
    """The figures for one N."""

    clients: int
    seconds: float
    sessions: int
    confirmed: int
    cancelled: int
    conflicts: int
    errors: int
    p50_ms: dict[str, float]
    p99_ms: dict[str, float]
    double_booked_minutes: float
    calls: int = 0
    # CPU the server process(es) spent per call: less moved than latency by other work on
    # a shared machine (though not immune to it). None: unknown.
    server_cpu_ms: float | None = None
    load: float | None = None  # the machine's 1-minute load average when the run ended

    @property
    def rate(self) -> float:
        return self.sessions / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Restaurant:
    id: int
    hot: list[int]                  # table ids clients reach for
    bookings: list[int]
    tokens: list[str]


def build(db: Database, clients: int, bookings_per_client: int) -> Restaurant:
    """A 30-table restaurant (three rooms of ten), parties over several evenings, staff."""
    with db.uow(actor="bench") as tx:
        r = tx.restaurants.create(f"Bench {clients}", timezone="Europe/Paris").id
        hot = three_rooms(tx, r)
        rng = random.Random(clients)
        bookings = [tx.bookings.create(
            r, party_size=2, duration_minutes=90, source="staff",
            start_at=START + timedelta(days=rng.randrange(DAYS),
                                       minutes=30 * rng.randrange(8))).id
            for _ in range(clients * bookings_per_client)]
        tokens = []
        for i in range(clients):
            member = staff.grant(tx, r, f"bench{clients}.{i}@bench.test", "host", f"Host {i}")
            tokens.append(staff.issue_token(tx, member.staff_id, "bench").token)
    return Restaurant(r, hot, bookings, tokens)


def three_rooms(tx: UnitOfWork, restaurant_id: int) -> list[int]:
    """Three rooms of ten adjacent tables (2, 4 and 6 seats in turn); the ids of each
    room's first ``HOT_TABLES`` tables, the ones clients contend for."""
    hot: list[int] = []
    for z in range(3):
        zone = tx.zones.create(restaurant_id, f"room{z}", f"Room {z}")
        ids = [tx.tables.create(restaurant_id, zone_id=zone.id, label=f"R{z}T{i:02d}",
                                max_party=(2, 4, 6)[i % 3]).id for i in range(10)]
        for a, b in pairwise(ids):
            tx.adjacency.add(restaurant_id, a, b)
        hot += ids[:HOT_TABLES]
    return hot


class _Http:
    """A lean keep-alive HTTP/1.1 client (the standard library's): the bench measures the
    server, so the clients, which share its two cores, should cost as little as possible."""

    def __init__(self, base: str, token: str) -> None:
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port,
                                               timeout=30)
        self.token = token

    def call(self, method: str, path: str, key: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": key}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=payload, headers=headers)
        answer = self.conn.getresponse()
        raw = answer.read()
        return answer.status, json.loads(raw) if raw else None

    def close(self) -> None:
        self.conn.close()


def client_loop(base: str, token: str, bookings: list[int], hot: list[int], stop: float,
                tally: Tally, seed: int) -> None:
    """One host at the stand: hold a hot table, then confirm (1 in 3) or cancel."""
    rng = random.Random(seed)
    # Idempotency keys are the staff member's: a second run against the same database
    # (DATABASE_URL) has the same staff, so its keys must differ from the first run's.
    prefix = f"{seed}.{uuid.uuid4().hex[:8]}"
    pool = list(bookings)
    client = _Http(base, token)
    n = 0
    try:
        while pool and time.perf_counter() < stop:
            n += 1
            booking = rng.choice(pool)
            key = f"{prefix}-{n}"
            started = time.perf_counter()
            status, session = client.call("POST", SESSION, key + "o", {
                "bookingId": booking, "tableIds": [rng.choice(hot)]})
            tally.timed("open", started)
            if status != 200:
                tally.errors += 1
                pool.remove(booking)  # e.g. the booking was seated meanwhile
                continue
            tally.sessions += 1
            if session["state"] == "HELD" and rng.random() < 1 / 3:
                started = time.perf_counter()
                status, _ = client.call("PUT", f"{SESSION}/{session['id']}/confirm", key + "c")
                tally.timed("confirm", started)
                if status == 200:
                    tally.confirmed += 1
                    pool.remove(booking)
                else:
                    tally.errors += 1
                continue
            if session["state"] != "HELD":
                tally.conflicts += 1
            started = time.perf_counter()
            status, _ = client.call("DELETE", f"{SESSION}/{session['id']}", key + "x")
            tally.timed("cancel", started)
            if status == 200:
                tally.cancelled += 1
            else:
                tally.errors += 1
    finally:
        client.close()


def double_booked_minutes(db: Database) -> float:
    """Table-minutes given to two parties at once, over the whole database (must be 0)."""
    with db.connection() as conn:
        row = conn.execute(
            "SELECT coalesce(sum(extract(epoch FROM least(upper(a.during), upper(b.during))"
            " - greatest(lower(a.during), lower(b.during))) / 60), 0) FROM allocations a "
            "JOIN allocations b ON a.table_id = b.table_id AND a.id < b.id "
            "AND a.during && b.during").fetchone()
    return float(row[0]) if row else 0.0


def run(db: Database, base: str, clients: int, seconds: float) -> Result:
    """N clients for ``seconds`` against the server at ``base``."""
    place = build(db, clients, bookings_per_client=150)
    tallies = [Tally() for _ in range(clients)]
    share = len(place.bookings) // clients
    cpu_before = server_cpu_seconds(base)
    started = time.perf_counter()
    stop = started + seconds
    threads = [threading.Thread(target=client_loop, args=(
        base, place.tokens[i], place.bookings[i * share:(i + 1) * share], place.hot, stop,
        tallies[i], 1000 * clients + i)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cpu_after = server_cpu_seconds(base)
    merged: dict[str, list[float]] = {}
    for t in tallies:
        for kind, values in t.latencies.items():
            merged.setdefault(kind, []).extend(values)
    merged["all"] = [v for values in list(merged.values()) for v in values]
    calls = len(merged["all"])
    cpu_ms = (None if cpu_before is None or cpu_after is None or not calls
              else (cpu_after - cpu_before) * 1000 / calls)
    return Result(
        clients, elapsed, sum(t.sessions for t in tallies), sum(t.confirmed for t in tallies),
        sum(t.cancelled for t in tallies), sum(t.conflicts for t in tallies),
        sum(t.errors for t in tallies),
        {k: _percentile(v, 50) for k, v in merged.items()},
        {k: _percentile(v, 99) for k, v in merged.items()},
        double_booked_minutes(db), calls, cpu_ms,
        os.getloadavg()[0] if hasattr(os, "getloadavg") else None)


# The server process behind each base URL (see serving), for server_cpu_seconds.
_SERVER_PIDS: dict[str, int] = {}


def server_cpu_seconds(base: str) -> float | None:
    """CPU seconds used so far by the server at ``base`` and its worker processes (Linux
    ``/proc``; None elsewhere or when the server was not started by :func:`serving`)."""
    pid = _SERVER_PIDS.get(base)
    proc = Path("/proc")
    if pid is None or not (proc / str(pid) / "stat").exists():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        # After the command: state, ppid, ... utime and stime are the 12th and 13th.
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def app_from_environment() -> Any:
    """The app for a bench server process: settings from its environment (uvicorn factory)."""
    from maitred.api import create_app
    from maitred.config import Settings

    return create_app(Settings(pool_min_size=2, pool_max_size=12))


@contextmanager
def serving(database_url: str, workers: int = 1) -> Iterator[str]:
    """The API in a child process (``workers`` uvicorn workers), its base URL for the block."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "uvicorn", "--factory",
               "maitred.bench.sessions:app_from_environment", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--log-level", "warning",
               "--no-access-log", "--loop", SERVER_LOOP, "--http", SERVER_HTTP]
    child = subprocess.Popen(command, env={**os.environ, "DATABASE_URL": database_url})
    base = f"http://127.0.0.1:{port}"
    _SERVER_PIDS[base] = child.pid
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if child.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start")
            time.sleep(0.1)
        # The first request to a route pays FastAPI's one-off route set-up; not ours to time.
        httpx.get(f"{base}{SESSION}/1", timeout=10)
        yield base
    finally:
        _SERVER_PIDS.pop(base, None)
        child.terminate()
        child.wait(timeout=15)


def markdown(results: list[Result], *, seconds: float, where: str) -> str:
    """The section written between the sessions markers of docs/benchmarks.md."""
    lines = [
        "## Manual sessions under contention (`maitred bench sessions`)",
        "",
        f"N staff clients over HTTP on loopback against a 30-table restaurant, {seconds:g} s "
        "each, every client looping open-and-hold on one of 18 hot tables, then confirm "
        f"(1 in 3) or cancel; {where}. Latency per call in ms. "
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores.",
        "",
        "| N | sessions/s | open p50/p99 | confirm p50/p99 | cancel p50/p99 | all p50/p99 "
        "| server CPU ms/call | load | confirmed | conflicts | errors "
        "| double-booked table-minutes |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        def cell(kind: str, r: Result = r) -> str:
            if kind not in r.p50_ms:
                return "-"
            return f"{r.p50_ms[kind]:.1f} / {r.p99_ms[kind]:.1f}"
        cpu = "-" if r.server_cpu_ms is None else f"{r.server_cpu_ms:.2f}"
        load = "-" if r.load is None else f"{r.load:.1f}"
        lines.append(
            f"| {r.clients} | {r.rate:.1f} | {cell('open')} | {cell('confirm')} | "
            f"{cell('cancel')} | {cell('all')} | {cpu} | {load} | {r.confirmed} | "
            f"{r.conflicts} | {r.errors} | {r.double_booked_minutes:g} |")
    lines += ["", "Target: p99 <= 25 ms per call at N = 8; double-booked minutes must be 0. "
              "Latency depends on whatever else the machine runs: read it with the load "
              "column (1-minute load average at the end of the run). Server CPU per call "
              "(all its processes) depends on it less, but not nothing."]
    return "\n".join(lines)


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index] * 1000
