"""A restaurant's policy: the rules it changed from maitred's defaults.

Hosts read it (it explains the plans they see); managers change it. The answer carries
both the overrides and the effective values, so a screen shows "buffer 15 min (default
0)" without knowing the defaults.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Response

from maitred.api import schemas
from maitred.api.deps import DB, HostScope, Idempotent, ManagerScope, ServicesDep
from maitred.config import Settings
from maitred.engine.policy import Policy
from maitred.services import sessions
from maitred.store.db import UnitOfWork
from maitred.store.records import Restaurant

router = APIRouter(prefix="/api/restaurants/{restaurant_id}/policy", tags=["policy"])


def effective(settings: Settings, overrides: dict[str, Any]) -> dict[str, Any]:
    """Engine defaults, then the installation's feature flags, then the restaurant's."""
    values: dict[str, Any] = {
        f.name: getattr(Policy(), f.name) for f in dataclasses.fields(Policy)
        if f.name not in ("turn_times", "service_periods")
    }
    values["hold_ttl_seconds"] = settings.hold_ttl_seconds
    values[sessions.IDLE_POLICY_KEY] = sessions.IDLE_SECONDS
    values.update(settings.feature_flags())
    values.update(overrides)
    return values


def _answer(settings: Settings, restaurant: Restaurant) -> schemas.Policy:
    return schemas.Policy(
        restaurant_id=restaurant.id, policy=restaurant.policy,
        effective=effective(settings, restaurant.policy),
        policy_version=restaurant.policy_version,
    )


@router.get("", response_model=schemas.Policy, summary="The restaurant's policy")
def get_policy(scope: HostScope, db: DB, services: ServicesDep) -> schemas.Policy:
    with scope.uow(db) as tx:
        return _answer(services.settings, tx.restaurants.get(scope.restaurant_id))


@router.put("", response_model=schemas.Policy, summary="Replace the policy overrides")
def put_policy(
    scope: ManagerScope, services: ServicesDep, body: schemas.PolicyIn,
    once: Idempotent,
) -> Response:
    """Unknown keys and wrong types are a 422 naming ``policy.<key>``."""
    def work(tx: UnitOfWork) -> schemas.Policy:
        restaurant = tx.restaurants.set_policy(
            scope.restaurant_id, body.policy, expected_version=body.expected_version)
        return _answer(services.settings, restaurant)

    return once.run(200, work)
