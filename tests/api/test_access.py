"""Who may see and do what: tokens, tenants and roles."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from tests.http_fixtures import Person

from maitred import bootstrap
from maitred.api import deps
from maitred.api.deps import Scope
from maitred.services.staff import StaffMember


def test_a_request_without_a_token_is_a_401_problem_asking_for_a_bearer(
    client: httpx.Client,
) -> None:
    answer = client.get("/api/restaurants")
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.json()["type"] == "/problems/not-authenticated"


def test_an_unknown_token_is_refused(client: httpx.Client) -> None:
    answer = client.get("/api/me", headers={"Authorization": "Bearer mtd_not-a-real-token"})
    assert answer.status_code == 401
    assert "unknown or revoked" in answer.json()["detail"]


def test_a_revoked_token_stops_working_at_once(owner: Person) -> None:
    issued = owner.post("/api/me/tokens", {"label": "bar tablet"}).json()
    tablet = {"Authorization": f"Bearer {issued['token']}"}
    assert owner.client.get("/api/me", headers=tablet).status_code == 200
    assert owner.delete(f"/api/me/tokens/{issued['id']}").status_code == 204
    assert owner.client.get("/api/me", headers=tablet).status_code == 401
    labels = [t["label"] for t in owner.get("/api/me/tokens").json()]
    assert labels == ["", "bar tablet"]


def test_a_token_revoked_by_another_process_stops_working_within_the_cache_ttl(
    owner: Person, services: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A few seconds' memory of token lookups (store/auth_cache.py): a revocation made
    # outside this process (here: straight in the database) bites once the entry expires.
    monkeypatch.setattr(deps.STAFF_BY_TOKEN, "ttl", 0.5)
    deps.STAFF_BY_TOKEN.invalidate()
    assert owner.get("/api/me").status_code == 200
    with services.db.connection() as conn:
        conn.execute("UPDATE api_tokens SET revoked_at = now() WHERE staff_id = %(id)s",
                     {"id": owner.id})
    assert owner.get("/api/me").status_code == 200  # still remembered
    time.sleep(0.6)
    answer = owner.get("/api/me")
    assert answer.status_code == 401
    assert "unknown or revoked" in answer.json()["detail"]


def test_a_role_taken_away_here_bites_at_once_despite_the_cache(
    owner: Person, member: Any, bistro: int,
) -> None:
    host = member("host")
    assert host.get(f"/api/restaurants/{bistro}/tables").status_code == 200
    assert host.get(f"/api/restaurants/{bistro}/tables").status_code == 200  # cached now
    assert owner.delete(f"/api/restaurants/{bistro}/members/{host.id}").status_code == 204
    assert host.get(f"/api/restaurants/{bistro}/tables").status_code == 404


def test_me_lists_the_restaurants_and_roles_of_the_caller(owner: Person, bistro: int) -> None:
    me = owner.get("/api/me").json()
    assert me["email"] == "olga@bistro.test"
    assert me["memberships"] == [{"restaurantId": bistro, "role": "admin"}]


def test_another_restaurants_data_is_a_404_exactly_like_a_missing_one(
    person: Any, bistro: int,
) -> None:
    rival = person("rita@rival.test")
    rival_id = rival.post("/api/restaurants", {"name": "Rival"}).json()["id"]
    for path in (f"/api/restaurants/{bistro}", f"/api/restaurants/{bistro}/zones",
                 f"/api/restaurants/{bistro}/bookings?date=2025-06-13",
                 f"/api/restaurants/{bistro}/policy"):
        answer = rival.get(path)
        assert answer.status_code == 404, path
        assert answer.json()["type"] == "/problems/not-found"
    missing = rival.get("/api/restaurants/999999").json()
    leaked = rival.get(f"/api/restaurants/{bistro}").json()
    assert {k: v for k, v in leaked.items() if k not in ("detail", "id", "instance")} == \
        {k: v for k, v in missing.items() if k not in ("detail", "id", "instance")}
    # Writes too: a rival cannot add a zone to the Bistro, nor learn that it exists.
    assert rival.post(f"/api/restaurants/{bistro}/zones", {"code": "x"}).status_code == 404
    assert [r["id"] for r in rival.get("/api/restaurants").json()] == [rival_id]


def test_a_host_reads_the_floor_but_cannot_change_it(member: Any, bistro: int) -> None:
    host = member("host")
    assert host.get(f"/api/restaurants/{bistro}/tables").status_code == 200
    answer = host.post(f"/api/restaurants/{bistro}/zones", {"code": "terrace"})
    assert answer.status_code == 403
    assert answer.json()["type"] == "/problems/forbidden"
    assert host.put(f"/api/restaurants/{bistro}/policy",
                    {"policy": {"buffer_minutes": 5}}).status_code == 403


def test_a_manager_shapes_the_floor_and_policy_but_not_the_team(
    member: Any, bistro: int,
) -> None:
    manager = member("manager")
    assert manager.post(f"/api/restaurants/{bistro}/zones",
                        {"code": "terrace"}).status_code == 201
    assert manager.put(f"/api/restaurants/{bistro}/policy",
                       {"policy": {"buffer_minutes": 5}}).status_code == 200
    answer = manager.put(f"/api/restaurants/{bistro}/members",
                         {"email": "new@bistro.test", "role": "host", "name": "New"})
    assert answer.status_code == 403


def test_an_admin_adds_a_new_host_who_can_then_see_the_restaurant(
    owner: Person, person: Any, bistro: int,
) -> None:
    hugo = person("hugo@bistro.test")
    assert hugo.get(f"/api/restaurants/{bistro}").status_code == 404
    added = owner.put(f"/api/restaurants/{bistro}/members",
                      {"email": "hugo@bistro.test", "role": "host"})
    assert added.status_code == 200
    assert added.json() == {"staffId": hugo.id, "email": "hugo@bistro.test",
                            "name": "hugo", "role": "host"}
    assert hugo.get(f"/api/restaurants/{bistro}").status_code == 200
    assert owner.delete(f"/api/restaurants/{bistro}/members/{hugo.id}").status_code == 204
    assert hugo.get(f"/api/restaurants/{bistro}").status_code == 404


def test_the_last_admin_cannot_leave_the_restaurant(owner: Person, bistro: int) -> None:
    answer = owner.delete(f"/api/restaurants/{bistro}/members/{owner.id}")
    assert answer.status_code == 409
    assert answer.json()["type"] == "/problems/in-use"
    assert "at least one admin" in answer.json()["detail"]
    demoted = owner.put(f"/api/restaurants/{bistro}/members",
                        {"email": "olga@bistro.test", "role": "manager"})
    assert demoted.status_code == 409
    assert owner.get(f"/api/restaurants/{bistro}/members").json()[0]["role"] == "admin"


def test_a_restaurants_transactions_cannot_even_see_another_restaurants_rows(
    services: bootstrap.Services, owner: Person, bistro: int,
) -> None:
    # Behind the 404s, the database itself hides other tenants' rows (row-level security).
    other = owner.post("/api/restaurants", {"name": "Second"}).json()["id"]
    olga = StaffMember(owner.id, "olga@bistro.test", "Olga", roles={bistro: "admin",
                                                                    other: "admin"})
    with Scope(olga, bistro, "admin").uow(services.db) as tx:
        assert [r.id for r in tx.restaurants.list(None)] == [bistro]
