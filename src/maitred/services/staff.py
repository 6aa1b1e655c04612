"""Who works where: staff members, their bearer tokens and their roles per restaurant.

A host takes bookings, a manager also shapes the floor and the policy, an admin also
decides who is on the team. A staff member only ever sees the restaurants they belong to;
a superuser (the person running the installation) sees every restaurant as its admin.

Tokens are shown once, when issued; only their sha256 is kept.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from maitred import errors
from maitred.store import auth
from maitred.store.auth import ROLES, Member, Role, StaffUser, Token
from maitred.store.db import UnitOfWork
from maitred.store.records import Restaurant

TOKEN_PREFIX = "mtd_"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def rank(role: Role) -> int:
    """host < manager < admin."""
    return ROLES.index(role)


@dataclass(frozen=True, slots=True)
class StaffMember:
    """The person behind a request, with their role in each restaurant."""

    id: int
    email: str
    name: str
    is_superuser: bool = False
    roles: Mapping[int, Role] = field(default_factory=dict)

    def role_in(self, restaurant_id: int) -> Role | None:
        if self.is_superuser:
            return "admin"
        return self.roles.get(restaurant_id)

    @property
    def actor(self) -> str:
        """How history rows and events name this person."""
        return f"staff:{self.id}"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    id: int
    token: str  # shown once; never stored


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_staff(
    tx: UnitOfWork, email: str, name: str, *, is_superuser: bool = False
) -> StaffUser:
    """A new staff member (no restaurant yet: grant them one with :func:`grant`)."""
    email = _valid_email(email)
    if not name.strip():
        raise errors.InvalidInput("name", "must not be empty")
    return auth.StaffRepository(tx.conn).create(email, name.strip(), is_superuser=is_superuser)


def ensure_staff(tx: UnitOfWork, email: str, name: str) -> StaffUser:
    """The staff member with this email, created if missing (demo and first-run set-up)."""
    repo = auth.StaffRepository(tx.conn)
    return repo.by_email(email) or repo.create(_valid_email(email), name)


def issue_token(tx: UnitOfWork, staff_id: int, label: str = "") -> IssuedToken:
    """A new bearer token for a staff member; the only time its text is known."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    repo = auth.StaffRepository(tx.conn)
    if repo.get(staff_id) is None:
        raise errors.NotFound("staff member", staff_id)
    return IssuedToken(repo.add_token(staff_id, hash_token(token), label), token)


def tokens(tx: UnitOfWork, staff_id: int) -> list[Token]:
    return auth.StaffRepository(tx.conn).tokens(staff_id)


def revoke_token(tx: UnitOfWork, staff_id: int, token_id: int) -> None:
    """Revoke one of the staff member's own tokens (a lost tablet)."""
    if not auth.StaffRepository(tx.conn).revoke_token(staff_id, token_id):
        raise errors.NotFound("token", token_id)


def authenticate(tx: UnitOfWork, token: str) -> StaffMember:
    """The staff member a bearer token belongs to, with their roles."""
    if not token.startswith(TOKEN_PREFIX):
        raise errors.NotAuthenticated("the bearer token is not a maitred staff token")
    repo = auth.StaffRepository(tx.conn)
    user = repo.staff_for_token(hash_token(token))
    if user is None:
        raise errors.NotAuthenticated("the bearer token is unknown or revoked")
    roles = {m.restaurant_id: m.role for m in repo.memberships(user.id)}
    return StaffMember(user.id, user.email, user.name, user.is_superuser, roles)


def grant(
    tx: UnitOfWork, restaurant_id: int, email: str, role: Role, name: str | None = None,
) -> Member:
    """Put a person on a restaurant's team (or change their role).

    A person without an account gets one (``name`` is then required), so an admin can
    add a new host in one step.
    """
    if role not in ROLES:
        raise errors.InvalidInput("role", f"must be one of {', '.join(ROLES)}")
    email = _valid_email(email)
    repo = auth.StaffRepository(tx.conn)
    user = repo.by_email(email)
    if user is None:
        if not name or not name.strip():
            raise errors.InvalidInput("name", "is required for someone without an account")
        user = repo.create(email, name.strip())
    current = {m.restaurant_id: m.role for m in repo.memberships(user.id)}
    if current.get(restaurant_id) == "admin" and role != "admin":
        _keep_one_admin(repo, restaurant_id)
    repo.set_membership(restaurant_id, user.id, role)
    return Member(user.id, user.email, user.name, role)


def remove(tx: UnitOfWork, restaurant_id: int, staff_id: int) -> None:
    """Take a person off a restaurant's team; the last admin cannot leave it."""
    repo = auth.StaffRepository(tx.conn)
    members = {m.staff_id: m for m in repo.members(restaurant_id)}
    if staff_id not in members:
        raise errors.NotFound("member", staff_id)
    if members[staff_id].role == "admin":
        _keep_one_admin(repo, restaurant_id)
    repo.remove_membership(restaurant_id, staff_id)


def members(tx: UnitOfWork, restaurant_id: int) -> list[Member]:
    return auth.StaffRepository(tx.conn).members(restaurant_id)


def _keep_one_admin(repo: auth.StaffRepository, restaurant_id: int) -> None:
    # A restaurant nobody can administer could never get a new host or manager again.
    if len(repo.lock_admins(restaurant_id)) <= 1:
        raise errors.InUse(
            "admin", "a restaurant keeps at least one admin; name another admin first")


def _valid_email(email: str) -> str:
    email = email.strip()
    if not _EMAIL.match(email):
        raise errors.InvalidInput("email", "is not an email address")
    return email


def open_restaurant(
    tx: UnitOfWork, founder_id: int, name: str, *, timezone: str = "UTC",
    slot_minutes: int = 15,
) -> Restaurant:
    """A new restaurant, with the staff member who opened it as its first admin."""
    restaurant = tx.restaurants.create(name, timezone=timezone, slot_minutes=slot_minutes)
    auth.StaffRepository(tx.conn).set_membership(restaurant.id, founder_id, "admin")
    return restaurant
