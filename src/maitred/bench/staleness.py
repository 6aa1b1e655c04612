"""``maitred bench staleness``: how old is the availability a guest or host is shown?

A real server (uvicorn in a child process) and real ``maitred worker`` processes, over a
PostgreSQL that records commit timestamps, under a bounded write load: a few staff
clients looping manual sessions (open and hold, then confirm 1 in 3 or cancel) and a
stream of new bookings posted at a set rate that the pipeline seats. Meanwhile reader
clients poll ``GET /api/restaurants/{id}/availability`` for the day.

The age of a served answer, exactly: the answer names the restaurant's event sequence
``s`` it reflects. If the restaurant's event ``s + 1`` had committed when the answer was
received, the answer was missing a committed change, and its age is the time since the
first change it misses: ``received - commit time of event s + 1``. Otherwise the answer
was current, and its age is 0. Commit times come from PostgreSQL itself
(``track_commit_timestamp``: ``pg_xact_commit_timestamp(xmin)`` of each event row); the
receipt time is the client's wall clock right after the body arrived (the same machine's
clock as the database's, over loopback). Both choices err on the old side: receipt is
after the server sent the answer, and the answer may reflect more than ``s`` (the read
takes the sequence first; see :mod:`maitred.services.availability`). Events of one
restaurant commit in sequence order (the counter row stays locked until commit), so
"event ``s + 1`` committed" is exactly "a change newer than the answer was committed".
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from maitred.bench import pipeline as bench_pipeline
from maitred.bench import sessions as bench_sessions
from maitred.services import staff
from maitred.store import schema
from maitred.store.db import Database
from maitred.store.server import EmbeddedServer

DAY = date(2031, 3, 3)                              # a Monday: the day readers watch
DAYS = 3                                            # writes spread over DAY and the next
FIRST_START = datetime(2031, 3, 3, 17, 0, tzinfo=UTC)   # 18:00 in Paris
TARGET_P99_MS = 100.0
LIMIT_MAX_MS = 1000.0


@dataclass(frozen=True, slots=True)
class Load:
    """The write and read load of one run."""

    seconds: float = 20.0
    staff: int = 3                  # clients looping manual sessions
    readers: int = 4                # clients polling availability
    booking_rate: float = 10.0      # new bookings per second, seated by the pipeline
    read_pause: float = 0.01        # seconds a reader waits between two polls
    seed: int = 6


@dataclass(frozen=True, slots=True)
class Place:
    """The bench restaurant: its id, contested tables, bookings and staff tokens."""

    id: int
    hot: list[int]
    bookings: list[int]             # for the manual sessions (not queued for the pipeline)
    staff_tokens: list[str]
    reader_tokens: list[str]
    booker_token: str


@dataclass(frozen=True, slots=True)
class Served:
    """One availability answer: when it arrived (epoch seconds) and what it reflects."""

    received: float
    sequence: int
    reported_age_ms: float          # the server's own "ageMs": the age of its read
    latency: float


@dataclass
class Readings:
    served: list[Served] = field(default_factory=list)
    errors: int = 0


@dataclass
class Bookings:
    posted: list[int] = field(default_factory=list)
    errors: int = 0


@dataclass(frozen=True, slots=True)
class Result:
    load: Load
    seconds: float
    requests: int
    read_errors: int
    ages_ms: list[float]            # sorted
    stale: int                      # answers missing at least one committed change
    reported_ms: list[float]        # sorted
    latencies_ms: list[float]       # sorted
    events: int                     # committed during the load
    sessions: int
    session_errors: int
    bookings_posted: int
    booking_errors: int
    bookings_assigned: int

    def age(self, pct: float) -> float:
        return percentile(self.ages_ms, pct)

    @property
    def max_age_ms(self) -> float:
        return self.ages_ms[-1] if self.ages_ms else 0.0

    def rate(self, count: int) -> float:
        return count / self.seconds if self.seconds else 0.0


# -- the age of an answer ----------------------------------------------------------------

def commit_times(db: Database, restaurant_id: int, after: int = 0) -> dict[int, float]:
    """Each event's commit time (epoch seconds, the database's clock) by sequence number.

    Needs ``track_commit_timestamp = on`` from before the events committed.
    """
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT seq, extract(epoch FROM pg_xact_commit_timestamp(xmin)) "
            "FROM restaurant_events WHERE restaurant_id = %s AND seq > %s ORDER BY seq",
            (restaurant_id, after)).fetchall()
    missing = [seq for seq, at in rows if at is None]
    if missing:
        raise RuntimeError(f"no commit timestamp for events {missing[:5]}: the server must "
                           "run with track_commit_timestamp = on")
    return {int(seq): float(at) for seq, at in rows}


def age_of(served: Served, commits: Mapping[int, float]) -> float:
    """Seconds between the first committed change the answer misses and its receipt (0 when
    it missed none)."""
    first_missed = commits.get(served.sequence + 1)
    if first_missed is None or first_missed > served.received:
        return 0.0
    return served.received - first_missed


def ages(served: Sequence[Served], commits: Mapping[int, float]) -> list[float]:
    return [age_of(s, commits) for s in served]


# -- a database that records commit times ------------------------------------------------

def tracks_commit_times(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SHOW track_commit_timestamp").fetchone()
    return bool(row and row[0] == "on")


@contextlib.contextmanager
def commit_timed_server(*, throwaway: bool = False) -> Iterator[str]:
    """A fresh embedded PostgreSQL with ``track_commit_timestamp = on``, migrated; its URL.

    The setting needs a server restart, so the server starts, is told, and starts again.
    """
    with tempfile.TemporaryDirectory(prefix="maitred-staleness-") as folder:
        server = EmbeddedServer(Path(folder), throwaway=throwaway)
        url = server.start()
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("ALTER SYSTEM SET track_commit_timestamp = on")
            server.stop()
            url = server.start()
            schema.migrate(url)
            yield url
        finally:
            server.stop()


# -- the restaurant and the load ---------------------------------------------------------

def build(db: Database, load: Load, bookings_per_client: int = 150) -> Place:
    """A 30-table restaurant (three rooms of ten) serving dinner 18:00-23:00, parties for
    the staff clients over a few evenings, and a token for every client."""
    with db.uow(actor="bench") as tx:
        r = tx.restaurants.create("Staleness bench", timezone="Europe/Paris").id
        tx.restaurants.add_service_period(r, clock(18), clock(23), name="dinner")
        hot = bench_sessions.three_rooms(tx, r)
        rng = random.Random(load.seed)
        bookings = [tx.bookings.create(
            r, party_size=2, duration_minutes=90, source="staff",
            start_at=_evening(rng)).id for _ in range(load.staff * bookings_per_client)]

        def token(kind: str, i: int) -> str:
            member = staff.grant(tx, r, f"{kind}{i}.r{r}@staleness.bench", "host",
                                 f"{kind.title()} {i}")
            return staff.issue_token(tx, member.staff_id, "bench").token

        return Place(r, hot, bookings, [token("host", i) for i in range(load.staff)],
                     [token("reader", i) for i in range(load.readers)], token("booker", 0))


def _evening(rng: random.Random) -> datetime:
    return FIRST_START + timedelta(days=rng.randrange(DAYS), minutes=15 * rng.randrange(15))


def _connection(base: str) -> http.client.HTTPConnection:
    parts = urlsplit(base)
    return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)


def read_loop(base: str, token: str, restaurant_id: int, stop: float, pause: float,
              readings: Readings, seed: int) -> None:
    """One screen polling the day's availability, for a party of 2 to 6."""
    rng = random.Random(seed)
    conn = _connection(base)
    headers = {"Authorization": f"Bearer {token}"}
    try:
        while time.perf_counter() < stop:
            path = (f"/api/restaurants/{restaurant_id}/availability?date={DAY.isoformat()}"
                    f"&partySize={rng.randint(2, 6)}")
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            answer = conn.getresponse()
            raw = answer.read()
            received = time.time()  # before parsing: the moment it arrived
            latency = time.perf_counter() - started
            if answer.status != 200:
                readings.errors += 1
            else:
                body = json.loads(raw)
                readings.served.append(Served(received, int(body["sequence"]),
                                              float(body["ageMs"]), latency))
            if pause:
                time.sleep(pause)
    finally:
        conn.close()


