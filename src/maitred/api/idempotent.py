"""Running a write once per ``Idempotency-Key`` and replaying its first answer.

The rules live in :mod:`maitred.services.idempotency`; this module only turns them into
HTTP: the route's work runs inside :meth:`Once.run`, its answer (a model, or the problem
body of a refusal) is stored, and a retry gets the same status and body back with an
``Idempotent-Replayed: true`` header.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from maitred import errors
from maitred.api.errors import PROBLEM_JSON, problem_of
from maitred.services.idempotency import Claim, Idempotency

REPLAYED = "Idempotent-Replayed"


class Once:
    """One write request, keyed by its staff member and ``Idempotency-Key``."""

    def __init__(
        self, idempotency: Idempotency, staff_id: int, key: str, method: str, path: str,
        body: bytes,
    ) -> None:
        self.idempotency = idempotency
        self.staff_id = staff_id
        self.key = key
        self.method = method
        self.path = path
        self.body = body

    def run(self, status_code: int, work: Callable[[], BaseModel | None]) -> Response:
        """Do ``work`` the first time; replay its answer for every retry."""
        began = self.idempotency.begin(self.staff_id, self.key, self.method, self.path,
                                       self.body)
        if not isinstance(began, Claim):
            return _response(began.status_code, began.body, replayed=True)
        try:
            result = work()
        except errors.MaitredError as exc:
            status, problem = problem_of(exc, self.path)
            if status >= 500:
                self.idempotency.abandon(began)
                raise
            # A refusal is an answer too: the retry hears the same "table taken".
            self.idempotency.finish(began, status, problem)
            return _response(status, problem)
        except BaseException:
            self.idempotency.abandon(began)
            raise
        body = None if result is None else jsonable_encoder(result, by_alias=True)
        self.idempotency.finish(began, status_code, body)
        return _response(status_code, body)


def _response(status: int, body: Any, *, replayed: bool = False) -> Response:
    headers = {REPLAYED: "true"} if replayed else {}
    if status == 204 or body is None:
        return Response(status_code=status, headers=headers)
    media = PROBLEM_JSON if status >= 400 else "application/json"
    return JSONResponse(body, status_code=status, media_type=media, headers=headers)
