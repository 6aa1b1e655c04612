"""The payment provider's signed webhook, over HTTP: one booking per paid deposit."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr
from tests.http_fixtures import serving
from tests.integration.support import SmallFloor, build_small_floor

from maitred import bootstrap
from maitred.api import create_app
from maitred.config import Settings
from maitred.services import payments

SECRET = "whsec_http"


@pytest.fixture
def provider(database_url: str) -> Iterator[tuple[httpx.Client, SmallFloor]]:
    settings = Settings(database_url=database_url, pool_min_size=1, pool_max_size=2,
                        payment_webhook_secret=SecretStr(SECRET))
    built = bootstrap.build(settings, database_url)
    try:
        floor = build_small_floor(built.db)
        with serving(create_app(settings, built)) as http:
            yield http, floor
    finally:
        built.close()


def paid(floor: SmallFloor, event_id: str = "evt_http_1") -> bytes:
    start = (datetime.now(UTC) + timedelta(days=7)).replace(hour=18, minute=30, second=0,
                                                             microsecond=0)
    return json.dumps({
        "id": event_id, "type": "deposit.paid", "restaurant_id": floor.restaurant_id,
        "amount_cents": 2500, "currency": "EUR",
        "booking": {"party_size": 2, "start_at": start.isoformat(),
                    "guest": {"name": "Grace", "email": "grace@example.com"}},
    }).encode()


def send(http: httpx.Client, body: bytes, *, secret: str = SECRET,
         signed_at: float | None = None) -> httpx.Response:
    timestamp = str(int(signed_at if signed_at is not None else time.time()))
    return http.post("/api/webhooks/payments", content=body, headers={
        "Content-Type": "application/json", "X-Maitred-Timestamp": timestamp,
        "X-Maitred-Signature": "sha256=" + payments.sign(secret, timestamp, body)})


def test_a_signed_deposit_creates_a_booking_and_a_redelivery_returns_the_same_one(
    provider: tuple[httpx.Client, SmallFloor],
) -> None:
    http, floor = provider
    body = paid(floor)
    first = send(http, body)
    again = send(http, body)
    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["source"] == "deposit"
    assert first.json()["partySize"] == 2


def test_a_forged_signature_is_a_401_problem_and_creates_nothing(
    provider: tuple[httpx.Client, SmallFloor],
) -> None:
    http, floor = provider
    answer = send(http, paid(floor, "evt_forged"), secret="not-the-secret")
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
    # The same event, properly signed, is still new: the forgery recorded nothing.
    assert send(http, paid(floor, "evt_forged")).status_code == 201


def test_a_replayed_capture_outside_the_time_window_is_refused(
    provider: tuple[httpx.Client, SmallFloor],
) -> None:
    http, floor = provider
    answer = send(http, paid(floor, "evt_old"), signed_at=time.time() - 3600)
    assert answer.status_code == 401
    assert "window" in answer.json()["detail"]


def test_missing_signature_headers_are_a_4xx_naming_the_header(
    provider: tuple[httpx.Client, SmallFloor],
) -> None:
    http, floor = provider
    answer = http.post("/api/webhooks/payments", content=paid(floor),
                       headers={"Content-Type": "application/json"})
    assert answer.status_code in (400, 422)
    assert "X-Maitred-Timestamp" in answer.text or "x-maitred-timestamp" in answer.text
