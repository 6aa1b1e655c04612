"""Adjacency: which tables can be pushed together. Undirected, each pair stored once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from maitred.api import schemas
from maitred.api.deps import DB, HostScope, Idempotent, ManagerScope
from maitred.store.db import UnitOfWork

router = APIRouter(prefix="/api/restaurants/{restaurant_id}/adjacency", tags=["floor"])
TableId = Annotated[int, Path(ge=1, le=schemas.MAX_ID)]


@router.get("", response_model=list[schemas.Adjacency], summary="Adjacent pairs")
def list_adjacency(scope: HostScope, db: DB) -> list[schemas.Adjacency]:
    with scope.uow(db) as tx:
        pairs = tx.adjacency.list(scope.restaurant_id)
    return [schemas.Adjacency(table_ids=[a, b]) for a, b in pairs]


@router.post("", response_model=schemas.Adjacency, status_code=201,
             summary="Mark two tables as adjacent")
def add_adjacency(
    scope: ManagerScope, body: schemas.AdjacencyIn, once: Idempotent
) -> Response:
    """Either order; the answer gives the stored order (smaller id first)."""
    def work(tx: UnitOfWork) -> schemas.Adjacency:
        a, b = tx.adjacency.add(scope.restaurant_id, body.table_ids[0], body.table_ids[1])
        return schemas.Adjacency(table_ids=[a, b])

    return once.run(201, work)


@router.delete("/{table_a}/{table_b}", status_code=204,
               summary="The two tables can no longer be pushed together")
def remove_adjacency(
    scope: ManagerScope, once: Idempotent, table_a: TableId, table_b: TableId
) -> Response:
    def work(tx: UnitOfWork) -> None:
        tx.adjacency.remove(scope.restaurant_id, table_a, table_b)

    return once.run(204, work)
