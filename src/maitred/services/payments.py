"""Deposit-paid bookings: the payment provider's signed webhook becomes a booking.

Some restaurants take a deposit online; the booking exists once the money does. The
provider calls us with the event, signed with a secret we share:

- header ``X-Maitred-Timestamp``: Unix seconds when the provider signed;
- header ``X-Maitred-Signature``: hex HMAC-SHA256 of ``"{timestamp}.{raw body}"``
  (optionally prefixed ``sha256=``).

A signature that does not match, or a timestamp further than the tolerance from now (a
replayed capture), is refused before anything is read. The provider retries deliveries,
so each event id is processed once: a repeat answers with the booking the first created.
The booking itself comes from the booking factory like every other channel.

Body::

    {"id": "evt_123", "type": "deposit.paid", "restaurant_id": 1,
     "amount_cents": 2000, "currency": "EUR",
     "booking": {"party_size": 4, "start_at": "2030-06-14T19:30:00+02:00",
                 "duration_minutes": 105, "guest": {"name": "Ada", "phone": "+33..."},
                 "notes": "", "tags_preference": ["window"]}}
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from maitred.config import Settings
from maitred.errors import InvalidInput, InvalidSignature, NotFound
from maitred.services import bookings
from maitred.store.db import UnitOfWork
from maitred.store.records import Booking


@dataclass(frozen=True, slots=True)
class DepositOutcome:
    """The booking a payment event created; ``repeat`` when it was a redelivery."""

    event_id: str
    booking: Booking
    repeat: bool


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature the provider sends for this body (tests and provider simulators)."""
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, *, now: datetime,
    tolerance_seconds: int,
) -> None:
    """Raise :class:`InvalidSignature` unless the body was signed with ``secret`` lately."""
    try:
        signed_at = int(timestamp)
    except ValueError:
        raise InvalidSignature("the webhook timestamp is not Unix seconds") from None
    if abs(now.timestamp() - signed_at) > tolerance_seconds:
        raise InvalidSignature("the webhook timestamp is outside the accepted window")
    given = signature.removeprefix("sha256=").strip().lower()
    # Constant-time comparison: timing must not reveal how much of a forgery was right.
    if not hmac.compare_digest(sign(secret, timestamp, body), given):
        raise InvalidSignature()


def handle_deposit_paid(
    tx: UnitOfWork, settings: Settings, body: bytes, *, timestamp: str, signature: str,
    now: datetime, enqueue_assignment: bookings.AssignmentQueue | None = None,
) -> DepositOutcome:
    """Verify, then create the booking once per event id (in the caller's transaction)."""
    if settings.payment_webhook_secret is None:
        raise InvalidSignature("deposit webhooks are not configured (PAYMENT_WEBHOOK_SECRET)")
    verify(settings.payment_webhook_secret.get_secret_value(), timestamp, body, signature,
           now=now, tolerance_seconds=settings.payment_webhook_tolerance_seconds)
    event = _decode(body)
    event_id, restaurant_id = event["id"], event["restaurant_id"]
    tx.restaurants.get(restaurant_id)  # NotFound before anything is recorded
    if not tx.payments.record(event_id, restaurant_id, event):
        return DepositOutcome(event_id, _first_booking(tx, event_id), repeat=True)
    wanted = event["booking"]
    guest = wanted.get("guest") or {}
    amount = f"{event.get('amount_cents', 0) / 100:.2f} {event.get('currency', '')}".strip()
    booking = bookings.create_booking(tx, settings, restaurant_id, bookings.BookingRequest(
        party_size=_int(wanted.get("party_size"), "booking.party_size"),
        start_at=_when(wanted.get("start_at")),
        duration_minutes=wanted.get("duration_minutes"),
        source="deposit", guest_name=str(guest.get("name") or ""),
        guest_phone=guest.get("phone"), guest_email=guest.get("email"),
        tags_preference=frozenset(wanted.get("tags_preference") or ()),
        notes=" ".join(x for x in (str(wanted.get("notes") or ""),
                                   f"Deposit paid: {amount}.") if x),
        reference=f"payment:{event_id}",
    ), enqueue_assignment=enqueue_assignment)
    tx.payments.attach(event_id, booking.id)
    return DepositOutcome(event_id, booking, repeat=False)


def _first_booking(tx: UnitOfWork, event_id: str) -> Booking:
    seen = tx.payments.booking_of(event_id)
    if seen is None or seen[1] is None:
        raise NotFound("payment event booking", event_id)
    return tx.bookings.get(seen[0], seen[1])


def _decode(body: bytes) -> dict[str, Any]:
    try:
        event = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidInput("body", "not JSON") from None
    if not isinstance(event, dict):
        raise InvalidInput("body", "expected an object")
    if event.get("type", "deposit.paid") != "deposit.paid":
        raise InvalidInput("type", "only deposit.paid events create bookings")
    if not isinstance(event.get("id"), str) or not event["id"]:
        raise InvalidInput("id", "the payment event id is required")
    _int(event.get("restaurant_id"), "restaurant_id")
    if not isinstance(event.get("booking"), dict):
        raise InvalidInput("booking", "expected an object")
    return event


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field, "expected a whole number")
    return value


def _when(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("booking.start_at", "expected an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise InvalidInput("booking.start_at", "needs a time zone offset")
    return moment
