"""Idempotency-Key answers are forgotten after a day, by the sweeper, and only then."""

from __future__ import annotations

import time

from maitred.services import staff, sweeper
from maitred.services.idempotency import Claim, Idempotency, Replay
from maitred.store.db import Database


def _answered(db: Database, staff_id: int, key: str) -> None:
    """A write that ran once under ``key`` and stored its answer."""
    keys = Idempotency(db)
    with db.uow() as tx:
        claim = keys.begin(tx, staff_id, key, "POST", "/api/things", b'{"n": 1}')
        assert isinstance(claim, Claim)
        keys.finish(tx, claim, 201, {"id": 1})


def _age(db: Database, key: str, hours: int) -> None:
    # Stands in for a day passing: only the claim time moves.
    with db.uow() as tx:
        tx.conn.execute("UPDATE idempotency_keys SET created_at = now() - make_interval("
                        "hours => %(hours)s) WHERE key = %(key)s", {"hours": hours, "key": key})


def _keys(db: Database) -> set[str]:
    with db.uow() as tx:
        return {row[0] for row in tx.conn.execute("SELECT key FROM idempotency_keys")}


def _staff(db: Database) -> int:
    with db.uow() as tx:
        return staff.create_staff(tx, "ann@bistro.test", "Ann").id


def test_the_sweep_forgets_keys_older_than_a_day_and_keeps_the_rest(db: Database) -> None:
    ann = _staff(db)
    for key in ("yesterday", "this-morning"):
        _answered(db, ann, key)
    _age(db, "yesterday", 25)
    _age(db, "this-morning", 23)

    swept = sweeper.sweep(db)

    assert swept.keys == 1
    assert _keys(db) == {"this-morning"}
    with db.uow() as tx:  # a retry of a recent write still gets its first answer
        again = Idempotency(db).begin(tx, ann, "this-morning", "POST", "/api/things",
                                      b'{"n": 1}')
    assert again == Replay(201, {"id": 1})
    assert sweeper.sweep(db).keys == 0


def test_the_background_sweeper_forgets_old_keys_on_its_own(db: Database) -> None:
    ann = _staff(db)
    _answered(db, ann, "last-week")
    _age(db, "last-week", 24 * 7)
    with sweeper.running(db, interval=0.05):
        deadline = time.monotonic() + 10
        while _keys(db) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert _keys(db) == set()
