"""The automatic assignment routes over real HTTP: process, auto quote/confirm, assign a day."""

from __future__ import annotations

import time
from typing import Any

from tests.service.conftest import SEVEN_PM, Room

from maitred.services import bookings, locks
from maitred.worker import runner


def _state(room: Room, booking_id: int) -> str:
    with room.services.db.uow() as tx:
        return tx.bookings.get(room.restaurant_id, booking_id).state


def test_processing_is_accepted_and_a_worker_seats_the_booking(
    room: Room, member: Any, database_url: str,
) -> None:
    anna = member("host")
    booking = room.booking(3)
    answer = anna.post("/api/assignments/process", {"bookingId": booking, "trigger": "retry"})
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "accepted"
    correlation = answer.json()["correlationId"]
    services = room.services
    with runner.in_process(services.db, services.settings, database_url):
        deadline = time.monotonic() + 30
        while _state(room, booking) != "assigned":
            assert time.monotonic() < deadline, _state(room, booking)
            time.sleep(0.1)
    with services.db.connection() as conn:
        attempts = conn.execute("SELECT result, correlation_id FROM booking_assignment_attempts "
                                "WHERE booking_id = %s", [booking]).fetchall()
    assert attempts == [("assigned", correlation)]


def test_processing_a_cancelled_booking_is_a_400(room: Room, member: Any) -> None:
    anna = member("host")
    booking = room.booking(2)
    with room.services.db.uow() as tx:
        bookings.cancel_booking(tx, room.restaurant_id, booking, expected_version=1)
    answer = anna.post("/api/assignments/process", {"bookingId": booking, "trigger": "retry"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["type"] == "/problems/not-processable"
    assert answer.json()["state"] == "cancelled"


def test_processing_a_booking_while_it_is_locked_is_a_409(room: Room, member: Any) -> None:
    anna = member("host")
    booking = room.booking(2)
    with room.services.db.uow() as tx:
        locks.take(tx, locks.booking_name(booking))
        answer = anna.post("/api/assignments/process", {"bookingId": booking}, key="k-1")
    assert answer.status_code == 409, answer.text
    assert answer.json()["type"] == "/problems/lock-held"
    # Once the lock is free, the same request (same key) goes through: a 409 for a lock
    # held a moment ago is not replayed.
    again = anna.post("/api/assignments/process", {"bookingId": booking}, key="k-1")
    assert again.status_code == 202, again.text


def test_another_restaurants_booking_is_not_found(room: Room, person: Any) -> None:
    stranger = person("eve@elsewhere.test")
    booking = room.booking(2)
    answer = stranger.post("/api/assignments/process", {"bookingId": booking})
    assert answer.status_code == 404


def test_an_auto_quote_ranks_plans_holds_the_best_and_confirm_seats_there(
    room: Room, member: Any,
) -> None:
    anna = member("host")
    booking = room.booking(4)
    quote = anna.post("/api/staff/auto/quote", {"bookingId": booking})
    assert quote.status_code == 200, quote.text
    body = quote.json()
    plans = body["plans"]
    assert plans, body
    assert [p["score"] for p in plans[1:]] == sorted((p["score"] for p in plans[1:]),
                                                     reverse=True)
    assert all(p["terms"] and p["reasons"] for p in plans)
    assert body["hold"]["tableIds"] == plans[0]["tableIds"]
    assert len(body["strategies"]) >= 5
    confirmed = anna.post("/api/staff/auto/confirm", {"holdId": body["hold"]["holdId"]})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["state"] == "assigned"
    assert confirmed.json()["tableIds"] == plans[0]["tableIds"]
    again = anna.post("/api/staff/auto/confirm", {"holdId": body["hold"]["holdId"]})
    assert again.status_code == 409  # the hold is spent
    metrics = anna.get("/metrics").text
    assert 'maitred_pipeline_holds_total{event="confirmed"}' in metrics
    assert "maitred_http_requests_total" in metrics


def test_quoting_again_gives_back_the_first_quotes_tables(room: Room, member: Any) -> None:
    anna = member("host")
    booking = room.booking(2)
    first = anna.post("/api/staff/auto/quote", {"bookingId": booking}).json()
    second = anna.post("/api/staff/auto/quote", {"bookingId": booking}).json()
    with room.services.db.uow() as tx:
        live = {a.hold_id for a in tx.allocations.for_booking(room.restaurant_id, booking)
                if a.kind == "hold"}
        first_hold = tx.allocations.get_hold(room.restaurant_id, first["hold"]["holdId"])
    assert live == {second["hold"]["holdId"]}
    assert first_hold.status == "released"


def test_assign_tables_places_the_days_bookings_and_says_what_went_to_review(
    room: Room, member: Any,
) -> None:
    anna = member("host")
    pairs = [room.booking(2) for _ in range(3)]      # T1, T2, then a join or T3...
    giant = room.booking(12)                          # no table or join seats twelve
    answer = anna.post("/api/ops/dashboard/assign-tables",
                       {"restaurantId": room.restaurant_id,
                        "date": SEVEN_PM.date().isoformat()})
    assert answer.status_code == 200, answer.text
    run = answer.json()
    assert {p["bookingId"] for p in run["placed"]} == set(pairs)
    assert [r["bookingId"] for r in run["review"]] == [giant]
    assert "12" in run["review"][0]["reason"]
    assert _state(room, giant) == "manual_review"
    with room.services.db.uow() as tx:
        assert tx.allocations.overlapping_pairs(room.restaurant_id) == []
