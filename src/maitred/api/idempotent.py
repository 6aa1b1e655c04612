"""Running a write once per ``Idempotency-Key`` and replaying its first answer.

The rules live in :mod:`maitred.services.idempotency`; this module only turns them into
HTTP. A route hands :meth:`Once.run` its work as a function of the unit of work: the key
is claimed, the work done and its answer stored in that one transaction. A retry gets the
same status and body back with an ``Idempotent-Replayed: true`` header.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from maitred import errors
from maitred.api.errors import PROBLEM_JSON, problem_of
from maitred.services.idempotency import Idempotency, Replay
from maitred.store.db import UnitOfWork

REPLAYED = "Idempotent-Replayed"

Work = Callable[[UnitOfWork], BaseModel | None]
P = TypeVar("P")


class Once:
    """One write request, keyed by its staff member and ``Idempotency-Key``."""

    def __init__(
        self, idempotency: Idempotency, staff_id: int, key: str, method: str, path: str,
        body: bytes, *, restaurants: list[int] | None = None,
    ) -> None:
        self.idempotency = idempotency
        self.restaurants = restaurants  # row-level security scope of the work
        self.staff_id = staff_id
        self.key = key
        self.method = method
        self.path = path
        self.body = body

    @property
    def actor(self) -> str:
        return f"staff:{self.staff_id}"

    def run(self, status_code: int, work: Work) -> Response:
        """Do ``work`` the first time, in one transaction with its key; replay it after."""
        return self.run_at(status_code, _nowhere, lambda tx, _: work(tx))

    def run_at(
        self, status_code: int, locate: Callable[[UnitOfWork], P],
        work: Callable[[UnitOfWork, P], BaseModel | None], *, after_claim: bool = False,
    ) -> Response:
        """:meth:`run`, with ``locate`` in the same transaction: it finds where the request
        acts and checks the caller may act there (a route naming a booking or a session,
        not a restaurant), and what it returns is handed to ``work``. Its refusal (a 404)
        is never remembered for the key, exactly as a refusal of the route's dependencies
        is not. One connection, one transaction per request.

        ``locate`` runs before the key is claimed, unless ``after_claim``: then it may lock
        the row the work changes (a twin request waits on the key first, so the two never
        wait on each other), saving a read.
        """
        claimed = locating = False
        try:
            with self.idempotency.db.uow(actor=self.actor, correlation_id=self.key,
                                         restaurants=self.restaurants) as tx:
                if not after_claim:
                    where = locate(tx)
                began = self.idempotency.begin(tx, self.staff_id, self.key, self.method,
                                               self.path, self.body)
                if isinstance(began, Replay):
                    return _response(began.status_code, began.body, replayed=True)
                claimed = True
                if after_claim:
                    locating = True
                    where = locate(tx)
                    locating = False
                result = work(tx, where)
                # What FastAPI's jsonable_encoder makes of a model, at a fraction of the cost
                # (it walks the dumped dict again; profiling put it first on this path).
                body = None if result is None else result.model_dump(mode="json",
                                                                     by_alias=True)
                self.idempotency.finish(tx, began, status_code, body)
        except errors.MaitredError as exc:
            # A refusal of the key itself (reused for another request) is not an answer.
            if not claimed or locating or not _worth_remembering(exc):
                raise
            status, problem = problem_of(exc, self.path)
            earlier = self.idempotency.remember(self.staff_id, self.key, self.method,
                                                self.path, self.body, status, problem)
            if earlier is not None:
                return _response(earlier.status_code, earlier.body, replayed=True)
            return _response(status, problem)
        return _response(status_code, body)


def _nowhere(_tx: UnitOfWork) -> None:
    return None


def _worth_remembering(exc: errors.MaitredError) -> bool:
    # A lost race ("a concurrent change got there first; try again": the bare Conflict the
    # store raises for serialization failures and deadlocks; every lasting conflict has
    # its own subclass) and an unreachable database are invitations to retry; replaying
    # them would make the retry pointless.
    return type(exc) is not errors.Conflict and not isinstance(exc, errors.DatabaseUnavailable)


def _response(status: int, body: Any, *, replayed: bool = False) -> Response:
    headers = {REPLAYED: "true"} if replayed else {}
    if status == 204 or body is None:
        return Response(status_code=status, headers=headers)
    media = PROBLEM_JSON if status >= 400 else "application/json"
    return JSONResponse(body, status_code=status, media_type=media, headers=headers)
