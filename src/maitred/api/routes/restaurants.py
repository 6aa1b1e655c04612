"""Restaurants and their teams.

Anyone with a staff account may open a restaurant and becomes its first admin; after
that, only its own staff see it. Managers rename it, admins close it and decide the team.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from maitred.api import schemas
from maitred.api.deps import DB, AdminScope, CurrentStaff, HostScope, Idempotent, ManagerScope
from maitred.services import staff
from maitred.store.db import UnitOfWork

router = APIRouter(prefix="/api/restaurants", tags=["restaurants"])


@router.get("", response_model=list[schemas.Restaurant], summary="My restaurants")
def list_restaurants(me: CurrentStaff, db: DB) -> list[schemas.Restaurant]:
    """The restaurants the caller belongs to (every one, for a superuser)."""
    mine = None if me.is_superuser else sorted(me.roles)
    with db.uow(restaurants=mine) as tx:
        found = tx.restaurants.list(mine)
    return [schemas.Restaurant.model_validate(r) for r in found]


@router.post("", response_model=schemas.Restaurant, status_code=201,
             summary="Open a restaurant (you become its admin)")
def create_restaurant(me: CurrentStaff, body: schemas.RestaurantIn, once: Idempotent) -> Response:
    return once.run(201, lambda tx: schemas.Restaurant.model_validate(staff.open_restaurant(
        tx, me.id, body.name, timezone=body.timezone, slot_minutes=body.slot_minutes)))


@router.get("/{restaurant_id}", response_model=schemas.Restaurant, summary="One restaurant")
def get_restaurant(scope: HostScope, db: DB) -> schemas.Restaurant:
    with scope.uow(db) as tx:
        return schemas.Restaurant.model_validate(tx.restaurants.get(scope.restaurant_id))


@router.patch("/{restaurant_id}", response_model=schemas.Restaurant,
              summary="Rename, move time zone, change the booking grid")
def update_restaurant(
    scope: ManagerScope, body: schemas.RestaurantPatch, once: Idempotent
) -> Response:
    def work(tx: UnitOfWork) -> schemas.Restaurant:
        return schemas.Restaurant.model_validate(tx.restaurants.update(
            scope.restaurant_id, name=body.name, timezone=body.timezone,
            slot_minutes=body.slot_minutes))

    return once.run(200, work)


@router.delete("/{restaurant_id}", status_code=204,
               summary="Close a restaurant and delete everything in it")
def delete_restaurant(scope: AdminScope, once: Idempotent) -> Response:
    def work(tx: UnitOfWork) -> None:
        tx.restaurants.delete(scope.restaurant_id)

    return once.run(204, work)


# -- the team -------------------------------------------------------------------------------

@router.get("/{restaurant_id}/members", response_model=list[schemas.Member],
            summary="The team", tags=["team"])
def list_members(scope: HostScope, db: DB) -> list[schemas.Member]:
    with scope.uow(db) as tx:
        return [schemas.Member.model_validate(m) for m in staff.members(tx, scope.restaurant_id)]


@router.put("/{restaurant_id}/members", response_model=schemas.Member,
            summary="Add someone to the team or change their role", tags=["team"])
def put_member(scope: AdminScope, body: schemas.MemberIn, once: Idempotent) -> Response:
    return once.run(200, lambda tx: schemas.Member.model_validate(staff.grant(
        tx, scope.restaurant_id, body.email, body.role, body.name)))


@router.delete("/{restaurant_id}/members/{staff_id}", status_code=204,
               summary="Take someone off the team", tags=["team"])
def delete_member(
    scope: AdminScope, once: Idempotent, staff_id: Annotated[int, Path(ge=1, le=schemas.MAX_ID)]
) -> Response:
    return once.run(204, lambda tx: staff.remove(tx, scope.restaurant_id, staff_id))
