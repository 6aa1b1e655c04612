"""Health, metrics and the OpenAPI document."""

from __future__ import annotations

import httpx
from tests.http_fixtures import Person, serving

from maitred.api import create_app
from maitred.config import Settings


def test_healthz_says_the_api_and_its_database_answer(client: httpx.Client) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": "ok", "breaker": "closed"}


def test_metrics_count_requests_by_route_template_and_status(
    owner: Person, bistro: int,
) -> None:
    owner.get(f"/api/restaurants/{bistro}")
    owner.get("/api/restaurants/424242")
    text = owner.client.get("/metrics").text
    assert ('maitred_http_requests_total{method="GET",route="/api/restaurants/{restaurant_id}",'
            'status="200"} 1.0') in text
    assert 'route="/api/restaurants/{restaurant_id}",status="404"} 1.0' in text
    assert "maitred_http_request_duration_seconds_bucket" in text


def test_openapi_documents_every_route_with_its_models(client: httpx.Client) -> None:
    """The platform's routes are all there; every route (others' too) has its models."""
    doc = client.get("/openapi.json").json()
    paths = doc["paths"]
    expected = {
        "/healthz": {"get"}, "/metrics": {"get"},
        "/api/me": {"get"}, "/api/me/tokens": {"get", "post"},
        "/api/me/tokens/{token_id}": {"delete"},
        "/api/restaurants": {"get", "post"},
        "/api/restaurants/{restaurant_id}": {"get", "patch", "delete"},
        "/api/restaurants/{restaurant_id}/members": {"get", "put"},
        "/api/restaurants/{restaurant_id}/members/{staff_id}": {"delete"},
        "/api/restaurants/{restaurant_id}/policy": {"get", "put"},
        "/api/restaurants/{restaurant_id}/zones": {"get", "post"},
        "/api/restaurants/{restaurant_id}/zones/{zone_id}": {"get", "patch", "delete"},
        "/api/restaurants/{restaurant_id}/tables": {"get", "post"},
        "/api/restaurants/{restaurant_id}/tables/{table_id}": {"get", "patch", "delete"},
        "/api/restaurants/{restaurant_id}/adjacency": {"get", "post"},
        "/api/restaurants/{restaurant_id}/adjacency/{table_a}/{table_b}": {"delete"},
        "/api/restaurants/{restaurant_id}/combinations": {"get", "post"},
        "/api/restaurants/{restaurant_id}/combinations/{combination_id}":
            {"get", "patch", "delete"},
        "/api/restaurants/{restaurant_id}/bookings": {"get", "post"},
        "/api/restaurants/{restaurant_id}/bookings/{booking_id}": {"get", "patch"},
        "/api/restaurants/{restaurant_id}/bookings/{booking_id}/cancel": {"post"},
    }
    for path, operations in expected.items():
        assert set(paths.get(path, {})) >= operations, path
    for path, operations in paths.items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            success = [c for c in operation["responses"] if c.startswith("2")]
            assert success, where
            if method in ("post", "put", "patch", "delete") and path in expected:
                headers = [p["name"] for p in operation.get("parameters", [])
                           if p["in"] == "header"]
                assert headers == ["Idempotency-Key"], where
            if method in ("post", "put", "patch") and (
                    "requestBody" in operation or path in expected):
                schema = operation["requestBody"]["content"]["application/json"]["schema"]
                assert "$ref" in schema, where
            if success[0] != "204" and path not in ("/metrics",):
                content = operation["responses"][success[0]]["content"]["application/json"]
                assert content["schema"], where
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    assert list(response["content"]) == ["application/problem+json"], where
    models = doc["components"]["schemas"]
    assert "HTTPValidationError" not in models  # FastAPI's default 422 is not what we send
    assert "partySize" in models["BookingIn"]["properties"]
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_an_app_built_from_settings_alone_opens_and_closes_its_own_services(
    database_url: str,
) -> None:
    app = create_app(Settings(database_url=database_url, pool_min_size=1, pool_max_size=2))
    with serving(app) as http:
        assert http.get("/healthz").json() == {"status": "ok", "database": "ok",
                                                "breaker": "closed"}
        assert http.get("/api/me").status_code == 401
    assert app.state.services.db.pool.closed
