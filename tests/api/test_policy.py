"""A restaurant's policy: overrides of the defaults, versioned."""

from __future__ import annotations

from typing import Any

import pytest
from tests.http_fixtures import Person

from maitred.store import restaurants


def test_policy_shows_overrides_and_the_effective_values(
    owner: Person, member: Any, bistro: int,
) -> None:
    path = f"/api/restaurants/{bistro}/policy"
    initial = owner.get(path).json()
    assert initial["policy"] == {}
    assert initial["effective"]["buffer_minutes"] == 0
    changed = owner.put(path, {"policy": {"buffer_minutes": 15}, "expectedVersion": 1})
    assert changed.status_code == 200, changed.text
    assert changed.json()["policyVersion"] == 2
    assert changed.json()["effective"]["buffer_minutes"] == 15
    assert changed.json()["effective"]["merges_enabled"] is True
    host = member("host")
    assert host.get(path).json()["policy"] == {"buffer_minutes": 15}


def test_an_unknown_policy_key_is_a_422_naming_it(owner: Person, bistro: int) -> None:
    answer = owner.put(f"/api/restaurants/{bistro}/policy", {"policy": {"bufer": 15}})
    assert answer.status_code == 422
    assert answer.json()["field"] == "policy.bufer"


def test_a_policy_changed_since_it_was_read_is_a_409(owner: Person, bistro: int) -> None:
    path = f"/api/restaurants/{bistro}/policy"
    owner.put(path, {"policy": {"buffer_minutes": 5}, "expectedVersion": 1})
    answer = owner.put(path, {"policy": {"buffer_minutes": 10}, "expectedVersion": 1})
    assert answer.status_code == 409
    assert answer.json()["current"] == 2


def test_a_policy_value_out_of_its_range_is_a_422_naming_the_key_and_range(
    owner: Person, bistro: int,
) -> None:
    path = f"/api/restaurants/{bistro}/policy"
    answer = owner.put(path, {"policy": {"buffer_minutes": 10**20}})
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == "policy.buffer_minutes"
    assert "between 0 and 240 minutes" in answer.json()["detail"]
    assert owner.get(path).json()["policy"] == {}  # nothing was stored


@pytest.mark.parametrize(("key", "too_low", "lowest", "highest", "too_high"), [
    ("buffer_minutes", -1, 0, 240, 241),
    ("hold_ttl_seconds", 9, 10, 3600, 3601),
    ("max_tables_per_combination", 1, 2, 4, 5),
    ("seats_lost_per_join", -1, 0, 4, 5),
    ("optimizer_threshold", -0.01, 0, 1.0, 1.5),
    ("max_assignment_attempts", 0, 1, 10, 11),
    ("pacing_covers_per_slot", 0, 1, 1000, 1001),
])
def test_every_numeric_policy_key_refuses_values_past_its_range_and_takes_its_edges(
    owner: Person, bistro: int, key: str, too_low: float, lowest: float, highest: float,
    too_high: float,
) -> None:
    path = f"/api/restaurants/{bistro}/policy"
    for wrong in (too_low, too_high):
        answer = owner.put(path, {"policy": {key: wrong}})
        assert answer.status_code == 422, (key, wrong, answer.text)
        assert answer.json()["field"] == f"policy.{key}"
        assert f"between {lowest:g} and {highest:g}" in answer.json()["detail"]
    for edge in (lowest, highest):
        accepted = owner.put(path, {"policy": {key: edge}})
        assert accepted.status_code == 200, (key, edge, accepted.text)
        assert accepted.json()["policy"] == {key: edge}


def test_every_number_in_the_policy_has_a_range() -> None:
    numbers = {key: (s.low, s.high) for key, s in restaurants.POLICY_KEYS.items()
               if s.kind is not bool}
    assert numbers
    assert all(None not in bounds for bounds in numbers.values()), numbers
