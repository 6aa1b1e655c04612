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


def test_ops_runs_the_constraint_engine_before_giving_or_taking_a_table(
    room: Room, member: Any,
) -> None:
    manager = member("manager")
    six, four = room.booking(6), room.booking(4, minutes_after_seven=180)
    ops = f"/api/ops/bookings/{six}/tables"
    small = manager.post(ops, {"tableId": room.tables["T1"]})
    assert small.status_code == 409
    problem = small.json()
    assert problem["type"] == "/problems/selection-refused"
    assert problem["bookingId"] == six
    assert [v["kind"] for v in problem["violations"]] == ["party_too_large"]
    assert problem["violations"][0]["message"] == "Table T1 seats at most 2; the party is 6."
    assert "Table T1 seats at most 2" in problem["detail"]
    assert manager.get(ops).json()["tables"] == []  # nothing was written
    # T3 then T4: the two do not stand together, so T4 cannot be added to T3.
    assert manager.post(f"/api/ops/bookings/{four}/tables",
                        {"tableId": room.tables["T3"]}).status_code == 200
    twice = manager.post(f"/api/ops/bookings/{four}/tables", {"tableId": room.tables["T3"]})
    assert twice.status_code == 409
    assert twice.json()["type"] == "/problems/already-exists"
    assert twice.json()["detail"] == f"booking {four} already sits at table T3"
    apart = manager.post(f"/api/ops/bookings/{four}/tables", {"tableId": room.tables["T4"]})
    assert apart.status_code == 409
    assert [v["kind"] for v in apart.json()["violations"]] == ["not_adjacent"]
    # Taking a table away: what is left must still seat the party. (The party of six
    # sits at T3+T4, put there straight in the database.)
    with room.services.db.uow() as tx:
        got = tx.bookings.get(room.restaurant_id, six)
        tx.allocations.assign(room.restaurant_id, six, [room.tables["T3"], room.tables["T4"]],
                              got.start_at, got.end_at, source="ops")
    left_short = manager.delete(f"{ops}/{room.tables['T4']}")
    assert left_short.status_code == 409
    assert [v["kind"] for v in left_short.json()["violations"]] == ["party_too_large"]
    assert "Table T3 seats at most 4; the party is 6." in left_short.json()["detail"]
    kept = manager.get(ops).json()["tables"]
    assert sorted(t["label"] for t in kept) == ["T3", "T4"]
    assert manager.delete(f"{ops}/{room.tables['T3']}").status_code == 200  # T4 seats six


def test_a_table_staff_blocked_is_refused_by_sessions_the_old_flow_and_ops(
    room: Room, member: Any, owner: Any,
) -> None:
    anna, manager = member("host"), member("manager")
    blocked = owner.patch(f"/api/restaurants/{room.restaurant_id}/tables/{room.tables['T3']}",
                          {"blocked": True})
    assert blocked.status_code == 200, blocked.text
    booking = room.booking(4)
    reason = "Table T3 is blocked by staff; unblock it before seating a party there."
    session = anna.post(f"{MANUAL}/session", {"bookingId": booking,
                                              "tableIds": [room.tables["T3"]]})
    assert session.status_code == 200, session.text
    assert session.json()["state"] == "PROPOSED"
    assert [(v["kind"], v["tableId"], v["message"]) for v in session.json()["violations"]] == [
        ("blocked_table", room.tables["T3"], reason)]
    assert all(room.tables["T3"] not in a["tableIds"] for a in session.json()["alternatives"])
    validated = anna.post(f"{MANUAL}/validate", {"bookingId": booking,
                                                 "tableIds": [room.tables["T3"]]}).json()
    assert [v["kind"] for v in validated["violations"]] == ["blocked_table"]
    held = anna.post(f"{MANUAL}/hold", {"bookingId": booking, "tableIds": [room.tables["T3"]]})
    assert held.status_code == 409
    assert held.json()["type"] == "/problems/selection-refused"
    assert held.json()["violations"][0]["message"] == reason
    given = manager.post(f"/api/ops/bookings/{booking}/tables", {"tableId": room.tables["T3"]})
    assert given.status_code == 409
    assert given.json()["type"] == "/problems/selection-refused"
    assert [v["kind"] for v in given.json()["violations"]] == ["blocked_table"]
    with room.services.db.uow() as tx:
        assert tx.allocations.for_booking(room.restaurant_id, booking) == []
    # Unblocked, the same table can be had again.
    owner.patch(f"/api/restaurants/{room.restaurant_id}/tables/{room.tables['T3']}",
                {"blocked": False})
    assert manager.post(f"/api/ops/bookings/{booking}/tables",
                        {"tableId": room.tables["T3"]}).status_code == 200


def test_a_blocked_table_held_before_the_block_cannot_be_confirmed(
    room: Room, member: Any, owner: Any,
) -> None:
    anna = member("host")
    booking = room.booking(4)
    held = anna.post(f"{MANUAL}/session", {"bookingId": booking,
                                           "tableIds": [room.tables["T3"]]}).json()
    assert held["state"] == "HELD"
    owner.patch(f"/api/restaurants/{room.restaurant_id}/tables/{room.tables['T3']}",
                {"blocked": True})
    refused = anna.put(f"{MANUAL}/session/{held['id']}/confirm")
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/selection-refused"
    assert [v["kind"] for v in refused.json()["violations"]] == ["blocked_table"]
