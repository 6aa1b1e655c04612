"""Staff members, their bearer tokens and their roles in each restaurant.

Only a token's sha256 is stored: a leaked database backup must not let anyone act as a
host. Roles are per restaurant (``host`` < ``manager`` < ``admin``); a person may be a
host in one restaurant of a group and the manager of another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from psycopg.rows import class_row

from maitred.store import auth_cache
from maitred.store.db import Connection, after_commit
from maitred.store.queries import query

Role = Literal["host", "manager", "admin"]
ROLES: tuple[Role, ...] = ("host", "manager", "admin")  # weakest first


@dataclass(frozen=True, slots=True)
class StaffUser:
    id: int
    email: str
    name: str
    is_superuser: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Membership:
    restaurant_id: int
    staff_id: int
    role: Role


@dataclass(frozen=True, slots=True)
class Member:
    """One person of a restaurant's team, as its admin sees them."""

    staff_id: int
    email: str
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class Token:
    id: int
    label: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class StaffRepository:
    """Staff users, tokens and memberships, inside the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def create(self, email: str, name: str, *, is_superuser: bool = False) -> StaffUser:
        with self.conn.cursor(row_factory=class_row(StaffUser)) as cur:
            cur.execute(query("auth.create_staff"),
                        {"email": email, "name": name, "is_superuser": is_superuser})
            row = cur.fetchone()
        assert row is not None
        return row

    def get(self, staff_id: int) -> StaffUser | None:
        with self.conn.cursor(row_factory=class_row(StaffUser)) as cur:
            return cur.execute(query("auth.get_staff"), {"staff_id": staff_id}).fetchone()

    def by_email(self, email: str) -> StaffUser | None:
        with self.conn.cursor(row_factory=class_row(StaffUser)) as cur:
            return cur.execute(query("auth.staff_by_email"), {"email": email}).fetchone()

    def add_token(self, staff_id: int, token_hash: str, label: str) -> int:
        row = self.conn.execute(
            query("auth.add_token"),
            {"staff_id": staff_id, "token_hash": token_hash, "label": label},
        ).fetchone()
        assert row is not None
        return int(row[0])

    def staff_for_token(self, token_hash: str) -> StaffUser | None:
        with self.conn.cursor(row_factory=class_row(StaffUser)) as cur:
            return cur.execute(query("auth.staff_for_token"),
                               {"token_hash": token_hash}).fetchone()

    def tokens(self, staff_id: int) -> list[Token]:
        with self.conn.cursor(row_factory=class_row(Token)) as cur:
            return cur.execute(query("auth.tokens"), {"staff_id": staff_id}).fetchall()

    def revoke_token(self, staff_id: int, token_id: int) -> bool:
        row = self.conn.execute(query("auth.revoke_token"),
                                {"staff_id": staff_id, "token_id": token_id}).fetchone()
        self._forget_cached_tokens()
        return row is not None

    def memberships(self, staff_id: int) -> list[Membership]:
        with self.conn.cursor(row_factory=class_row(Membership)) as cur:
            return cur.execute(query("auth.memberships"), {"staff_id": staff_id}).fetchall()

    def set_membership(self, restaurant_id: int, staff_id: int, role: Role) -> Membership:
        with self.conn.cursor(row_factory=class_row(Membership)) as cur:
            row = cur.execute(
                query("auth.set_membership"),
                {"restaurant_id": restaurant_id, "staff_id": staff_id, "role": role},
            ).fetchone()
        assert row is not None
        self._forget_cached_tokens()
        return row

    def remove_membership(self, restaurant_id: int, staff_id: int) -> bool:
        row = self.conn.execute(
            query("auth.remove_membership"),
            {"restaurant_id": restaurant_id, "staff_id": staff_id},
        ).fetchone()
        self._forget_cached_tokens()
        return row is not None

    def members(self, restaurant_id: int) -> list[Member]:
        with self.conn.cursor(row_factory=class_row(Member)) as cur:
            return cur.execute(query("auth.members"),
                               {"restaurant_id": restaurant_id}).fetchall()

    def lock_admins(self, restaurant_id: int) -> list[int]:
        """The ids of the restaurant's admins, their rows locked for this transaction."""
        rows = self.conn.execute(query("auth.lock_admins"),
                                 {"restaurant_id": restaurant_id}).fetchall()
        return [int(row[0]) for row in rows]

    def _forget_cached_tokens(self) -> None:
        # Who a token is and what they may do just changed: the API's few-second memory of
        # token lookups (store/auth_cache.py) forgets now and again at the commit.
        auth_cache.invalidate_all()
        after_commit(self.conn, auth_cache.invalidate_all)

    def lock_setup(self) -> None:
        """Hold the first-run set-up lock until the transaction ends."""
        self.conn.execute(query("auth.lock_setup"))
