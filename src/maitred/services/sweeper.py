"""The sweeper: holds and sessions past their time are ended, so tables never stay blocked.

A host who walks away from the stand mid-choice leaves a hold behind; after its TTL the
tables must be sellable again. Two mechanisms guarantee it (DESIGN.md §3.2):

- every allocating transaction first expires stale holds on the tables it touches
  (:meth:`maitred.store.allocations.AllocationRepository.hold` and the session service),
  so even with no sweeper a table is never blocked past its TTL;
- this periodic sweep ends every lapsed session (``HELD`` past its hold, ``PROPOSED`` left
  idle) with a history row and an event, and expires every stale hold, so screens and
  the audit trail catch up even on a quiet floor.

The same sweep forgets ``Idempotency-Key`` answers older than a day
(:data:`maitred.services.idempotency.KEPT_HOURS`): no client retries that late, and
without it the table would grow with every write ever made.

Time is the database's clock throughout. Until the worker exists, ``maitred serve`` runs
the sweep in a background thread (:func:`running`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from maitred.services import idempotency, sessions
from maitred.store.db import Database
from maitred.store.sessions import SessionRepository

log = logging.getLogger("maitred.sweeper")

# How often the sweep runs. A hold outlives its TTL by at most this much in the audit
# trail; the tables themselves are free from the TTL on (cleared on write).
INTERVAL_SECONDS = 5.0
BATCH = 200


@dataclass(frozen=True, slots=True)
class Swept:
    """What one sweep ended."""

    sessions: int
    holds: int
    keys: int = 0  # Idempotency-Key answers forgotten


def sweep(
    db: Database, *, batch: int = BATCH, keys_kept_hours: int = idempotency.KEPT_HOURS,
) -> Swept:
    """End every lapsed session and stale hold, a batch per transaction; forget old keys."""
    ended_sessions = 0
    while True:
        with db.uow(actor="sweeper") as tx:
            ended = sessions.expire_lapsed(tx, limit=batch)
        ended_sessions += len(ended)
        if len(ended) < batch:
            break
    ended_holds = 0
    with db.uow(actor="sweeper") as tx:
        for restaurant_id in SessionRepository(tx.conn).restaurants_with_stale_holds():
            ended_holds += len(tx.allocations.expire_stale_holds(restaurant_id))
    forgotten = idempotency.Idempotency(db).forget_old(keys_kept_hours)
    return Swept(ended_sessions, ended_holds, forgotten)


class Sweeper:
    """Runs :func:`sweep` every ``interval`` seconds in a daemon thread until stopped."""

    def __init__(self, db: Database, interval: float = INTERVAL_SECONDS) -> None:
        self.db = db
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="maitred-sweeper",
                                        daemon=True)
        self.sweeps = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                swept = sweep(self.db)
            except Exception:
                # A database hiccup must not kill the sweeper; the next round retries,
                # and clear-on-write keeps tables free meanwhile.
                log.exception("sweep failed; retrying in %.1f s", self.interval)
                continue
            self.sweeps += 1
            if swept.sessions or swept.holds or swept.keys:
                log.info("swept %d sessions and %d holds; forgot %d idempotency keys",
                         swept.sessions, swept.holds, swept.keys)


@contextlib.contextmanager
def running(db: Database, interval: float = INTERVAL_SECONDS) -> Iterator[Sweeper]:
    """A sweeper for the duration of the block (``maitred serve``)."""
    sweeper = Sweeper(db, interval)
    sweeper.start()
    try:
        yield sweeper
    finally:
        sweeper.stop()
