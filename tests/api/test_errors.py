"""Bad input anywhere is a precise 4xx problem naming the field, never a 500."""

from __future__ import annotations

import httpx
from tests.http_fixtures import Person


def test_a_missing_required_field_is_a_422_naming_it_in_camel_case(
    owner: Person, bistro: int,
) -> None:
    zone = owner.post(f"/api/restaurants/{bistro}/zones", {"code": "main"}).json()
    answer = owner.post(f"/api/restaurants/{bistro}/tables",
                        {"zoneId": zone["id"], "label": "T1"})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "/problems/invalid-input"
    assert (problem["field"], problem["in"]) == ("maxParty", "body")
    assert "maxParty" in problem["detail"]


def test_an_out_of_range_value_names_the_field_and_the_limit(
    owner: Person, bistro: int,
) -> None:
    answer = owner.post(f"/api/restaurants/{bistro}/tables",
                        {"zoneId": 1, "label": "T1", "maxParty": 0})
    assert answer.status_code == 422
    assert answer.json()["field"] == "maxParty"
    assert "greater than or equal to 1" in answer.json()["detail"]


def test_an_unknown_field_is_refused_rather_than_ignored(owner: Person, bistro: int) -> None:
    answer = owner.post(f"/api/restaurants/{bistro}/zones", {"code": "main", "colour": "red"})
    assert answer.status_code == 422
    assert answer.json()["field"] == "colour"


def test_broken_json_is_a_400_about_the_body(owner: Person, bistro: int) -> None:
    answer = owner.client.post(
        f"/api/restaurants/{bistro}/zones", content=b'{"code": ',
        headers={**owner.headers, "Idempotency-Key": "k1",
                 "Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["type"] == "/problems/malformed-json"
    assert answer.json()["field"] == "body"


def test_a_path_id_that_is_not_a_number_is_a_422_naming_the_parameter(owner: Person) -> None:
    answer = owner.get("/api/restaurants/abc")
    assert answer.status_code == 422
    assert (answer.json()["field"], answer.json()["in"]) == ("restaurant_id", "path")


def test_a_write_without_an_idempotency_key_is_a_422_naming_the_header(
    owner: Person, bistro: int,
) -> None:
    answer = owner.client.post(f"/api/restaurants/{bistro}/zones", json={"code": "main"},
                               headers=owner.headers)
    assert answer.status_code == 422
    assert (answer.json()["field"], answer.json()["in"]) == ("Idempotency-Key", "header")


def test_a_duplicate_name_is_a_409_saying_which_field(owner: Person, bistro: int) -> None:
    assert owner.post(f"/api/restaurants/{bistro}/zones", {"code": "main"}).status_code == 201
    answer = owner.post(f"/api/restaurants/{bistro}/zones", {"code": "main"})
    assert answer.status_code == 409
    problem = answer.json()
    assert problem["type"] == "/problems/already-exists"
    assert (problem["entity"], problem["field"]) == ("zone", "code")


def test_a_store_refusal_is_translated_to_a_4xx_naming_the_field(
    owner: Person, bistro: int,
) -> None:
    zone = owner.post(f"/api/restaurants/{bistro}/zones", {"code": "main"}).json()
    answer = owner.post(f"/api/restaurants/{bistro}/tables",
                        {"zoneId": zone["id"], "label": "T1", "minParty": 6, "maxParty": 4})
    assert answer.status_code == 422
    assert answer.json()["field"] == "minParty"


def test_an_unknown_time_zone_is_a_422_on_timezone(owner: Person) -> None:
    answer = owner.post("/api/restaurants", {"name": "Nowhere", "timezone": "Mars/Olympus"})
    assert answer.status_code == 422
    assert answer.json()["field"] == "timezone"


def test_an_unknown_route_is_a_problem_document_too(client: httpx.Client) -> None:
    answer = client.get("/api/no-such-thing")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


def test_a_bad_item_in_a_nested_list_is_named_with_its_index(
    owner: Person, bistro: int,
) -> None:
    zone = owner.post(f"/api/restaurants/{bistro}/zones", {"code": "main"}).json()
    answer = owner.post(f"/api/restaurants/{bistro}/tables", {
        "zoneId": zone["id"], "label": "T1", "maxParty": 2, "tags": ["window", ""]})
    assert answer.status_code == 422
    assert answer.json()["field"] == "tags[1]"


def test_numbers_beyond_what_the_database_holds_are_a_422_not_an_overflow(
    owner: Person, bistro: int,
) -> None:
    huge = owner.post(f"/api/restaurants/{bistro}/zones", {"code": "a", "position": 10**30})
    assert (huge.status_code, huge.json()["field"]) == (422, "position")
    far = owner.get(f"/api/restaurants/{bistro}/zones/{2**63}")
    assert (far.status_code, far.json()["field"]) == (422, "zone_id")
    not_a_number = owner.client.post(
        f"/api/restaurants/{bistro}/tables",
        content=b'{"zoneId": 1, "label": "T", "maxParty": 2, "posX": NaN}',
        headers={**owner.headers, "Idempotency-Key": "nan",
                 "Content-Type": "application/json"})
    assert not_a_number.status_code in (400, 422)
    year_9999 = owner.get(f"/api/restaurants/{bistro}/bookings", params={"date": "9999-12-31"})
    assert (year_9999.status_code, year_9999.json()["field"]) == (422, "date")
