"""Dependencies every route declares: who is asking, for which restaurant, in what role.

Routes take these as ``Annotated`` aliases, so a signature reads like the rule it
enforces::

    def create_table(scope: ManagerScope, body: schemas.TableIn, once: Idempotent): ...

A staff member only sees the restaurants they belong to: asking about another one is a
404, exactly as if it did not exist, so ids cannot be probed across tenants. Within their
restaurant, a role too weak for the action is a 403 (they know the restaurant exists).
Roles rank host < manager < admin: hosts manage bookings, managers also the floor and the
policy, admins also the team.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from maitred import errors
from maitred.api import schemas
from maitred.api.idempotent import Once
from maitred.bootstrap import Services
from maitred.services import idempotency, staff
from maitred.services.staff import StaffMember
from maitred.store.auth import Role
from maitred.store.auth_cache import TokenCache
from maitred.store.db import Database, UnitOfWork

# Dependencies that do no I/O are ``async``: FastAPI runs a plain ``def`` dependency in a
# worker thread, and on a hot route those hops cost more than the work they wrap.


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_db(services: ServicesDep) -> Database:
    return services.db


DB = Annotated[Database, Depends(get_db)]

# auto_error off: a missing token is our own 401 problem body, not Starlette's 403.
_bearer = HTTPBearer(auto_error=False, description="A staff token (`mtd_...`).")

# Who each token belongs to, for a few seconds (see maitred.store.auth_cache for how soon
# a revoked token or a changed role bites).
STAFF_BY_TOKEN: TokenCache[StaffMember] = TokenCache()


async def current_staff(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> StaffMember:
    """The staff member whose bearer token came with the request."""
    if credentials is None:
        raise errors.NotAuthenticated("send a staff token: Authorization: Bearer mtd_...")
    token = credentials.credentials
    key = (services.db.url, staff.hash_token(token))
    found = STAFF_BY_TOKEN.get(key)
    if found is None:
        generation = STAFF_BY_TOKEN.generation
        found = await run_in_threadpool(_authenticate, services.db, token)
        STAFF_BY_TOKEN.put(key, found, generation)
    return found


def _authenticate(db: Database, token: str) -> StaffMember:
    with db.uow() as tx:
        return staff.authenticate(tx, token)


CurrentStaff = Annotated[StaffMember, Depends(current_staff)]


@dataclass(frozen=True, slots=True)
class Scope:
    """A request acting in one restaurant: who, where, and with which role."""

    staff: StaffMember
    restaurant_id: int
    role: Role

    @property
    def actor(self) -> str:
        return self.staff.actor

    def uow(self, db: Database) -> AbstractContextManager[UnitOfWork]:
        """A transaction that sees this restaurant only: row-level security hides the rest."""
        return db.uow(actor=self.actor, restaurants=[self.restaurant_id])


def _scope(needed: Role) -> Callable[..., Awaitable[Scope]]:
    async def check(
        staff_member: CurrentStaff,
        restaurant_id: Annotated[int, Path(ge=1, le=schemas.MAX_ID,
                                           description="The restaurant's id.")],
    ) -> Scope:
        role = staff_member.role_in(restaurant_id)
        if role is None:
            # Not "forbidden": that would confirm the restaurant exists.
            raise errors.NotFound("restaurant", restaurant_id)
        if staff.rank(role) < staff.rank(needed):
            raise errors.Forbidden(f"this needs the {needed} role here; you are {role}")
        return Scope(staff_member, restaurant_id, role)

    check.__name__ = f"{needed}_scope"
    return check


HostScope = Annotated[Scope, Depends(_scope("host"))]
ManagerScope = Annotated[Scope, Depends(_scope("manager"))]
AdminScope = Annotated[Scope, Depends(_scope("admin"))]


async def once(
    request: Request,
    services: ServicesDep,
    staff_member: CurrentStaff,
    key: Annotated[str, Header(
        alias=idempotency.HEADER, min_length=1, max_length=idempotency.MAX_KEY_LENGTH,
        description="Required on every write. A retry with the same key gets the first "
                    "answer again; the same key with a different request is a 422.",
    )],
) -> Once:
    """The request's idempotency handle; the route runs its work through ``once.run``."""
    body = await request.body()
    # A write under /api/restaurants/{restaurant_id} runs scoped to that restaurant, so the
    # database refuses any row of another one (the scope check has vouched for membership).
    raw = str(request.path_params.get("restaurant_id", ""))
    restaurants = [int(raw)] if raw.isdigit() else None
    return Once(services.idempotency, staff_member.id, key, request.method,
                request.url.path, body, restaurants=restaurants)


Idempotent = Annotated[Once, Depends(once)]
