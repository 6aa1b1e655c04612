"""Combinations: tables staff may push together and seat as one (2 to 4, one zone)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from maitred.api import schemas
from maitred.api.deps import DB, HostScope, Idempotent, ManagerScope
from maitred.store.db import UnitOfWork

router = APIRouter(prefix="/api/restaurants/{restaurant_id}/combinations", tags=["floor"])
CombinationId = Annotated[int, Path(ge=1, le=schemas.MAX_ID)]


@router.get("", response_model=list[schemas.Combination], summary="Combinations")
def list_combinations(scope: HostScope, db: DB) -> list[schemas.Combination]:
    with scope.uow(db) as tx:
        found = tx.combinations.list(scope.restaurant_id)
    return [schemas.Combination.model_validate(c) for c in found]


@router.post("", response_model=schemas.Combination, status_code=201,
             summary="Add a combination")
def create_combination(
    scope: ManagerScope, body: schemas.CombinationIn, once: Idempotent
) -> Response:
    def work(tx: UnitOfWork) -> schemas.Combination:
        return schemas.Combination.model_validate(tx.combinations.create(
            scope.restaurant_id, code=body.code, table_ids=body.table_ids,
            min_party=body.min_party, max_party=body.max_party, active=body.active))

    return once.run(201, work)


@router.get("/{combination_id}", response_model=schemas.Combination,
            summary="One combination")
def get_combination(
    scope: HostScope, db: DB, combination_id: CombinationId
) -> schemas.Combination:
    with scope.uow(db) as tx:
        return schemas.Combination.model_validate(
            tx.combinations.get(scope.restaurant_id, combination_id))


@router.patch("/{combination_id}", response_model=schemas.Combination,
              summary="Change a combination")
def update_combination(
    scope: ManagerScope, body: schemas.CombinationPatch, once: Idempotent,
    combination_id: CombinationId,
) -> Response:
    def work(tx: UnitOfWork) -> schemas.Combination:
        return schemas.Combination.model_validate(tx.combinations.update(
            scope.restaurant_id, combination_id, code=body.code,
            min_party=body.min_party, max_party=body.max_party, active=body.active))

    return once.run(200, work)


@router.delete("/{combination_id}", status_code=204, summary="Remove a combination")
def delete_combination(
    scope: ManagerScope, once: Idempotent, combination_id: CombinationId
) -> Response:
    def work(tx: UnitOfWork) -> None:
        tx.combinations.delete(scope.restaurant_id, combination_id)

    return once.run(204, work)
