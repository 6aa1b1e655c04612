"""``create_app(settings)``: the FastAPI application, built from settings, never at import.

The app owns no state of its own: the pool and the services come from the composition
root (:mod:`maitred.bootstrap`), either handed in (``maitred serve``, tests) or opened by
the app's lifespan from ``settings`` and closed with it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

import maitred
from maitred import bootstrap
from maitred.api import errors, metrics
from maitred.api.routes import (
    adjacency,
    bookings,
    combinations,
    health,
    manual,
    me,
    ops,
    policy,
    restaurants,
    tables,
    zones,
)
from maitred.config import Settings

DESCRIPTION = """\
Table assignment for restaurants. Every route under `/api` needs a staff bearer token
(`Authorization: Bearer mtd_...`) and sees only the restaurants its staff member belongs
to. Every write needs an `Idempotency-Key` header: a retry with the same key gets the first
answer again. Errors are `application/problem+json` with a stable `type`.
"""


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
    for module in (me, restaurants, policy, zones, tables, adjacency, combinations, bookings):
        app.include_router(module.router)
    app.include_router(manual.router)
    app.include_router(ops.router)
    return app
