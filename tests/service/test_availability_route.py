"""``GET /api/restaurants/{id}/availability`` over real HTTP: the answer a booking widget
reads, for the restaurant's staff only."""

from __future__ import annotations

from datetime import time as clock
from typing import Any

from tests.http_fixtures import Person
from tests.service.conftest import Room


def test_availability_lists_each_slot_with_its_best_tables_sequence_and_age(
    owner: Person, room: Room,
) -> None:
    with room.services.db.uow() as tx:
        tx.restaurants.add_service_period(room.restaurant_id, clock(18), clock(20),
                                          name="early dinner")
        last = tx.events.last_seq(room.restaurant_id)
    answer = owner.get(f"/api/restaurants/{room.restaurant_id}/availability",
                       params={"date": "2030-06-14", "partySize": 6, "includeHolds": "false"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["restaurantId"] == room.restaurant_id
    assert body["date"] == "2030-06-14"
    assert body["partySize"] == 6
    assert body["includeHolds"] is False
    assert body["sequence"] == last
    assert 0 <= body["ageMs"] <= 1000
    assert body["pacingCoversPerSlot"] is None
    first = body["slots"][0]
    assert first["time"] == "18:00"
    assert first["period"] == "early dinner"
    assert first["startAt"].startswith("2030-06-14T16:00:00")  # 18:00 in Paris, in UTC
    assert first["available"]
    assert first["tables"] == ["T4"]
    assert first["tableIds"] == [room.tables["T4"]]
    # A party of six stays two hours: from 18:15 the meal runs past 20:00.
    assert [s["available"] for s in body["slots"]] == [True] + [False] * 7
    assert all(s["reason"] for s in body["slots"][1:])


def test_availability_is_for_the_restaurants_staff_only(
    owner: Person, room: Room, person: Any,
) -> None:
    path = f"/api/restaurants/{room.restaurant_id}/availability"
    stranger: Person = person("stranger@elsewhere.test")
    assert stranger.get(path, params={"date": "2030-06-14", "partySize": 2}).status_code == 404
    bad = owner.get(path, params={"date": "2030-06-14", "partySize": 0})
    assert bad.status_code == 422
    assert bad.json()["field"] == "partySize"
