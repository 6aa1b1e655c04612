"""The periodic optimizer on the real database: it applies a day that qualifies (tomorrow,
in the restaurant's time zone) and leaves a day that does not exactly as it was."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from types import SimpleNamespace
from typing import cast
from zoneinfo import ZoneInfo

import pytest
from procrastinate import App, JobContext, testing
from pydantic import ValidationError
from tests.service.conftest import Room

from maitred.config import Settings
from maitred.services import optimizer_runs
from maitred.worker import jobs, optimize_job

PARIS = ZoneInfo("Europe/Paris")


def _tomorrow_at_seven() -> datetime:
    tomorrow = datetime.now(PARIS).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(19, 0), tzinfo=PARIS)


def _book(room: Room, party: int, table: str | None = None, minutes: int = 0) -> int:
    start = _tomorrow_at_seven() + timedelta(minutes=minutes)
    with room.services.db.uow() as tx:
        booking_id = tx.bookings.create(room.restaurant_id, party_size=party, start_at=start,
                                        duration_minutes=90, source="staff").id
    if table is not None:
        room.assign(booking_id, table)
    return booking_id




def _run_job(room: Room) -> list[dict[str, object]]:
    context = SimpleNamespace(additional_context={"db": room.services.db,
                                                  "settings": room.services.settings})
    return optimize_job.optimize(cast(JobContext, context), 0)


def test_the_job_applies_a_day_that_qualifies(room: Room) -> None:
    room.set_policy(merges_enabled=False)
    two = _book(room, 2, "T4")            # a two on the six-top
    six = _book(room, 6)                  # and a six waiting
    assert optimizer_runs.due_days(room.services.db) == [
        (room.restaurant_id, _tomorrow_at_seven().date())]
    [run] = _run_job(room)
    assert run["applied"] is True, run
    assert run["moves"] == 2
    assert room.table_ids(six) == [room.tables["T4"]]
    assert room.table_ids(two) != [room.tables["T4"]]
    with room.services.db.uow() as tx:
        assert tx.bookings.get(room.restaurant_id, six).state == "assigned"
        assert tx.allocations.overlapping_pairs(room.restaurant_id) == []
        assert [e.kind for e in tx.events.since(room.restaurant_id, 0)].count(
            "optimizer.applied") == 1
    # The next run finds nothing to do.
    [again] = _run_job(room)
    assert again["applied"] is False
    assert str(again["reason"]).startswith("nothing to do")


def test_the_job_leaves_a_day_below_the_threshold_alone(room: Room) -> None:
    room.set_policy(merges_enabled=False)
    seated = [_book(room, party, label)
              for label, party in (("T1", 2), ("T2", 2), ("T3", 4), ("T4", 4))]
    late = _book(room, 1, minutes=150)    # +1 cover on 12: 8 %, below 10 %
    with room.services.db.uow() as tx:
        seq = tx.events.last_seq(room.restaurant_id)
    [run] = _run_job(room)
    assert run["applied"] is False
    assert str(run["reason"]).startswith("below threshold")
    assert room.table_ids(late) == []
    assert [room.table_ids(b) for b in seated] == [
        [room.tables[label]] for label in ("T1", "T2", "T3", "T4")]
    with room.services.db.uow() as tx:
        assert tx.events.since(room.restaurant_id, seq) == []


def test_no_day_is_due_without_bookings_to_come(room: Room) -> None:
    assert optimizer_runs.run_due(room.services.db, room.services.settings) == []


def test_the_job_is_registered_periodically_with_a_queueing_lock() -> None:
    app = App(connector=testing.InMemoryConnector())
    jobs.register(app, Settings(optimizer_every_minutes=5))
    task = app.tasks[optimize_job.TASK]
    assert task.queueing_lock == optimize_job.TASK
    [periodic] = [p for p in app.periodic_registry.periodic_tasks.values()
                  if p.task.name == optimize_job.TASK]
    assert periodic.cron == "*/5 * * * *"
    assert Settings().optimizer_every_minutes == 10
    for bad in (0, 61):
        with pytest.raises(ValidationError, match="optimizer_every_minutes"):
            Settings(optimizer_every_minutes=bad)
