"""``POST /api/ops/optimize`` with ``apply: true`` on the real database: one transaction,
history and the ``optimizer.applied`` event, the threshold, and races with other writers.

The Bistro's main room (:class:`tests.service.conftest.Room`), joins switched off: T1, T2
(2 seats), T3 (4), T4 (6), all parties at 19:00 unless said otherwise.
"""

from __future__ import annotations

import threading
import uuid
from datetime import date
from typing import Any

from tests.http_fixtures import Person
from tests.service.conftest import Room

from maitred import errors
from maitred.services import optimizer_apply
from maitred.services.optimizer import Proposal
from maitred.store.db import UnitOfWork

PATH = "/api/ops/optimize"
DAY = "2030-06-14"








def _apply(owner: Person, room: Room, key: str | None = None, **extra: Any) -> Any:
    answer = owner.post(PATH, {"restaurantId": room.restaurant_id, "date": DAY,
                               "apply": True, **extra}, key=key or str(uuid.uuid4()))
    assert answer.status_code == 200, answer.text
    return answer


def _no_overlap(room: Room) -> None:
    with room.services.db.uow() as tx:
        assert tx.allocations.overlapping_pairs(room.restaurant_id) == []


def _chain(room: Room) -> tuple[int, int, int]:
    """A four on T4 (made first), a two on T3, a six waiting: seating the six moves the
    four to T3 while the two still holds it (ids in that order), then the two to a two-top.
    Writing the four's new row before the two's old one is gone needs the deferred
    exclusion constraint."""
    room.set_policy(merges_enabled=False)
    four = room.booking(4)
    two = room.booking(2)
    six = room.booking(6)
    room.assign(four, "T4")
    room.assign(two, "T3")
    return four, two, six


def test_apply_moves_a_chain_in_one_transaction_with_history_and_one_event(
    owner: Person, room: Room,
) -> None:
    four, two, six = _chain(room)
    with room.services.db.uow() as tx:
        seq = tx.events.last_seq(room.restaurant_id)
    key = str(uuid.uuid4())
    answer = _apply(owner, room, key)
    body = answer.json()
    assert body["applied"] is True, body
    assert "threshold 10%" in body["reason"]
    assert body["attempts"] == 1
    assert (body["scoreBefore"], body["scoreAfter"]) == (6, 12)
    assert {m["bookingId"] for m in body["diff"]} == {four, two, six}
    assert room.labels(four) == ["T3"]
    assert room.labels(two) in (["T1"], ["T2"])
    assert room.labels(six) == ["T4"]
    _no_overlap(room)
    with room.services.db.uow() as tx:
        rid = room.restaurant_id
        assert {a.source for b in (four, two, six)
                for a in tx.allocations.assignments(rid, b)} == {"optimizer"}
        assert tx.bookings.get(rid, six).state == "assigned"
        for booking_id in (four, two, six):
            last = tx.history.list(rid, booking_id)[-1]
            assert last.to_state == "assigned"
            assert last.actor == "optimizer"
            assert "optimizer" in last.reason
        moved_four = tx.history.list(rid, four)[-1]
        assert moved_four.from_state == "assigned"
        assert moved_four.metadata["from_table_ids"] == [room.tables["T4"]]
        assert moved_four.metadata["to_table_ids"] == [room.tables["T3"]]
        assert moved_four.metadata["requested_by"] == f"staff:{owner.id}"
        events = tx.events.since(rid, seq)
    applied = [e for e in events if e.kind == "optimizer.applied"]
    assert len(applied) == 1
    assert {m["booking_id"] for m in applied[0].payload["moves"]} == {four, two, six}
    assert applied[0].payload["covers_after"] == 12
    # A replay answers the first result and writes nothing more.
    again = _apply(owner, room, key)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == body
    with room.services.db.uow() as tx:
        assert [e for e in tx.events.since(room.restaurant_id, seq)
                if e.kind == "optimizer.applied"] == applied
    # The day is now the best plan: a fresh apply has nothing to do.
    fresh = _apply(owner, room).json()
    assert fresh["applied"] is False
    assert fresh["reason"].startswith("nothing to do")


def _full_evening(room: Room, threshold: float | None = None) -> int:
    """Every table taken at 19:00 (12 covers), and a party of one at 21:00 waiting: seating
    it gains 1/12 = 8.3 %, below the default 10 %."""
    policy: dict[str, object] = {"merges_enabled": False}
    if threshold is not None:
        policy["optimizer_threshold"] = threshold
    room.set_policy(**policy)
    for label, party in (("T1", 2), ("T2", 2), ("T3", 4), ("T4", 4)):
        room.assign(room.booking(party), label)
    return room.booking(1, minutes_after_seven=120)


def test_a_proposal_below_the_threshold_is_not_applied(owner: Person, room: Room) -> None:
    late = _full_evening(room)
    body = _apply(owner, room).json()
    assert body["applied"] is False
    assert body["reason"].startswith("below threshold")
    assert (body["scoreBefore"], body["scoreAfter"]) == (12, 13)
    assert [m["bookingId"] for m in body["diff"]] == [late]
    assert room.labels(late) == []
    with room.services.db.uow() as tx:
        assert tx.bookings.get(room.restaurant_id, late).state == "pending"


