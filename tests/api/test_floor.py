"""Managers build the floor over HTTP: zones, tables, adjacency, combinations."""

from __future__ import annotations

from typing import Any

from tests.http_fixtures import Person


def _floor(owner: Person, bistro: int) -> dict[str, Any]:
    base = f"/api/restaurants/{bistro}"
    zone = owner.post(f"{base}/zones", {"code": "main", "name": "Main room"}).json()
    tables = [owner.post(f"{base}/tables", {
        "zoneId": zone["id"], "label": label, "maxParty": 2, "tags": ["window"],
    }).json() for label in ("T1", "T2", "T3")]
    return {"base": base, "zone": zone, "tables": tables}


def test_a_table_is_created_read_changed_and_removed(owner: Person, bistro: int) -> None:
    floor = _floor(owner, bistro)
    base, t1 = floor["base"], floor["tables"][0]
    assert (t1["label"], t1["zoneId"]) == ("T1", floor["zone"]["id"])
    assert owner.get(f"{base}/tables/{t1['id']}").json() == t1
    changed = owner.patch(f"{base}/tables/{t1['id']}", {"maxParty": 4, "expectedVersion": 1})
    assert changed.status_code == 200
    assert (changed.json()["maxParty"], changed.json()["version"]) == (4, 2)
    assert changed.json()["tags"] == ["window"]  # untouched fields stay
    stale = owner.patch(f"{base}/tables/{t1['id']}", {"maxParty": 6, "expectedVersion": 1})
    assert stale.status_code == 409
    assert stale.json()["type"] == "/problems/stale-version"
    assert (stale.json()["expected"], stale.json()["current"]) == (1, 2)
    assert owner.delete(f"{base}/tables/{t1['id']}").status_code == 204
    assert owner.get(f"{base}/tables/{t1['id']}").status_code == 404
    assert [t["label"] for t in owner.get(f"{base}/tables").json()] == ["T2", "T3"]


def test_adjacency_is_stored_once_whichever_order_it_is_given_in(
    owner: Person, bistro: int,
) -> None:
    floor = _floor(owner, bistro)
    base, (t1, t2, _) = floor["base"], floor["tables"]
    added = owner.post(f"{base}/adjacency", {"tableIds": [t2["id"], t1["id"]]})
    assert added.status_code == 201
    assert added.json() == {"tableIds": [t1["id"], t2["id"]]}
    again = owner.post(f"{base}/adjacency", {"tableIds": [t1["id"], t2["id"]]})
    assert again.status_code == 409
    assert owner.get(f"{base}/adjacency").json() == [{"tableIds": [t1["id"], t2["id"]]}]
    itself = owner.post(f"{base}/adjacency", {"tableIds": [t1["id"], t1["id"]]})
    assert itself.status_code == 422
    assert owner.delete(f"{base}/adjacency/{t2['id']}/{t1['id']}").status_code == 204
    assert owner.get(f"{base}/adjacency").json() == []


def test_a_combination_joins_tables_of_one_zone(owner: Person, bistro: int) -> None:
    floor = _floor(owner, bistro)
    base, (t1, t2, t3) = floor["base"], floor["tables"]
    made = owner.post(f"{base}/combinations", {
        "code": "C12", "tableIds": [t2["id"], t1["id"]], "minParty": 3, "maxParty": 4})
    assert made.status_code == 201, made.text
    combo = made.json()
    assert combo["tableIds"] == [t1["id"], t2["id"]]
    changed = owner.patch(f"{base}/combinations/{combo['id']}", {"active": False}).json()
    assert changed["active"] is False
    patio = owner.post(f"{base}/zones", {"code": "patio"}).json()
    owner.patch(f"{base}/tables/{t3['id']}", {"zoneId": patio["id"]})
    across = owner.post(f"{base}/combinations", {
        "code": "C13", "tableIds": [t1["id"], t3["id"]], "maxParty": 4})
    assert across.status_code == 422
    assert across.json()["field"] == "tableIds"
    assert owner.delete(f"{base}/combinations/{combo['id']}").status_code == 204
    assert owner.get(f"{base}/combinations").json() == []


def test_a_zone_with_tables_cannot_be_removed(owner: Person, bistro: int) -> None:
    floor = _floor(owner, bistro)
    answer = owner.delete(f"{floor['base']}/zones/{floor['zone']['id']}")
    assert answer.status_code == 409
    assert answer.json()["type"] == "/problems/in-use"


def test_another_restaurants_table_cannot_be_used_in_mine(
    owner: Person, bistro: int,
) -> None:
    floor = _floor(owner, bistro)
    other = owner.post("/api/restaurants", {"name": "Second"}).json()["id"]
    zone = owner.post(f"/api/restaurants/{other}/zones", {"code": "main"}).json()
    mine = owner.post(f"/api/restaurants/{other}/tables",
                      {"zoneId": zone["id"], "label": "X1", "maxParty": 2}).json()
    answer = owner.post(f"/api/restaurants/{other}/adjacency",
                        {"tableIds": [mine["id"], floor["tables"][0]["id"]]})
    assert answer.status_code == 422
    wrong_zone = owner.post(f"/api/restaurants/{other}/tables",
                            {"zoneId": floor["zone"]["id"], "label": "X2", "maxParty": 2})
    assert wrong_zone.status_code == 422


def test_a_manager_renames_the_restaurant_and_its_admin_closes_it(
    owner: Person, bistro: int,
) -> None:
    renamed = owner.patch(f"/api/restaurants/{bistro}", {"name": "Le Bistro"})
    assert renamed.json()["name"] == "Le Bistro"
    assert renamed.json()["timezone"] == "Europe/Paris"
    assert owner.delete(f"/api/restaurants/{bistro}").status_code == 204
    assert owner.get(f"/api/restaurants/{bistro}").status_code == 404
