"""The demo restaurant loads once per database, with today's bookings and a working token."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

from maitred import bootstrap, demo


def test_the_demo_loads_once_and_every_start_gets_a_token_that_works(
    services: bootstrap.Services, client: httpx.Client,
) -> None:
    # 03:30 on the 15th in UTC is still the evening of the 14th at the restaurant.
    first = demo.ensure(services.db, services.settings,
                        now=datetime(2026, 3, 15, 3, 30, tzinfo=ZoneInfo("UTC")))
    again = demo.ensure(services.db, services.settings)
    assert first.day is not None
    assert first.day.isoformat() == "2026-03-14"
    assert again.restaurant_id == first.restaurant_id
    assert again.day is None  # found, not loaded again
    assert again.token != first.token
    for token in (first.token, again.token):
        answer = client.get("/api/restaurants", headers={"Authorization": f"Bearer {token}"})
        assert [r["id"] for r in answer.json()] == [first.restaurant_id]
    day = client.get(f"/api/restaurants/{first.restaurant_id}/bookings",
                     params={"date": "2026-03-14"},
                     headers={"Authorization": f"Bearer {first.token}"}).json()
    assert len(day["bookings"]) == len(demo.floor_document()["bookings"])
    assert {b["source"] for b in day["bookings"]} == {"import"}
    # Parties pinned to tables in the file arrive seated there, and say so.
    pinned = [b for b in demo.floor_document()["bookings"] if b["locked_tables"]]
    assigned = [b for b in day["bookings"] if b["state"] == "assigned"]
    assert len(assigned) == len(pinned) > 0
    assert all(b["tableIds"] and b["locked"] for b in assigned)
    one = client.get(f"/api/restaurants/{first.restaurant_id}/bookings/{assigned[0]['id']}",
                     headers={"Authorization": f"Bearer {first.token}"}).json()
    assert one["tableIds"] == assigned[0]["tableIds"]
