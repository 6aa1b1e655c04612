"""Every write takes an Idempotency-Key: a retry gets the first answer, never a double."""

from __future__ import annotations

import threading
from typing import Any

from tests.http_fixtures import Person


def test_a_retried_create_returns_the_first_answer_and_creates_nothing_more(
    owner: Person, bistro: int,
) -> None:
    path = f"/api/restaurants/{bistro}/zones"
    first = owner.post(path, {"code": "terrace", "name": "Terrace"}, key="retry-1")
    again = owner.post(path, {"code": "terrace", "name": "Terrace"}, key="retry-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert [z["code"] for z in owner.get(path).json()] == ["terrace"]


def test_json_key_order_and_spacing_do_not_make_a_different_request(
    owner: Person, bistro: int,
) -> None:
    path = f"/api/restaurants/{bistro}/zones"
    headers = {**owner.headers, "Idempotency-Key": "same",
               "Content-Type": "application/json"}
    first = owner.client.post(path, content=b'{"code":"bar","name":"Bar"}', headers=headers)
    again = owner.client.post(path, content=b'{ "name": "Bar", "code": "bar" }',
                              headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]


def test_the_same_key_with_a_different_body_is_a_422_on_the_header(
    owner: Person, bistro: int,
) -> None:
    path = f"/api/restaurants/{bistro}/zones"
    assert owner.post(path, {"code": "terrace"}, key="k").status_code == 201
    answer = owner.post(path, {"code": "patio"}, key="k")
    assert answer.status_code == 422
    assert answer.json()["field"] == "Idempotency-Key"
    assert [z["code"] for z in owner.get(path).json()] == ["terrace"]


def test_a_refusal_is_replayed_as_it_was_first_given(owner: Person, bistro: int) -> None:
    path = f"/api/restaurants/{bistro}/zones"
    assert owner.post(path, {"code": "main"}).status_code == 201
    first = owner.post(path, {"code": "main"}, key="dup")
    # Even after the conflict is gone, the retry hears the first answer.
    zone_id = owner.get(path).json()[0]["id"]
    assert owner.delete(f"{path}/{zone_id}").status_code == 204
    again = owner.post(path, {"code": "main"}, key="dup")
    assert first.status_code == again.status_code == 409
    assert again.json() == first.json()
    assert again.headers["content-type"] == "application/problem+json"


def test_keys_belong_to_one_staff_member(owner: Person, member: Any, bistro: int) -> None:
    manager = member("manager")
    path = f"/api/restaurants/{bistro}/zones"
    assert owner.post(path, {"code": "a"}, key="shared").status_code == 201
    assert manager.post(path, {"code": "b"}, key="shared").status_code == 201
    assert sorted(z["code"] for z in owner.get(path).json()) == ["a", "b"]


def test_a_key_of_invisible_characters_is_refused(owner: Person, bistro: int) -> None:
    answer = owner.post(f"/api/restaurants/{bistro}/zones", {"code": "a"}, key="has space")
    assert answer.status_code == 422
    assert answer.json()["field"] == "Idempotency-Key"


def test_a_retried_delete_is_still_a_success(owner: Person, bistro: int) -> None:
    path = f"/api/restaurants/{bistro}/zones"
    zone_id = owner.post(path, {"code": "a"}).json()["id"]
    first = owner.delete(f"{path}/{zone_id}", key="del")
    again = owner.delete(f"{path}/{zone_id}", key="del")
    assert (first.status_code, again.status_code) == (204, 204)
    assert owner.delete(f"{path}/{zone_id}").status_code == 404


def test_twin_requests_sent_at_once_create_one_zone_and_get_one_answer(
    owner: Person, bistro: int,
) -> None:
    path = f"/api/restaurants/{bistro}/zones"
    start = threading.Barrier(2)
    answers: list[Any] = []

    def send() -> None:
        start.wait()
        answers.append(owner.post(path, {"code": "twin"}, key="twin-key"))

    twins = [threading.Thread(target=send) for _ in range(2)]
    for twin in twins:
        twin.start()
    for twin in twins:
        twin.join()
    assert sorted(a.status_code for a in answers) == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert len(owner.get(path).json()) == 1


def test_a_written_answer_reads_exactly_like_the_same_resource_read_back(
    owner: Person, bistro: int,
) -> None:
    # The write path serializes its model itself (to store it for replays); times, aliases,
    # nested objects and lists must come out as FastAPI renders them on the read path.
    base = f"/api/restaurants/{bistro}"
    zone = owner.post(f"{base}/zones", {"code": "main"}).json()
    owner.post(f"{base}/tables", {"zoneId": zone["id"], "label": "T1", "maxParty": 4,
                                  "tags": ["window", "quiet"]})
    body = {"partySize": 3, "startAt": "2025-06-13T19:30:00+02:00", "source": "phone",
            "guest": {"name": "Mme Dupont", "phone": "+33 6 12 34 56 78"},
            "tagsPreference": ["window"]}
    first = owner.post(f"{base}/bookings", body, key="booking-1")
    again = owner.post(f"{base}/bookings", body, key="booking-1")
    assert first.status_code == again.status_code == 201, first.text
    read = owner.get(f"{base}/bookings/{first.json()['id']}")
    assert first.json() == read.json() == again.json()
    assert first.json()["startAt"] == "2025-06-13T17:30:00Z"
