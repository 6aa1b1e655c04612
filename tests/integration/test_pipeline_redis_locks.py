"""The Redis lock backend against a real ``redis-server`` (which ``.ci/run`` installs)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis
from tests.integration.pipeline_support import book_many, build_hall, wait_until_settled
from tests.integration.support import SmallFloor
from tests.integration.test_pipeline_coordinator import SETTINGS, create

from maitred.config import Settings
from maitred.services import locks
from maitred.services.coordinator import Coordinator
from maitred.services.telemetry import Telemetry
from maitred.store.db import Database
from maitred.worker import runner


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed (.ci/run installs it with apt-get)"
    port = _free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        server.terminate()
        server.wait(10)


def test_a_booking_is_seated_under_a_redis_lock_released_after_commit(
    db: Database, small_floor: SmallFloor, redis_url: str,
) -> None:
    held = locks.RedisLocks(redis_url, telemetry=Telemetry(), prefix="t1")
    booking = create(db, small_floor)
    outcome = Coordinator(db, SETTINGS, booking_locks=held).process(booking.id, "creation",
                                                                    version=1)
    assert outcome.outcome == "assigned"
    client = redis.Redis.from_url(redis_url)
    assert client.get(f"t1:lock:booking:{booking.id}") is None  # released
    assert client.get(f"t1:fence:booking:{booking.id}") == b"1"
    with db.connection() as conn:
        fence = conn.execute("SELECT fence FROM booking_lock_fences WHERE booking_id = %s",
                             [booking.id]).fetchone()
    assert fence == (1,)


def test_a_booking_locked_in_redis_elsewhere_is_refused(
    db: Database, small_floor: SmallFloor, redis_url: str,
) -> None:
    held = locks.RedisLocks(redis_url, telemetry=Telemetry(), prefix="t2")
    booking = create(db, small_floor)
    redis.Redis.from_url(redis_url).set(f"t2:lock:booking:{booking.id}", "99", px=30_000)
    with pytest.raises(locks.LockHeld):
        Coordinator(db, SETTINGS, booking_locks=held).process(booking.id, "creation", version=1)
    with db.uow() as tx:
        assert tx.bookings.get(small_floor.restaurant_id, booking.id).state == "pending"


def test_a_stale_lock_token_is_fenced_off_before_anything_is_written(
    db: Database, small_floor: SmallFloor, redis_url: str,
) -> None:
    held = locks.RedisLocks(redis_url, telemetry=Telemetry(), prefix="t3")
    booking = create(db, small_floor)
    # A worker holding token 5 has already been here; ours will be token 1.
    with db.connection() as conn:
        conn.execute("INSERT INTO booking_lock_fences (booking_id, fence) VALUES (%s, 5)",
                     [booking.id])
    with pytest.raises(locks.LockLost):
        Coordinator(db, SETTINGS, booking_locks=held).process(booking.id, "creation", version=1)
    with db.uow() as tx:
        assert tx.bookings.get(small_floor.restaurant_id, booking.id).state == "pending"
        assert tx.allocations.for_booking(small_floor.restaurant_id, booking.id) == []


def test_an_unreachable_redis_locks_nothing_and_assigns_nothing(
    db: Database, small_floor: SmallFloor,
) -> None:
    nowhere = f"redis://127.0.0.1:{_free_port()}/0"  # nothing listens there
    settings = Settings(database_url="postgresql://unused", lock_backend="redis",
                        redis_url=nowhere)
    booking = create(db, small_floor)
    with pytest.raises(locks.LockUnavailable):
        Coordinator(db, SETTINGS, booking_locks=locks.backend(settings)).process(
            booking.id, "creation", version=1)
    with db.uow() as tx:
        assert tx.bookings.get(small_floor.restaurant_id, booking.id).state == "pending"
        assert tx.allocations.for_booking(small_floor.restaurant_id, booking.id) == []


def test_a_worker_configured_for_redis_seats_bookings_from_the_queue(
    db: Database, database_url: str, redis_url: str,
) -> None:
    hall = build_hall(db, size=6)
    made = book_many(db, hall, 5)
    settings = Settings(database_url=database_url, lock_backend="redis", redis_url=redis_url)
    with runner.in_process(db, settings, database_url) as worker:
        wait_until_settled(db, made, timeout=60)
        assert worker.error is None
    with db.connection() as conn:
        fenced = conn.execute("SELECT count(*) FROM booking_lock_fences WHERE booking_id = "
                              "ANY(%s)", [made]).fetchone()
    assert fenced == (5,)
