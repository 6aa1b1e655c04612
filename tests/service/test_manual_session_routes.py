"""The manual session routes over HTTP: one idempotent call to hold, honest conflicts."""

from __future__ import annotations

import dataclasses
import threading
from datetime import datetime, timedelta
from typing import Any

import httpx
from tests.http_fixtures import Person, serving
from tests.service.conftest import SEVEN_PM, Room
from tests.service.sessions_support import let_holds_lapse

from maitred.api import create_app

SESSION = "/api/staff/manual/session"


def test_two_hosts_racing_for_one_table_one_holds_and_the_other_is_told_who(
    room: Room, member: Any,
) -> None:
    anna, bob = member("host"), member("host")
    first, second = room.booking(4), room.booking(3, minutes_after_seven=30)
    t3 = room.tables["T3"]
    barrier = threading.Barrier(2)
    answers: dict[int, httpx.Response] = {}

    def claim(who: Person, booking: int) -> None:
        barrier.wait(timeout=5)
        answers[who.id] = who.post(SESSION, {"bookingId": booking, "tableIds": [t3]})

    threads = [threading.Thread(target=claim, args=(anna, first)),
               threading.Thread(target=claim, args=(bob, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert all(a.status_code == 200 for a in answers.values()), answers
    bodies = {who: a.json() for who, a in answers.items()}
    assert sorted(b["state"] for b in bodies.values()) == ["HELD", "PROPOSED"]
    winner = next(who for who, b in bodies.items() if b["state"] == "HELD")
    loser = bodies[bob.id if winner == anna.id else anna.id]
    [conflict] = loser["violations"]
    assert conflict["tableId"] == t3
    assert conflict["holderBookingId"] == bodies[winner]["bookingId"]
    assert conflict["holderStaffId"] == winner
    assert datetime.fromisoformat(conflict["freeAt"]) == (
        datetime.fromisoformat(bodies[winner]["booking"]["endAt"]))
    assert loser["holdId"] is None
    assert loser["alternatives"]


def test_a_held_session_answers_everything_a_host_stand_needs(
    room: Room, member: Any,
) -> None:
    anna = member("host")
    booking = room.booking(4)
    answer = anna.post(SESSION, {"bookingId": booking, "tableIds": [room.tables["T3"]]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["state"] == "HELD"
    assert body["tableLabels"] == ["T3"]
    assert body["valid"] is True
    assert body["holdExpiresAt"] is not None
    assert {t["label"]: t["status"] for t in body["tables"]}["T3"] == "selected"
    again = anna.get(f"{SESSION}/{body['id']}")
    assert again.status_code == 200
    assert again.json()["stale"] is False


def test_confirm_twice_with_one_key_assigns_once_and_answers_the_same(
    room: Room, member: Any,
) -> None:
    anna = member("host")
    booking = room.booking(4)
    held = anna.post(SESSION, {"bookingId": booking, "tableIds": [room.tables["T3"]]}).json()
    first = anna.put(f"{SESSION}/{held['id']}/confirm", key="confirm-1")
    second = anna.put(f"{SESSION}/{held['id']}/confirm", key="confirm-1")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["state"] == "CONFIRMED"
    assert second.headers.get("Idempotent-Replayed") == "true"
    with room.services.db.uow() as tx:
        assigned = tx.allocations.assignments(room.restaurant_id, booking)
    assert [a.table_id for a in assigned] == [room.tables["T3"]]


def test_confirm_after_the_hold_ran_out_is_a_409_expired(room: Room, member: Any) -> None:
    anna = member("host")
    booking = room.booking(4)
    held = anna.post(SESSION, {"bookingId": booking, "tableIds": [room.tables["T3"]]}).json()
    assert held["state"] == "HELD"
    let_holds_lapse(room.services.db, room.restaurant_id)
    answer = anna.put(f"{SESSION}/{held['id']}/confirm")
    assert answer.status_code == 409
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["type"] == "/problems/session-expired"
    assert problem["state"] == "EXPIRED"
    assert anna.get(f"{SESSION}/{held['id']}").json()["state"] == "EXPIRED"


def test_a_stale_selection_version_is_a_409_carrying_the_current_session(
    room: Room, member: Any,
) -> None:
    anna = member("host")
    booking = room.booking(2)
    held = anna.post(SESSION, {"bookingId": booking, "tableIds": [room.tables["T1"]]}).json()
    moved = anna.put(f"{SESSION}/{held['id']}", {"tableIds": [room.tables["T2"]],
                                                 "selectionVersion": held["selectionVersion"]})
    assert moved.status_code == 200, moved.text
    late = anna.put(f"{SESSION}/{held['id']}", {"tableIds": [room.tables["T1"]],
                                                "selectionVersion": held["selectionVersion"]})
    assert late.status_code == 409
    problem = late.json()
    assert problem["type"] == "/problems/stale-selection"
    assert problem["session"]["tableIds"] == [room.tables["T2"]]
    assert problem["session"]["selectionVersion"] == moved.json()["selectionVersion"]


def test_an_illegal_move_is_a_409_naming_the_current_state(room: Room, member: Any) -> None:
    anna = member("host")
    booking = room.booking(5)
    proposed = anna.post(SESSION, {"bookingId": booking, "tableIds": [room.tables["T1"]]}).json()
    assert proposed["state"] == "PROPOSED"
    answer = anna.put(f"{SESSION}/{proposed['id']}/confirm")
    assert answer.status_code == 409
    assert answer.json()["type"] == "/problems/illegal-transition"
    assert answer.json()["state"] == "PROPOSED"
    cancelled = anna.delete(f"{SESSION}/{proposed['id']}")
    assert cancelled.json()["state"] == "CANCELLED"
    again = anna.delete(f"{SESSION}/{proposed['id']}")
    assert again.status_code == 409
    assert again.json()["state"] == "CANCELLED"


def test_another_hosts_session_can_be_read_but_not_steered(room: Room, member: Any) -> None:
    anna, bob = member("host"), member("host")
    held = anna.post(SESSION, {"bookingId": room.booking(2),
                               "tableIds": [room.tables["T1"]]}).json()
    assert bob.get(f"{SESSION}/{held['id']}").status_code == 200
    assert bob.delete(f"{SESSION}/{held['id']}").status_code == 403


def test_another_restaurants_staff_get_a_404(room: Room, person: Any) -> None:
    stranger = person("stranger@elsewhere.test")
    booking = room.booking(2)
    answer = stranger.post(SESSION, {"bookingId": booking, "tableIds": [room.tables["T1"]]})
    assert answer.status_code == 404
    assert answer.json()["type"] == "/problems/not-found"


def test_switched_off_the_session_routes_answer_404(room: Room, member: Any) -> None:
    anna = member("host")
    booking = room.booking(2)
    held = anna.post(SESSION, {"bookingId": booking}).json()
    room.set_policy(manual_assignment_session_enabled=False)
    assert anna.post(SESSION, {"bookingId": booking}).status_code == 404
    assert anna.get(f"{SESSION}/{held['id']}").status_code == 404


def test_a_session_answer_names_local_times_in_its_messages(room: Room, member: Any) -> None:
    anna, bob = member("host"), member("host")
    first, second = room.booking(4), room.booking(4, minutes_after_seven=60)
    anna.post(SESSION, {"bookingId": first, "tableIds": [room.tables["T3"]]})
    body = bob.post(SESSION, {"bookingId": second, "tableIds": [room.tables["T3"]]}).json()
    [conflict] = body["violations"]
    assert "20:30" in conflict["message"]
    assert datetime.fromisoformat(conflict["freeAt"]) == SEVEN_PM + timedelta(minutes=90)


def test_switched_off_in_the_settings_sessions_404_while_the_old_flow_still_holds(
    room: Room, member: Any,
) -> None:
    anna = member("host")
    booking = room.booking(4)
    off = room.services.settings.model_copy(update={"manual_assignment_session_enabled": False})
    dark = dataclasses.replace(room.services, settings=off)
    with serving(create_app(off, dark)) as http:
        headers = {**anna.headers, "Idempotency-Key": "off-1"}
        closed = http.post(SESSION, json={"bookingId": booking}, headers=headers)
        assert closed.status_code == 404
        assert closed.json()["type"] == "/problems/not-found"
        held = http.post("/api/staff/manual/hold", headers={**headers, "Idempotency-Key": "off-2"},
                         json={"bookingId": booking, "tableIds": [room.tables["T3"]]})
        assert held.status_code == 200, held.text
        assert held.json()["state"] == "HELD"


def test_another_hosts_hold_on_an_unrelated_table_leaves_a_session_valid_and_fresh(
    room: Room, member: Any,
) -> None:
    anna, bob = member("host"), member("host")
    mine, unrelated = room.booking(2), room.booking(4)
    held = anna.post(SESSION, {"bookingId": mine, "tableIds": [room.tables["T1"]]}).json()
    other = bob.post(SESSION, {"bookingId": unrelated, "tableIds": [room.tables["T3"]]}).json()
    assert other["state"] == "HELD"
    again = anna.get(f"{SESSION}/{held['id']}").json()
    assert (again["state"], again["valid"], again["stale"], again["changed"]) == (
        "HELD", True, False, [])
    moved = anna.put(f"{SESSION}/{held['id']}", {"tableIds": [room.tables["T2"]],
                                                 "selectionVersion": held["selectionVersion"]})
    assert moved.status_code == 200  # the version it read is still the current one


def test_the_idle_timeout_is_a_policy_key_ranged_like_the_others(
    room: Room, owner: Any, member: Any,
) -> None:
    path = f"/api/restaurants/{room.restaurant_id}/policy"
    assert owner.get(path).json()["effective"]["session_idle_seconds"] == 30 * 60
    for wrong in (5, 10**6, "soon", True):
        refused = owner.put(path, {"policy": {"session_idle_seconds": wrong}})
        assert refused.status_code == 422, wrong
        assert refused.json()["field"] == "policy.session_idle_seconds"
    assert owner.put(path, {"policy": {"session_idle_seconds": 300}}).status_code == 200
    anna = member("host")
    opened = anna.post(f"{SESSION}", {"bookingId": room.booking(2)}).json()
    assert opened["state"] == "PROPOSED"
    with room.services.db.uow() as tx:
        row = tx.conn.execute("SELECT extract(epoch FROM expires_at - now()) FROM "
                              "manual_assignment_sessions WHERE id = %(id)s",
                              {"id": opened["id"]}).fetchone()
    assert row is not None
    assert 240 < float(row[0]) <= 300


def test_a_404_for_a_session_not_found_is_not_remembered_for_the_key(
    room: Room, member: Any,
) -> None:
    anna = member("host")
    first = anna.post(SESSION, {"bookingId": room.booking(2)}).json()
    # The next session's id does not exist yet: its confirm is a 404...
    early = anna.put(f"{SESSION}/{first['id'] + 1}/confirm", key="confirm-next")
    assert early.status_code == 404
    # ...and once that session exists and holds a table, the same key confirms it: the 404
    # was never stored as the key's answer.
    second = anna.post(SESSION, {"bookingId": room.booking(4, minutes_after_seven=200),
                                 "tableIds": [room.tables["T3"]]}).json()
    assert (second["id"], second["state"]) == (first["id"] + 1, "HELD")
    done = anna.put(f"{SESSION}/{second['id']}/confirm", key="confirm-next")
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "CONFIRMED"
    assert "idempotent-replayed" not in done.headers
    again = anna.put(f"{SESSION}/{second['id']}/confirm", key="confirm-next")
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == done.json()
