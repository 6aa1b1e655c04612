"""Hosts take, read, change and cancel bookings over HTTP, through the booking factory."""

from __future__ import annotations

from typing import Any

import pytest
from tests.http_fixtures import Person

EVENING = "2025-06-13T19:30:00+02:00"


@pytest.fixture
def floor(owner: Person, bistro: int) -> str:
    """The Bistro's floor: two tables of four; returns its bookings path."""
    base = f"/api/restaurants/{bistro}"
    zone = owner.post(f"{base}/zones", {"code": "main"}).json()
    for label in ("T1", "T2"):
        owner.post(f"{base}/tables", {"zoneId": zone["id"], "label": label, "maxParty": 4})
    return f"{base}/bookings"


def test_a_host_takes_a_phone_booking_and_finds_it_on_the_days_list(
    member: Any, floor: str,
) -> None:
    host = member("host")
    made = host.post(floor, {"partySize": 3, "startAt": EVENING, "source": "phone",
                             "guest": {"name": "Mme Dupont", "phone": "+33 6 12 34 56 78"}})
    assert made.status_code == 201, made.text
    booking = made.json()
    assert (booking["state"], booking["version"], booking["source"]) == ("pending", 1, "phone")
    assert booking["durationMinutes"] == 105  # the turn time of a party of three
    assert booking["startAt"] == "2025-06-13T17:30:00Z"
    day = host.get(floor, params={"date": "2025-06-13"}).json()
    assert [b["id"] for b in day["bookings"]] == [booking["id"]]
    assert host.get(floor, params={"date": "2025-06-14"}).json()["bookings"] == []
    assert host.get(f"{floor}/{booking['id']}").json() == booking


def test_a_party_too_big_for_the_floor_is_a_422_on_party_size(
    owner: Person, floor: str,
) -> None:
    answer = owner.post(floor, {"partySize": 9, "startAt": EVENING})
    assert answer.status_code == 422
    assert answer.json()["field"] == "partySize"
    assert "1 to 4" in answer.json()["detail"]


@pytest.mark.parametrize("party", [1, 2])
def test_a_restaurant_without_active_tables_says_so_instead_of_a_party_range(
    owner: Person, bistro: int, party: int,
) -> None:
    answer = owner.post(f"/api/restaurants/{bistro}/bookings",
                        {"partySize": party, "startAt": EVENING})
    assert answer.status_code == 422, answer.text
    assert "no active tables yet" in answer.json()["detail"]
    assert "1 to 0" not in answer.json()["detail"]
    assert owner.get(f"/api/restaurants/{bistro}/bookings",
                     params={"date": "2025-06-13"}).json()["bookings"] == []


def test_a_start_time_without_an_offset_is_refused_by_name(
    owner: Person, floor: str,
) -> None:
    answer = owner.post(floor, {"partySize": 2, "startAt": "2025-06-13T19:30"})
    assert answer.status_code == 422
    assert answer.json()["field"] == "startAt"


def test_a_change_needs_the_version_the_host_read(owner: Person, floor: str) -> None:
    booking = owner.post(floor, {"partySize": 2, "startAt": EVENING}).json()
    moved = owner.patch(f"{floor}/{booking['id']}",
                        {"expectedVersion": 1, "startAt": "2025-06-13T20:00:00+02:00",
                         "notes": "birthday"})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["version"], moved.json()["notes"]) == (2, "birthday")
    late = owner.patch(f"{floor}/{booking['id']}", {"expectedVersion": 1, "partySize": 4})
    assert late.status_code == 409
    assert late.json()["type"] == "/problems/stale-version"
    assert (late.json()["expected"], late.json()["current"]) == (1, 2)
    missing_version = owner.patch(f"{floor}/{booking['id']}", {"partySize": 4})
    assert missing_version.status_code == 422
    assert missing_version.json()["field"] == "expectedVersion"


def test_a_cancelled_booking_cannot_be_cancelled_again(owner: Person, floor: str) -> None:
    booking = owner.post(floor, {"partySize": 2, "startAt": EVENING}).json()
    path = f"{floor}/{booking['id']}/cancel"
    cancelled = owner.post(path, {"expectedVersion": 1, "reason": "guest called"})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["state"] == "cancelled"
    again = owner.post(path, {"expectedVersion": cancelled.json()["version"]})
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/illegal-transition"


def test_a_retried_booking_books_the_party_once(owner: Person, floor: str) -> None:
    body = {"partySize": 2, "startAt": EVENING, "guest": {"name": "Lee"}}
    first = owner.post(floor, body, key="booking-widget-42")
    again = owner.post(floor, body, key="booking-widget-42")
    assert again.json() == first.json()
    assert len(owner.get(floor, params={"date": "2025-06-13"}).json()["bookings"]) == 1


def test_a_booking_of_another_restaurant_is_not_found(
    owner: Person, person: Any, floor: str,
) -> None:
    booking = owner.post(floor, {"partySize": 2, "startAt": EVENING}).json()
    rival = person("rita@rival.test")
    rival_id = rival.post("/api/restaurants", {"name": "Rival"}).json()["id"]
    assert rival.get(f"{floor}/{booking['id']}").status_code == 404
    # Nor through the rival's own restaurant: bookings are scoped by restaurant too.
    assert rival.get(f"/api/restaurants/{rival_id}/bookings/{booking['id']}").status_code == 404


def test_a_day_must_be_a_real_date(owner: Person, floor: str) -> None:
    answer = owner.get(floor, params={"date": "2025-02-30"})
    assert answer.status_code == 422
    assert (answer.json()["field"], answer.json()["in"]) == ("date", "query")
