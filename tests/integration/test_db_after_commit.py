"""store.db.after_commit: a callback runs when its unit of work commits, never on rollback."""

from __future__ import annotations

import pytest

from maitred.store.db import Database, after_commit


def test_a_callback_runs_after_the_commit_and_not_before(db: Database) -> None:
    ran: list[str] = []
    with db.uow() as tx:
        after_commit(tx.conn, lambda: ran.append("committed"))
        assert ran == []
    assert ran == ["committed"]
    with db.uow():  # the next unit of work on that connection does not run it again
        pass
    assert ran == ["committed"]


def _fail_after_registering(db: Database, ran: list[str]) -> None:
    with db.uow() as tx:
        after_commit(tx.conn, lambda: ran.append("committed"))
        raise RuntimeError("the use case failed")


def test_a_rolled_back_unit_of_work_drops_its_callbacks(db: Database) -> None:
    ran: list[str] = []
    with pytest.raises(RuntimeError, match="use case failed"):
        _fail_after_registering(db, ran)
    with db.uow():
        pass
    assert ran == []
