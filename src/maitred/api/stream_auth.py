"""Signing in to the live event feed from a browser: the staff token in the query string.

A browser's ``EventSource`` cannot send an ``Authorization`` header, so the feed route (and
only it) also takes the same staff token as ``?access_token=mtd_...`` (the parameter name
of RFC 6750, section 2.3). Everything else is as with the header: the same token lookup
(:func:`maitred.api.deps.current_staff`, its cache included), 401 for a missing, unknown or
revoked token, 404 for a restaurant the staff member does not belong to. When both are
sent, the header is the credential and the query is ignored.

A token in a URL is written wherever URLs are: proxy and load-balancer access logs,
browser history. Our own server logs no query strings (no access log; errors log the path
only), and nothing here logs the token. Operators should give a screen its own token
(``POST /api/me/tokens``) so it can be revoked alone, and keep query strings out of any
access log in front of maitred.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from maitred import errors
from maitred.api import deps, schemas
from maitred.services import staff

# auto_error off: a missing token is our own 401 problem body, not Starlette's 403.
_bearer = HTTPBearer(auto_error=False, description="A staff token (`mtd_...`).")


async def stream_scope(
    services: deps.ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    restaurant_id: Annotated[int, Path(ge=1, le=schemas.MAX_ID,
                                       description="The restaurant's id.")],
    access_token: Annotated[str | None, Query(
        min_length=1, max_length=255,
        description="The staff token, for clients that cannot send an Authorization "
                    "header (a browser's EventSource). Ignored when the header is sent.",
    )] = None,
) -> deps.Scope:
    """Any member of the restaurant, by header or by ``access_token``."""
    if credentials is None:
        if access_token is None:
            raise errors.NotAuthenticated("send a staff token: Authorization: Bearer "
                                          "mtd_..., or ?access_token=mtd_... on this route")
        credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=access_token)
    member = await deps.current_staff(services, credentials)
    role = member.role_in(restaurant_id)
    if role is None:
        # Not "forbidden": that would confirm the restaurant exists.
        raise errors.NotFound("restaurant", restaurant_id)
    if staff.rank(role) < staff.rank("host"):
        raise errors.Forbidden(f"this needs the host role here; you are {role}")
    return deps.Scope(member, restaurant_id, role)


StreamScope = Annotated[deps.Scope, Depends(stream_scope)]
