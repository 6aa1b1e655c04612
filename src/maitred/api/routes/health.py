"""Liveness and metrics: what a load balancer and Prometheus poll."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from maitred.api import schemas
from maitred.api.deps import DB
from maitred.errors import DatabaseUnavailable
from maitred.services import guards, telemetry

router = APIRouter(tags=["service"])


@router.get("/healthz", response_model=schemas.Health, summary="Ready to serve")
def healthz(db: DB) -> schemas.Health:
    """200 when the API answers and its database does; 503 otherwise."""
    try:
        with db.connection() as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure to reach the database means "not ready"
        raise DatabaseUnavailable(f"the database does not answer: {exc}") from exc
    return schemas.Health(status="ok", database="ok", breaker=guards.DATABASE.state)


@router.get("/metrics", summary="Prometheus metrics",
            response_class=Response,
            responses={200: {"content": {"text/plain": {}},
                             "description": "Prometheus text format."}})
def metrics(request: Request) -> Response:
    """Request counts by route and status, and request latency."""
    rendered: Response = request.app.state.metrics.render()
    # The automatic pipeline's own figures (issue 5) follow the HTTP ones.
    return Response(bytes(rendered.body) + generate_latest(telemetry.PIPELINE.registry),
                    media_type=CONTENT_TYPE_LATEST)
