"""Zones: the rooms of the floor (main room, terrace, bar). Managers shape them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from maitred.api import schemas
from maitred.api.deps import DB, HostScope, Idempotent, ManagerScope
from maitred.store.db import UnitOfWork

router = APIRouter(prefix="/api/restaurants/{restaurant_id}/zones", tags=["floor"])
ZoneId = Annotated[int, Path(ge=1, le=schemas.MAX_ID)]


@router.get("", response_model=list[schemas.Zone], summary="Zones")
def list_zones(scope: HostScope, db: DB) -> list[schemas.Zone]:
    with scope.uow(db) as tx:
        return [schemas.Zone.model_validate(z) for z in tx.zones.list(scope.restaurant_id)]


@router.post("", response_model=schemas.Zone, status_code=201, summary="Add a zone")
def create_zone(scope: ManagerScope, body: schemas.ZoneIn, once: Idempotent) -> Response:
    def work(tx: UnitOfWork) -> schemas.Zone:
        return schemas.Zone.model_validate(tx.zones.create(
            scope.restaurant_id, body.code, body.name, body.position))

    return once.run(201, work)


@router.get("/{zone_id}", response_model=schemas.Zone, summary="One zone")
def get_zone(scope: HostScope, db: DB, zone_id: ZoneId) -> schemas.Zone:
    with scope.uow(db) as tx:
        return schemas.Zone.model_validate(tx.zones.get(scope.restaurant_id, zone_id))


@router.patch("/{zone_id}", response_model=schemas.Zone, summary="Change a zone")
def update_zone(
    scope: ManagerScope, body: schemas.ZonePatch, once: Idempotent, zone_id: ZoneId
) -> Response:
    def work(tx: UnitOfWork) -> schemas.Zone:
        return schemas.Zone.model_validate(tx.zones.update(
            scope.restaurant_id, zone_id, code=body.code, name=body.name,
            position=body.position))

    return once.run(200, work)


@router.delete("/{zone_id}", status_code=204, summary="Remove an empty zone")
def delete_zone(scope: ManagerScope, once: Idempotent, zone_id: ZoneId) -> Response:
    """A zone that still has tables is a 409 (``in-use``): move or remove them first."""
    def work(tx: UnitOfWork) -> None:
        tx.zones.delete(scope.restaurant_id, zone_id)

    return once.run(204, work)
