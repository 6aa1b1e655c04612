"""Tables: the physical tables of the floor, their seats, tags and place on the plan."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from maitred.api import schemas
from maitred.api.deps import DB, HostScope, Idempotent, ManagerScope
from maitred.store.db import UnitOfWork

router = APIRouter(prefix="/api/restaurants/{restaurant_id}/tables", tags=["floor"])
TableId = Annotated[int, Path(ge=1, le=schemas.MAX_ID)]


@router.get("", response_model=list[schemas.Table], summary="Tables")
def list_tables(scope: HostScope, db: DB) -> list[schemas.Table]:
    with scope.uow(db) as tx:
        return [schemas.Table.model_validate(t) for t in tx.tables.list(scope.restaurant_id)]


@router.post("", response_model=schemas.Table, status_code=201, summary="Add a table")
def create_table(
    scope: ManagerScope, body: schemas.TableIn, once: Idempotent
) -> Response:
    def work(tx: UnitOfWork) -> schemas.Table:
        return schemas.Table.model_validate(
            tx.tables.create(scope.restaurant_id, **body.model_dump()))

    return once.run(201, work)


@router.get("/{table_id}", response_model=schemas.Table, summary="One table")
def get_table(scope: HostScope, db: DB, table_id: TableId) -> schemas.Table:
    with scope.uow(db) as tx:
        return schemas.Table.model_validate(tx.tables.get(scope.restaurant_id, table_id))


@router.patch("/{table_id}", response_model=schemas.Table, summary="Change a table")
def update_table(
    scope: ManagerScope, body: schemas.TablePatch, once: Idempotent,
    table_id: TableId,
) -> Response:
    """Only the fields sent change; with ``expectedVersion``, only if nobody changed it."""
    changes = body.model_dump(exclude_unset=True, exclude={"expected_version"})

    def work(tx: UnitOfWork) -> schemas.Table:
        return schemas.Table.model_validate(tx.tables.update(
            scope.restaurant_id, table_id, expected_version=body.expected_version,
            **changes))

    return once.run(200, work)


@router.delete("/{table_id}", status_code=204, summary="Remove a table")
def delete_table(scope: ManagerScope, once: Idempotent, table_id: TableId) -> Response:
    def work(tx: UnitOfWork) -> None:
        tx.tables.delete(scope.restaurant_id, table_id)

    return once.run(204, work)
