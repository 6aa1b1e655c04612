"""Webhooks from outside services: today, the payment provider's "deposit paid".

No staff token here: the provider proves itself with an HMAC signature over the raw body
(:mod:`maitred.services.payments`). The route reads the body as bytes, because the
signature covers exactly what was sent, not a re-serialised copy. A redelivered event
answers 200 with the booking the first delivery created; a new one answers 201.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from maitred.api import schemas
from maitred.api.deps import DB, ServicesDep
from maitred.api.routes.bookings import with_tables
from maitred.services import coordinator, payments

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])


@router.post(
    "/payments", response_model=schemas.Booking, status_code=201,
    summary="A deposit was paid: create the booking once",
    responses={200: {"model": schemas.Booking, "description": "A redelivery: the same booking."}},
)
async def deposit_paid(
    request: Request, services: ServicesDep, db: DB,
    timestamp: Annotated[str, Header(alias="X-Maitred-Timestamp")],
    signature: Annotated[str, Header(alias="X-Maitred-Signature")],
) -> Response:
    """Signed ``deposit.paid`` event → a booking from the factory, queued for a table."""
    body = await request.body()
    with db.uow(actor="payment-webhook") as tx:
        outcome = payments.handle_deposit_paid(
            tx, services.settings, body, timestamp=timestamp, signature=signature,
            now=datetime.now(UTC), enqueue_assignment=coordinator.enqueue,
        )
        rendered = with_tables(tx, outcome.booking)
    return Response(
        rendered.model_dump_json(by_alias=True), status_code=200 if outcome.repeat else 201,
        media_type="application/json",
    )
