"""The signed-in staff member: who they are, where they work, their tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from maitred.api import schemas
from maitred.api.deps import DB, CurrentStaff, Idempotent
from maitred.services import staff

router = APIRouter(prefix="/api/me", tags=["staff"])


@router.get("", response_model=schemas.Me, summary="Who am I")
def whoami(me: CurrentStaff) -> schemas.Me:
    """The staff member behind the token and their role in each restaurant."""
    return schemas.Me(
        id=me.id, email=me.email, name=me.name, is_superuser=me.is_superuser,
        memberships=[schemas.Membership(restaurant_id=rid, role=role)
                     for rid, role in sorted(me.roles.items())],
    )


@router.get("/tokens", response_model=list[schemas.Token], summary="My tokens")
def list_tokens(me: CurrentStaff, db: DB) -> list[schemas.Token]:
    with db.uow() as tx:
        return [schemas.Token.model_validate(t) for t in staff.tokens(tx, me.id)]


@router.post("/tokens", response_model=schemas.IssuedToken, status_code=201,
             summary="Issue a token (for another device)")
def issue_token(me: CurrentStaff, body: schemas.TokenIn, once: Idempotent) -> Response:
    """A new token for the caller; its text is in this answer only (and its replays)."""
    return once.run(201, lambda tx: schemas.IssuedToken.model_validate(
        staff.issue_token(tx, me.id, body.label)))


@router.delete("/tokens/{token_id}", status_code=204, summary="Revoke one of my tokens")
def revoke_token(
    me: CurrentStaff, once: Idempotent, token_id: Annotated[int, Path(ge=1, le=schemas.MAX_ID)],
) -> Response:
    return once.run(204, lambda tx: staff.revoke_token(tx, me.id, token_id))
