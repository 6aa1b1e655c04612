"""The older validate → hold → confirm routes and the ops routes, over the same services."""

from __future__ import annotations

from typing import Any

from tests.service.conftest import Room

MANUAL = "/api/staff/manual"


def test_context_version_ignores_a_hold_at_another_time_but_not_one_in_the_window(
    room: Room, member: Any,
) -> None:
    anna, bob = member("host"), member("host")
    dinner = room.booking(4)
    lunch = room.booking(4, minutes_after_seven=-6 * 60)
    clash = room.booking(4, minutes_after_seven=30)
    first = anna.get(f"{MANUAL}/context", params={"bookingId": dinner})
    assert first.status_code == 200, first.text
    assert {t["label"] for t in first.json()["tables"]} == {"T1", "T2", "T3", "T4"}
    version = first.json()["contextVersion"]
    bob.post(f"{MANUAL}/session", {"bookingId": lunch, "tableIds": [room.tables["T3"]]})
    assert anna.get(f"{MANUAL}/context",
                    params={"bookingId": dinner}).json()["contextVersion"] == version
    bob.post(f"{MANUAL}/session", {"bookingId": clash, "tableIds": [room.tables["T4"]]})
    later = anna.get(f"{MANUAL}/context", params={"bookingId": dinner}).json()
    assert later["contextVersion"] != version
    assert {t["label"]: t["free"] for t in later["tables"]}["T4"] is False
    stale = anna.post(f"{MANUAL}/validate", {"bookingId": dinner, "tableIds": [room.tables["T3"]],
                                             "contextVersion": version})
    assert stale.status_code == 409
    assert stale.json()["type"] == "/problems/stale-context"
    assert stale.json()["current"] == later["contextVersion"]


def test_validate_judges_without_holding(room: Room, member: Any) -> None:
    anna = member("host")
    booking = room.booking(5)
    answer = anna.post(f"{MANUAL}/validate", {"bookingId": booking,
                                              "tableIds": [room.tables["T3"]]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["valid"] is False
    assert answer.json()["violations"][0]["kind"] == "party_too_large"
    fine = anna.post(f"{MANUAL}/validate", {"bookingId": booking,
                                            "tableIds": [room.tables["T4"]]}).json()
    assert fine["valid"] is True
    with room.services.db.uow() as tx:
        assert tx.allocations.for_booking(room.restaurant_id, booking) == []


def test_hold_then_confirm_seats_the_booking_even_with_sessions_switched_off(
    room: Room, member: Any,
) -> None:
    room.set_policy(manual_assignment_session_enabled=False)
    anna = member("host")
    booking = room.booking(4)
    held = anna.post(f"{MANUAL}/hold", {"bookingId": booking, "tableIds": [room.tables["T3"]]})
    assert held.status_code == 200, held.text
    assert held.json()["state"] == "HELD"
    done = anna.post(f"{MANUAL}/confirm", {"holdId": held.json()["holdId"]})
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "CONFIRMED"
    tables = anna.get(f"/api/ops/bookings/{booking}/tables").json()
    assert [t["label"] for t in tables["tables"]] == ["T3"]
    assert tables["state"] == "assigned"


def test_holding_a_kept_table_is_a_409_naming_table_holder_and_time(
    room: Room, member: Any,
) -> None:
    anna, bob = member("host"), member("host")
    first, second = room.booking(4), room.booking(4, minutes_after_seven=45)
    anna.post(f"{MANUAL}/hold", {"bookingId": first, "tableIds": [room.tables["T3"]]})
    refused = bob.post(f"{MANUAL}/hold", {"bookingId": second, "tableIds": [room.tables["T3"]]})
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["type"] == "/problems/table-unavailable"
    assert problem["tableId"] == room.tables["T3"]
    assert problem["holderBookingId"] == first
    assert problem["holderStaffId"] == anna.id
    assert problem["freeAt"] is not None
    assert "T3" in problem["detail"]


def test_ops_gives_and_takes_tables_and_refuses_a_kept_one(room: Room, member: Any) -> None:
    manager, anna = member("manager"), member("host")
    walk_in, held_for = room.booking(2), room.booking(4)
    anna.post(f"{MANUAL}/session", {"bookingId": held_for, "tableIds": [room.tables["T3"]]})
    refused = manager.post(f"/api/ops/bookings/{walk_in}/tables", {"tableId": room.tables["T3"]})
    assert refused.status_code == 409
    assert refused.json()["holderStaffId"] == anna.id
    given = manager.post(f"/api/ops/bookings/{walk_in}/tables", {"tableId": room.tables["T1"]})
    assert given.status_code == 200, given.text
    assert [t["label"] for t in given.json()["tables"]] == ["T1"]
    assert given.json()["state"] == "assigned"
    taken = manager.delete(f"/api/ops/bookings/{walk_in}/tables/{room.tables['T1']}")
    assert taken.status_code == 200, taken.text
    assert taken.json()["tables"] == []
    assert taken.json()["state"] == "pending"
    missing = manager.delete(f"/api/ops/bookings/{walk_in}/tables/{room.tables['T1']}")
    assert missing.status_code == 404
