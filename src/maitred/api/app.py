"""``create_app(settings)``: the FastAPI application, built from settings, never at import.

The app owns no state of its own: the pool and the services come from the composition
root (:mod:`maitred.bootstrap`), either handed in (``maitred serve``, tests) or opened by
the app's lifespan from ``settings`` and closed with it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

import maitred
from maitred import bootstrap
from maitred.api import errors, metrics, schemas
from maitred.api.routes import (
    adjacency,
    assignments,
    availability,
    bookings,
    combinations,
    events,
    health,
    manual,
    me,
    ops,
    optimize,
    policy,
    restaurants,
    tables,
    webhooks,
    zones,
)
from maitred.config import Settings

DESCRIPTION = """\
Table assignment for restaurants. Every route under `/api` needs a staff bearer token
(`Authorization: Bearer mtd_...`) and sees only the restaurants its staff member belongs
to. Every write needs an `Idempotency-Key` header: a retry with the same key gets the first
answer again. Errors are `application/problem+json` with a stable `type`.
"""


# Every /api route may answer these, always as application/problem+json.
PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": schemas.Problem, "description": description}
    for status, description in (
        (401, "No valid staff token."),
        (403, "Your role here does not allow this."),
        (404, "No such thing in a restaurant you belong to."),
        (409, "Clashes with the current state (taken table, stale version...)."),
        (422, "A field is invalid; `field` names it."),
    )
}


def create_app(settings: Settings, services: bootstrap.Services | None = None) -> FastAPI:
    """The API over ``services``, or over services opened from ``settings`` at start-up."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if services is not None:  # the caller owns them and closes them
            app.state.services = services
            yield
            return
        with bootstrap.running(settings) as opened:
            app.state.services = opened
            yield

    app = FastAPI(
        title="maitred", version=getattr(maitred, "__version__", "0.1.0"),
        description=DESCRIPTION, lifespan=lifespan,
    )
    app.state.settings = settings
    if services is not None:
        app.state.services = services
    errors.install(app)
    metrics.install(app, measured := metrics.Metrics())
    app.state.metrics = measured
    app.include_router(health.router)
    # The host stand's hot path first: routes are matched in order, and these are called
    # several times a second per host (their prefixes overlap no other router's).
    app.include_router(manual.router, responses=PROBLEMS)
    app.include_router(ops.router, responses=PROBLEMS)
    for module in (me, restaurants, policy, zones, tables, adjacency, combinations, bookings):
        app.include_router(module.router, responses=PROBLEMS)
    app.include_router(assignments.router, responses=PROBLEMS)
    app.include_router(webhooks.router, responses=PROBLEMS)
    app.include_router(events.router, responses=PROBLEMS)
    app.include_router(availability.router, responses=PROBLEMS)
    app.include_router(optimize.router, responses=PROBLEMS)
    app.openapi = lambda: _problems_as_problem_json(app)  # type: ignore[method-assign]
    return app


def _problems_as_problem_json(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with every error answer typed as the problem+json it is."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = FastAPI.openapi(app)
    problem = {"$ref": "#/components/schemas/Problem"}
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if status[:1] in "45" and "content" in response:
                    response["content"] = {"application/problem+json": {"schema": problem}}
    schemas_ = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas_.setdefault("Problem", schemas.Problem.model_json_schema(
        ref_template="#/components/schemas/{model}"))
    for name in ("HTTPValidationError", "ValidationError"):
        schemas_.pop(name, None)
    app.openapi_schema = doc
    return doc
