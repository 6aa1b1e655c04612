"""A signed deposit-paid webhook creates one booking, however often it is delivered."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from tests.integration.support import SmallFloor

from maitred.config import Settings
from maitred.errors import InvalidSignature
from maitred.services import payments
from maitred.store.db import Database

SECRET = "whsec_test"
SETTINGS = Settings(database_url="postgresql://unused",
                    payment_webhook_secret=SecretStr(SECRET))
NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def event(floor: SmallFloor, event_id: str = "evt_1") -> bytes:
    return json.dumps({
        "id": event_id, "type": "deposit.paid", "restaurant_id": floor.restaurant_id,
        "amount_cents": 2000, "currency": "EUR",
        "booking": {"party_size": 4, "start_at": "2030-06-14T19:30:00+02:00",
                    "guest": {"name": "Ada", "email": "ada@example.com"}},
    }).encode()


def deliver(db: Database, body: bytes, *, signed_at: datetime = NOW,
            signature: str | None = None) -> payments.DepositOutcome:
    timestamp = str(int(signed_at.timestamp()))
    with db.uow(actor="payments") as tx:
        return payments.handle_deposit_paid(
            tx, SETTINGS, body, timestamp=timestamp,
            signature=signature or "sha256=" + payments.sign(SECRET, timestamp, body), now=NOW)


def test_a_signed_deposit_creates_a_pending_booking_for_the_guest(
    db: Database, small_floor: SmallFloor,
) -> None:
    outcome = deliver(db, event(small_floor))
    booking = outcome.booking
    assert not outcome.repeat
    assert (booking.source, booking.state, booking.party_size) == ("deposit", "pending", 4)
    assert booking.start_at == datetime(2030, 6, 14, 17, 30, tzinfo=UTC)
    assert "Deposit paid: 20.00 EUR." in booking.notes


def test_a_redelivered_event_returns_the_first_booking_and_creates_nothing(
    db: Database, small_floor: SmallFloor,
) -> None:
    first = deliver(db, event(small_floor))
    again = deliver(db, event(small_floor))
    assert again.repeat
    assert again.booking.id == first.booking.id
    with db.uow() as tx:
        day = tx.bookings.list(small_floor.restaurant_id, NOW, NOW + timedelta(days=30))
    assert len(day) == 1


def test_a_wrong_signature_is_refused_and_nothing_is_written(
    db: Database, small_floor: SmallFloor,
) -> None:
    with pytest.raises(InvalidSignature):
        deliver(db, event(small_floor), signature="sha256=" + "0" * 64)
    with db.uow() as tx:
        assert tx.payments.booking_of("evt_1") is None


def test_an_old_signature_is_refused_as_a_possible_replay(
    db: Database, small_floor: SmallFloor,
) -> None:
    with pytest.raises(InvalidSignature) as refused:
        deliver(db, event(small_floor), signed_at=NOW - timedelta(minutes=10))
    assert "window" in refused.value.detail