def booking_loop(base: str, token: str, restaurant_id: int, stop: float, rate: float,
                 booked: Bookings, seed: int) -> None:
    """Phone bookings at ``rate`` per second, each queued for the pipeline to seat."""
    rng = random.Random(seed)
    conn = _connection(base)
    path = f"/api/restaurants/{restaurant_id}/bookings"
    started = time.perf_counter()
    n = 0
    try:
        while (due := started + n / rate) < stop:
            time.sleep(max(0.0, due - time.perf_counter()))
            n += 1
            body = {"partySize": rng.randint(2, 6), "startAt": _evening(rng).isoformat(),
                    "source": "phone"}
            conn.request("POST", path, body=json.dumps(body).encode(), headers={
                "Authorization": f"Bearer {token}", "Idempotency-Key": f"stale-{seed}-{n}",
                "Content-Type": "application/json"})
            answer = conn.getresponse()
            raw = answer.read()
            if answer.status == 201:
                booked.posted.append(int(json.loads(raw)["id"]))
            else:
                booked.errors += 1
    finally:
        conn.close()


def run(db: Database, base: str, place: Place, load: Load) -> Result:
    """The load against the server at ``base`` (its workers running), then the ages."""
    first_seq = _last_seq(db, place.id)
    readings = [Readings() for _ in range(load.readers)]
    tallies = [bench_sessions.Tally() for _ in range(load.staff)]
    booked = Bookings()
    share = len(place.bookings) // max(1, load.staff)
    started = time.perf_counter()
    stop = started + load.seconds
    threads = [threading.Thread(target=bench_sessions.client_loop, args=(
        base, place.staff_tokens[i], place.bookings[i * share:(i + 1) * share], place.hot,
        stop, tallies[i], load.seed * 1000 + i)) for i in range(load.staff)]
    threads += [threading.Thread(target=read_loop, args=(
        base, place.reader_tokens[i], place.id, stop, load.read_pause, readings[i],
        load.seed * 2000 + i)) for i in range(load.readers)]
    if load.booking_rate > 0:
        threads.append(threading.Thread(target=booking_loop, args=(
            base, place.booker_token, place.id, stop, load.booking_rate, booked, load.seed)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    served = [s for r in readings for s in r.served]
    commits = commit_times(db, place.id, after=min([first_seq, *(s.sequence for s in served)]))
    found = ages(served, commits)
    return Result(
        load, elapsed, len(served), sum(r.errors for r in readings),
        sorted(a * 1000 for a in found), sum(a > 0 for a in found),
        sorted(s.reported_age_ms for s in served), sorted(s.latency * 1000 for s in served),
        _last_seq(db, place.id) - first_seq, sum(t.sessions for t in tallies),
        sum(t.errors for t in tallies), len(booked.posted), booked.errors,
        _assigned(db, booked.posted))


def measure(url: str, load: Load, *, uvicorn_workers: int = 1,
            pipeline_workers: int = 1) -> Result:
    """Build the restaurant, start the server and the workers, run the load."""
    with Database(url, min_size=1, max_size=4) as db:
        place = build(db, load)
        with bench_pipeline.worker_processes(url, pipeline_workers), \
                bench_sessions.serving(url, uvicorn_workers) as base:
            bench_pipeline.wait_for_workers(db, pipeline_workers, timeout=60)
            _warm_up(base, place)
            return run(db, base, place, load)


def _warm_up(base: str, place: Place) -> None:
    # The first availability request pays the route's set-up and the feed's LISTEN
    # connection: once per process, not what the bench is about.
    conn = _connection(base)
    try:
        for _ in range(3):
            conn.request("GET", f"/api/restaurants/{place.id}/availability?date="
                         f"{DAY.isoformat()}&partySize=2",
                         headers={"Authorization": f"Bearer {place.reader_tokens[0]}"})
            conn.getresponse().read()
    finally:
        conn.close()


def _last_seq(db: Database, restaurant_id: int) -> int:
    with db.uow() as tx:
        return tx.events.last_seq(restaurant_id)


def _assigned(db: Database, ids: list[int]) -> int:
    with db.connection() as conn:
        row = conn.execute("SELECT count(*) FROM bookings WHERE id = ANY(%s) AND "
                           "state = 'assigned'", [ids]).fetchone()
    return int(row[0]) if row else 0


# -- the report --------------------------------------------------------------------------

def percentile(ordered: Sequence[float], pct: float) -> float:
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def markdown(result: Result, *, where: str) -> str:
    """The section written between the staleness markers of docs/benchmarks.md."""
    r, load = result, result.load
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join([
        "## Availability staleness under writes (`maitred bench staleness`)", "",
        f"{load.seconds:g} s of load on one 30-table restaurant over HTTP on loopback: "
        f"{load.staff} staff clients looping manual sessions (open and hold a contested "
        f"table, confirm 1 in 3 or cancel), {load.booking_rate:g} new bookings/s seated by "
        f"the pipeline, and {load.readers} readers polling the day's availability (party of "
        f"2 to 6, {load.read_pause * 1000:g} ms between polls); {where}. Age of an answer: "
        "from the commit of the first event it does not reflect (`sequence` + 1, "
        "PostgreSQL commit timestamps) to its receipt by the client; 0 when it reflects "
        f"every committed change. Measured {when} on {os.cpu_count()} cores shared with "
        "other work.", "",
        "| answers served | stale (missing a change) | age p50 ms | age p99 ms | age max ms "
        "| read p50 / p99 ms | server's read age p99 ms | errors |",
        "|---|---|---|---|---|---|---|---|",
        f"| {r.requests} | {r.stale} ({r.stale / max(1, r.requests):.0%}) | {r.age(50):.1f} "
        f"| {r.age(99):.1f} | {r.max_age_ms:.1f} | {percentile(r.latencies_ms, 50):.1f} / "
        f"{percentile(r.latencies_ms, 99):.1f} | {percentile(r.reported_ms, 99):.1f} "
        f"| {r.read_errors} |", "",
        "| writes | count | per second |",
        "|---|---|---|",
        f"| events committed (all kinds) | {r.events} | {r.rate(r.events):.1f} |",
        f"| manual sessions opened | {r.sessions} | {r.rate(r.sessions):.1f} |",
        f"| bookings posted ({r.booking_errors} refused) | {r.bookings_posted} | "
        f"{r.rate(r.bookings_posted):.1f} |",
        f"| of which seated by the pipeline by the end | {r.bookings_assigned} | - |", "",
        f"Target: p99 <= {TARGET_P99_MS:g} ms; the maximum must be <= {LIMIT_MAX_MS:g} ms.",
    ])


def summary(result: Result) -> str:
    r = result
    return (f"{r.requests} answers, {r.stale} stale; age p50 {r.age(50):.1f} ms, p99 "
            f"{r.age(99):.1f} ms, max {r.max_age_ms:.1f} ms; {r.rate(r.events):.1f} events/s, "
            f"{r.rate(r.sessions):.1f} sessions/s, {r.rate(r.bookings_posted):.1f} bookings/s")

