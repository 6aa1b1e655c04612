"""Every write is idempotent: a retried request gets the first answer, not a second booking.

A phone call drops, a tablet loses the Wi-Fi, a booking widget retries: the client sends
the same ``Idempotency-Key`` again and must not book the party twice. Each mutating route
runs through :meth:`Idempotency.begin`:

- a key never seen: the request is *claimed* (stored with its hash, no answer yet), runs,
  and its answer is stored with :meth:`Idempotency.finish`;
- a key already answered for the same request: :class:`Replay` of the stored answer
  (status and body), whatever it was, success or refusal;
- a key already used for a *different* request (other method, path or body): refused with
  :class:`~maitred.errors.InvalidInput` on ``Idempotency-Key`` (a 422), because replaying
  the first answer would tell the client something it did not ask;
- a key whose first request is still running: :class:`~maitred.errors.Conflict` (a 409,
  retry shortly). A claim left unanswered past ``grace_seconds`` (its process died) may be
  taken over, so one crash cannot block a key forever.

Keys belong to the staff member, so two hosts choosing the same key never collide. The
claim and the answer are separate short transactions around the use case's own, so no
connection is held while the use case runs; the cost is a narrow window (a crash between
the use case's commit and the answer's) in which a retry runs the request again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from maitred import errors
from maitred.store.db import Database
from maitred.store.idempotency import IdempotencyRepository

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Claim:
    """A request that owns its key and must run, then :meth:`Idempotency.finish`."""

    id: int


@dataclass(frozen=True, slots=True)
class Replay:
    """The first answer given for this key."""

    status_code: int
    body: Any


def request_hash(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path and body (JSON key order ignored)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
        payload = canonical.encode()
    except ValueError:
        payload = body
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), payload):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def check_key(key: str) -> str:
    """A usable key: 1-255 visible ASCII characters (UUIDs are the usual choice)."""
    if not key or len(key) > MAX_KEY_LENGTH or not all(33 <= ord(c) <= 126 for c in key):
        raise errors.InvalidInput(
            HEADER, f"must be 1 to {MAX_KEY_LENGTH} visible ASCII characters (e.g. a UUID)"
        )
    return key


class Idempotency:
    """First answers, per staff member and key."""

    def __init__(self, db: Database, *, grace_seconds: float = 60.0) -> None:
        self.db = db
        self.grace_seconds = grace_seconds

    def begin(
        self, staff_id: int, key: str, method: str, path: str, body: bytes
    ) -> Claim | Replay:
        """Claim the key for this request, or say what was answered to it before."""
        check_key(key)
        fingerprint = request_hash(method, path, body)
        # Two rounds: a claim released between our insert and our read frees the key.
        for _ in range(2):
            with self.db.uow() as tx:
                repo = IdempotencyRepository(tx.conn)
                claim_id = repo.claim(staff_id, key, method.upper(), path, fingerprint,
                                      grace_seconds=self.grace_seconds)
                if claim_id is not None:
                    return Claim(claim_id)
                stored = repo.get(staff_id, key)
            if stored is None:
                continue
            if stored.request_hash != fingerprint:
                raise errors.InvalidInput(
                    HEADER,
                    f"was already used for another request ({stored.method} {stored.path} "
                    "with a different body); use a new key for a new request",
                )
            if stored.status_code is None:
                raise errors.Conflict(
                    "a request with this Idempotency-Key is still running; retry shortly"
                )
            return Replay(stored.status_code, stored.response_body)
        raise errors.Conflict("this Idempotency-Key is being released; retry shortly")

    def finish(self, claim: Claim, status_code: int, body: Any) -> None:
        """Store the answer every retry of this request will get."""
        with self.db.uow() as tx:
            IdempotencyRepository(tx.conn).record_answer(claim.id, status_code, body)

    def abandon(self, claim: Claim) -> None:
        """The request failed on our side: let a retry run it again."""
        with self.db.uow() as tx:
            IdempotencyRepository(tx.conn).release(claim.id)

    def forget_old(self, hours: int = 24) -> None:
        with self.db.uow() as tx:
            IdempotencyRepository(tx.conn).forget_older_than(hours)
