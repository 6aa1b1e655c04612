"""The one place where an error becomes an HTTP answer.

Every failure a client can see is an ``application/problem+json`` body (RFC 9457) with a
stable ``type`` (``/problems/<code>``, the error class's ``code``), a ``title``, the
``status``, a human ``detail`` and the fields a client needs to act: which table, which
booking, free again when. A host's tablet or a booking widget can branch on ``type`` and
show ``detail`` without parsing text.

Routes never build error responses themselves; they raise :mod:`maitred.errors` classes
and :data:`STATUS` decides the code. Bad input (a missing field, a party of zero, broken
JSON) is a 4xx naming the field; an unexpected failure is a bare 500 with no stack trace,
logged server-side.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from maitred import errors

log = logging.getLogger("maitred.api")

PROBLEM_JSON = "application/problem+json"

# Most specific class first: the first ``isinstance`` match decides the status.
STATUS: tuple[tuple[type[errors.MaitredError], int], ...] = (
    (errors.InvalidInput, 422),
    (errors.NotProcessable, 400),
    (errors.NotAuthenticated, 401),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.DatabaseUnavailable, 503),
    (errors.MaitredError, 500),
)

TITLES: Mapping[int, str] = {
    400: "Bad request", 401: "Not authenticated", 403: "Forbidden", 404: "Not found",
    405: "Method not allowed", 409: "Conflict", 415: "Unsupported media type",
    422: "Invalid input", 500: "Internal error", 503: "Service unavailable",
}


def status_of(exc: errors.MaitredError) -> int:
    """The HTTP status of a maitred error (the only mapping in the code base)."""
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500  # pragma: no cover - MaitredError itself is the last row


def problem_body(
    code: str, status: int, detail: str, instance: str = "", **fields: Any
) -> dict[str, Any]:
    """A problem document; ``fields`` are camelCased so they read like the rest of the API."""
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    for key, value in fields.items():
        body[camel(key)] = value
    return body


def problem_of(exc: errors.MaitredError, instance: str = "") -> tuple[int, dict[str, Any]]:
    """Status and body for a maitred error: also used to record an idempotent answer."""
    status = status_of(exc)
    fields = jsonable_encoder(exc.fields())
    if isinstance(exc, errors.InvalidInput):
        fields["field"] = camel_path(exc.field)
    return status, problem_body(exc.code, status, exc.detail, instance, **fields)


def problem_response(
    status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(dict(body), status_code=status, media_type=PROBLEM_JSON,
                        headers=dict(headers or {}))


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``: maitred errors, bad requests, HTTP errors, the rest."""
    app.add_exception_handler(errors.MaitredError, _maitred_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


async def _maitred_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.MaitredError)
    status, body = problem_of(exc, request.url.path)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return problem_response(status, body, headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    status, body = validation_problem(exc.errors(), request.url.path)
    return problem_response(status, body)


def validation_problem(
    raw_errors: Sequence[Any], instance: str = ""
) -> tuple[int, dict[str, Any]]:
    """422 naming every bad field as the client spelled it, or 400 when the JSON is broken.

    ``field`` is the name alone (``partySize``, ``guest.phone``, ``tags[2]``), exactly as a
    maitred error names it, and ``in`` says where it was: body, query, path or header.
    """
    problems = []
    for err in raw_errors:
        where, name = _field_of(err.get("loc", ()))
        if err.get("type") == "json_invalid":
            detail = f"request body is not valid JSON: {err.get('ctx', {}).get('error', '')}"
            return 400, problem_body("malformed-json", 400, detail.strip().rstrip(":"),
                                     instance, field="body", **{"in": "body"})
        problems.append({"field": name, "in": where, "message": str(err.get("msg", ""))})
    first = problems[0] if problems else {"field": "body", "in": "body",
                                          "message": "invalid request"}
    detail = "; ".join(f"{p['field']}: {p['message']}" for p in problems) or first["message"]
    return 422, problem_body("invalid-input", 422, detail, instance, field=first["field"],
                             errors=problems, **{"in": first["in"]})


def _field_of(location: Sequence[Any]) -> tuple[str, str]:
    """``("body", "guest", "phone")`` -> ``("body", "guest.phone")``; list items as ``[i]``."""
    where, *parts = [*location] or ["body"]
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return str(where), name or str(where)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    # Routing answers (unknown path, wrong method) keep their status but speak problem+json.
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    body = problem_body(code, exc.status_code, str(exc.detail), request.url.path)
    return problem_response(exc.status_code, body, exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # The stack trace goes to the server's log (Starlette re-raises to uvicorn, which logs
    # it), never to the client.
    log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
    body = problem_body("internal-error", 500, "something went wrong on our side; it is logged",
                        request.url.path)
    return problem_response(500, body)


def camel(name: str) -> str:
    """``other_booking_id`` -> ``otherBookingId``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def camel_path(field: str) -> str:
    """Dotted field paths keep their dots: ``tables[0].min_party`` -> ``tables[0].minParty``.

    Policy keys are sent as they are stored (``{"policy": {"buffer_minutes": 15}}``), so
    ``policy.buffer_minutes`` stays as the client spelled it.
    """
    if field.startswith("policy."):
        return field
    return ".".join(camel(part) for part in field.split("."))
