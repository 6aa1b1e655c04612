"""The stored first answer of each ``(staff member, Idempotency-Key)``.

A row is claimed in the transaction of the request's use case and completed with its
answer before that transaction commits; a retry finds the answer and gets it again
instead of booking the party twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from maitred.store.db import Connection
from maitred.store.queries import query


@dataclass(frozen=True, slots=True)
class StoredKey:
    id: int
    method: str
    path: str
    request_hash: str
    status_code: int | None
    response_body: Any
    created_at: datetime


class IdempotencyRepository:
    """Claims and answers, each statement in the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def claim(
        self, staff_id: int, key: str, method: str, path: str, request_hash: str
    ) -> int | None:
        """The claim's id, or None when the key is already answered.

        A twin request claiming the same key at the same moment waits here until the
        first one's transaction ends.
        """
        params = {"staff_id": staff_id, "key": key, "method": method, "path": path,
                  "request_hash": request_hash}
        row = self.conn.execute(query("idempotency.claim"), params).fetchone()
        return None if row is None else int(row[0])

    def get(self, staff_id: int, key: str) -> StoredKey | None:
        with self.conn.cursor(row_factory=class_row(StoredKey)) as cur:
            return cur.execute(query("idempotency.get"),
                               {"staff_id": staff_id, "key": key}).fetchone()

    def record_answer(self, claim_id: int, status_code: int, body: Any) -> None:
        self.conn.execute(query("idempotency.record_answer"),
                          {"id": claim_id, "status_code": status_code,
                           "response_body": Jsonb(body)})

    def forget_older_than(self, hours: int) -> int:
        """Delete the keys claimed more than ``hours`` ago; returns how many went."""
        return self.conn.execute(query("idempotency.forget_older_than"),
                                 {"hours": hours}).rowcount