def test_a_lower_threshold_lets_the_same_gain_through(owner: Person, room: Room) -> None:
    late = _full_evening(room, threshold=0.05)
    body = _apply(owner, room).json()
    assert body["applied"] is True
    assert body["threshold"] == 0.05
    assert len(room.labels(late)) == 1


def test_seating_a_manual_review_booking_qualifies_whatever_the_gain(
    owner: Person, room: Room,
) -> None:
    late = _full_evening(room)
    room.to_review(late)
    body = _apply(owner, room).json()
    assert body["applied"] is True
    assert "manual_review" in body["reason"]
    assert len(room.labels(late)) == 1
    with room.services.db.uow() as tx:
        booking = tx.bookings.get(room.restaurant_id, late)
        assert booking.state == "assigned"
        last = tx.history.list(room.restaurant_id, late)[-1]
        assert (last.from_state, last.to_state) == ("manual_review", "assigned")


def _run_in(room: Room) -> Any:
    def run(work: optimizer_apply.Work) -> optimizer_apply.Outcome:
        with room.services.db.uow(actor="test") as tx:
            return work(tx)
    return run


def test_a_concurrent_confirm_between_propose_and_apply_makes_it_retry_on_fresh_data(
    room: Room,
) -> None:
    four, two, six = _chain(room)
    rival = room.booking(2)
    names = {v: k for k, v in room.tables.items()}
    taken: list[str] = []

    def confirm_first(tx: UnitOfWork, proposal: Proposal, number: int) -> None:  # noqa: ARG001
        if number == 1:
            # Another host confirms a rival two on the very two-top the proposal gives our
            # two, committed in its own transaction before the apply writes.
            move = next(m for m in proposal.moves if m.booking_id == two)
            taken.append(names[move.to_table_ids[0]])
            room.assign(rival, taken[0])

    outcome = optimizer_apply.with_retries(_run_in(room), room.services.settings,
                                           room.restaurant_id, date.fromisoformat(DAY),
                                           hook=confirm_first)
    assert outcome.applied is True
    assert outcome.attempts == 2          # the first attempt lost the race, the second won
    assert room.labels(rival) == taken  # the confirm won its table
    assert room.labels(two) == [{"T1": "T2", "T2": "T1"}[taken[0]]]
    assert room.labels(four) == ["T3"]
    assert room.labels(six) == ["T4"]
    _no_overlap(room)


def test_losing_every_race_gives_up_after_the_bounded_retries(room: Room) -> None:
    four, two, six = _chain(room)
    rivals: list[int] = []

    def always_first(tx: UnitOfWork, proposal: Proposal, number: int) -> None:  # noqa: ARG001
        # Every time, another host takes the table the proposal gives our two (and lets go
        # of the one taken last time, so each fresh proposal finds a way again).
        move = next(m for m in proposal.moves if m.booking_id == two)
        with room.services.db.uow() as other:
            if rivals:
                other.allocations.unassign(room.restaurant_id, rivals[-1])
            rival = other.bookings.create(room.restaurant_id, party_size=2,
                                          start_at=proposal.windows[two][0],
                                          duration_minutes=90, source="staff")
            other.allocations.assign(room.restaurant_id, rival.id, list(move.to_table_ids),
                                     rival.start_at, rival.end_at, source="manual")
            rivals.append(rival.id)

    outcome = optimizer_apply.with_retries(_run_in(room), room.services.settings,
                                           room.restaurant_id, date.fromisoformat(DAY),
                                           hook=always_first)
    assert outcome.applied is False
    assert outcome.reason.startswith(f"lost a race {optimizer_apply.MAX_ATTEMPTS} times")
    assert len(rivals) == optimizer_apply.MAX_ATTEMPTS
    assert room.labels(four) == ["T4"]
    assert room.labels(two) == ["T3"]
    assert room.labels(six) == []
    _no_overlap(room)


def test_an_apply_racing_a_confirm_in_another_thread_never_double_books(room: Room) -> None:
    four, two, six = _chain(room)
    rival = room.booking(2)
    gate = threading.Barrier(2)
    results: dict[str, object] = {}

    def host() -> None:
        gate.wait()
        try:
            room.assign(rival, "T1")
            results["host"] = "seated"
        except errors.TableUnavailable as exc:
            results["host"] = exc

    def optimizer() -> None:
        gate.wait()
        results["optimizer"] = optimizer_apply.with_retries(
            _run_in(room), room.services.settings, room.restaurant_id,
            date.fromisoformat(DAY))

    threads = [threading.Thread(target=host), threading.Thread(target=optimizer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    outcome = results["optimizer"]
    assert isinstance(outcome, optimizer_apply.Outcome)
    assert outcome.applied is True       # T2 stays free whoever wins T1
    _no_overlap(room)
    assert room.labels(six) == ["T4"]
    assert room.labels(four) == ["T3"]
    if results["host"] == "seated":
        assert room.labels(rival) == ["T1"]
        assert room.labels(two) == ["T2"]
    else:                                 # the optimizer got T1 first; the host was told
        assert isinstance(results["host"], errors.TableUnavailable)
        assert room.labels(rival) == []
