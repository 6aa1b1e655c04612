"""``POST /api/ops/optimize`` over real HTTP: the offline re-plan of a day as a proposal.

The Bistro's main room (:class:`tests.service.conftest.Room`), joins switched off: T1, T2
(2 seats), T3 (4), T4 (6). A party of two the pipeline put on T4 at 19:00 leaves a party of
six at 19:00 waiting; the re-plan moves the two to a two-top and seats the six at T4.
"""

from __future__ import annotations

from typing import Any

from tests.http_fixtures import Person
from tests.service.conftest import Room

PATH = "/api/ops/optimize"
DAY = "2030-06-14"








def _day(room: Room, source: str = "auto") -> tuple[int, int]:
    """A two on T4 (placed with ``source``) and a six waiting, both at 19:00."""
    room.set_policy(merges_enabled=False)
    two = room.booking(2)
    six = room.booking(6)
    room.assign(two, "T4", source)
    room.to_review(six)
    return two, six


def _optimize(owner: Person, room: Room, **extra: Any) -> Any:
    answer = owner.client.post(PATH, headers=owner.headers, json={
        "restaurantId": room.restaurant_id, "date": DAY, **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_optimize_proposes_moving_a_greedy_two_to_seat_a_waiting_six(
    owner: Person, room: Room,
) -> None:
    two, six = _day(room)
    body = _optimize(owner, room)     # no Idempotency-Key: a proposal writes nothing
    assert body["applied"] is False
    assert body["reason"].startswith("proposal only")
    assert body["threshold"] == 0.1
    diff = {m["bookingId"]: m for m in body["diff"]}
    assert set(diff) == {two, six}
    assert diff[six]["fromTableIds"] == []
    assert diff[six]["toTableIds"] == [room.tables["T4"]]
    assert diff[six]["toTables"] == ["T4"]
    assert "waiting" in diff[six]["why"]
    assert diff[two]["fromTableIds"] == [room.tables["T4"]]
    assert diff[two]["toTables"] in (["T1"], ["T2"], ["T3"])
    assert "make room" in diff[two]["why"]
    assert body["movesUsed"] == 2
    assert (body["coversBefore"], body["coversAfter"]) == (2, 8)
    assert (body["scoreBefore"], body["scoreAfter"]) == (2, 8)
    assert body["waitingBefore"] == [six]
    assert body["waitingAfter"] == []
    assert body["engine"]["status"]
    assert body["engine"]["runs"] == 1
    if body["engine"]["gap"] is not None:
        assert body["engine"]["gap"] == 0.0
    # Only a proposal: the day is as it was.
    assert room.table_ids(two) == [room.tables["T4"]]
    assert room.table_ids(six) == []


def test_max_moves_caps_the_moves_and_no_assigned_party_loses_its_table(
    owner: Person, room: Room,
) -> None:
    two, six = _day(room)
    for cap in (0, 1):
        body = _optimize(owner, room, maxMoves=cap)
        assert body["maxMoves"] == cap
        assert body["movesUsed"] <= cap
        assert len(body["diff"]) == body["movesUsed"]
        # Seating the six needs two moves; with fewer the two stays on T4.
        assert two not in {m["bookingId"] for m in body["diff"]}
        assert body["coversAfter"] >= body["coversBefore"] == 2
        assert two not in body["waitingAfter"]
        assert six in body["waitingAfter"]
    assert _optimize(owner, room, maxMoves=2)["movesUsed"] == 2


def test_a_manual_assignment_is_never_moved(owner: Person, room: Room) -> None:
    two, six = _day(room, source="manual")
    body = _optimize(owner, room)
    assert body["diff"] == []
    assert body["movesUsed"] == 0
    assert two in body["bookingsFixed"]
    assert body["waitingAfter"] == [six]
    assert (body["coversBefore"], body["coversAfter"]) == (2, 2)


def test_a_locked_booking_is_never_moved(owner: Person, room: Room) -> None:
    two, six = _day(room)
    with room.services.db.uow() as tx:
        booking = tx.bookings.get(room.restaurant_id, two)
        tx.bookings.update(room.restaurant_id, two, expected_version=booking.version,
                           locked=True)
    body = _optimize(owner, room)
    assert body["diff"] == []
    assert two in body["bookingsFixed"]
    assert body["waitingAfter"] == [six]


def test_apply_needs_a_key_and_a_manager_and_strangers_get_404(
    owner: Person, room: Room, person: Any, member: Any,
) -> None:
    two, six = _day(room)
    refused = owner.client.post(PATH, headers=owner.headers, json={
        "restaurantId": room.restaurant_id, "date": DAY, "apply": True})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["field"] == "Idempotency-Key"
    host: Person = member("host")
    forbidden = host.post(PATH, {"restaurantId": room.restaurant_id, "date": DAY,
                                 "apply": True})
    assert forbidden.status_code == 403, forbidden.text
    # Neither refusal wrote anything.
    assert room.table_ids(two) == [room.tables["T4"]]
    assert room.table_ids(six) == []
    bad = owner.post(PATH, {"restaurantId": room.restaurant_id, "date": DAY, "maxMoves": -1})
    assert bad.status_code == 422
    assert bad.json()["field"] == "maxMoves"
    stranger: Person = person("stranger@elsewhere.test")
    hidden = stranger.post(PATH, {"restaurantId": room.restaurant_id, "date": DAY})
    assert hidden.status_code == 404, hidden.text
    missing = owner.post(PATH, {"restaurantId": 2**40, "date": DAY})
    assert missing.status_code == 404


def test_held_tables_and_seated_parties_are_kept(owner: Person, room: Room) -> None:
    two, six = _day(room)
    held = room.booking(2)
    with room.services.db.uow() as tx:
        booking = tx.bookings.get(room.restaurant_id, held)
        tx.allocations.hold(room.restaurant_id, held, [room.tables["T1"], room.tables["T2"]],
                            booking.start_at, booking.end_at, ttl_seconds=600)
    body = _optimize(owner, room)
    diff = {m["bookingId"]: m for m in body["diff"]}
    assert diff[two]["toTables"] == ["T3"]       # T1 and T2 are held by a host
    assert diff[six]["toTables"] == ["T4"]
    assert held not in diff                      # a host is seating it by hand
    seated = room.booking(4)
    room.assign(seated, "T3", "auto")
    with room.services.db.uow() as tx:
        booking = tx.bookings.get(room.restaurant_id, seated)
        assert tx.bookings.transition_logged(
            room.restaurant_id, seated, to_state="seated", from_state="assigned",
            expected_version=booking.version, actor="test") is not None
    body = _optimize(owner, room)
    assert body["diff"] == []                    # nowhere left for the two to go
    assert seated not in {m["bookingId"] for m in body["diff"]}
