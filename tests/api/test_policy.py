"""A restaurant's policy: overrides of the defaults, versioned."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Person


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
