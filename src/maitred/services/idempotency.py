"""Every write is idempotent: a retried request gets the first answer, not a second booking.

A phone call drops, a tablet loses the Wi-Fi, a booking widget retries: the client sends
the same ``Idempotency-Key`` again and must not book the party twice. Each mutating route
runs its use case inside :meth:`Idempotency.begin` ... :meth:`Idempotency.finish`, all in
the use case's own transaction:

- a key never seen: the key is claimed, the use case runs, and its answer is stored; the
  claim, the change and the answer commit together or not at all, so a crash can never
  leave a change without its answer (or an answer without its change);
- a key already answered for the same request: :class:`Replay` of the stored answer
  (status and body), whatever it was, success or refusal;
- a key already used for a *different* request (other method, path or body): refused with
  :class:`~maitred.errors.InvalidInput` on ``Idempotency-Key`` (a 422), because replaying
  the first answer would tell the client something it did not ask;
- the same key sent twice at once: the second claim waits on the first one's row lock
  and, once the first commits, replays its answer.

A refusal (409 "table taken", 422 "no such zone") rolls the use case back, claim included;
:meth:`Idempotency.remember` then stores it on its own, so the retry hears the same
refusal. A transient race ("try again") is not stored: retrying it is the point. Keys
belong to the staff member, so two hosts choosing the same key never collide. Keys older
than :data:`KEPT_HOURS` are forgotten by the sweeper (:mod:`maitred.services.sweeper`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from maitred import errors
from maitred.store.db import Database, UnitOfWork
from maitred.store.idempotency import IdempotencyRepository

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# Keys are kept a day: long enough for any client's retries (a tablet back on the Wi-Fi
# the next morning sends a new request, not a retry), short enough to keep the table small.
KEPT_HOURS = 24


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

    def __init__(self, db: Database) -> None:
        self.db = db

    def begin(
        self, tx: UnitOfWork, staff_id: int, key: str, method: str, path: str, body: bytes
    ) -> Claim | Replay:
        """Claim the key in ``tx`` for this request, or say what was answered to it before."""
        check_key(key)
        fingerprint = request_hash(method, path, body)
        repo = IdempotencyRepository(tx.conn)
        claim_id = repo.claim(staff_id, key, method.upper(), path, fingerprint)
        if claim_id is not None:
            return Claim(claim_id)
        stored = repo.get(staff_id, key)
        if stored is None or stored.status_code is None:  # pragma: no cover - see claim
            raise errors.Conflict("a request with this Idempotency-Key is still running")
        if stored.request_hash != fingerprint:
            raise errors.InvalidInput(
                HEADER,
                f"was already used for another request ({stored.method} {stored.path} "
                "with a different body); use a new key for a new request",
            )
        return Replay(stored.status_code, stored.response_body)

    def finish(self, tx: UnitOfWork, claim: Claim, status_code: int, body: Any) -> None:
        """Store the answer every retry of this request will get (in the same ``tx``)."""
        IdempotencyRepository(tx.conn).record_answer(claim.id, status_code, body)

    def remember(
        self, staff_id: int, key: str, method: str, path: str, body: bytes,
        status_code: int, answer: Any,
    ) -> Replay | None:
        """Store a refusal on its own (its use case rolled back with the claim).

        Returns the answer stored meanwhile by a concurrent twin, if one got there first.
        """
        with self.db.uow() as tx:
            began = self.begin(tx, staff_id, key, method, path, body)
            if isinstance(began, Replay):
                return began
            self.finish(tx, began, status_code, answer)
        return None

    def forget_old(self, hours: int = KEPT_HOURS) -> int:
        """Forget keys older than ``hours`` (the sweeper's job); returns how many."""
        with self.db.uow(actor="sweeper") as tx:
            return IdempotencyRepository(tx.conn).forget_older_than(hours)
