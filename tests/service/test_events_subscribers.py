"""In-process subscribers of the event feed (the availability cache, later the UI):
woken with the sequence number of each committed change of their restaurant, only theirs.
"""

from __future__ import annotations

import queue

import pytest
from tests.integration.support import SmallFloor

from maitred.services import events
from maitred.store.db import Database


def test_subscriber_is_woken_with_each_committed_seq_of_its_restaurant_only(
    db: Database, small_floor: SmallFloor,
) -> None:
    with db.uow() as tx:
        other = tx.restaurants.create("Across the street").id
    feed = events.Feed(db)
    woken: queue.Queue[int] = queue.Queue()
    unsubscribe = feed.subscribe(small_floor.restaurant_id, woken.put)
    assert feed.wait_connected(5)
    woken.get(timeout=5)  # the wake-up every subscriber gets when the listener connects
    with db.uow() as tx:
        tx.zones.create(other, "far", "Far away")
    with db.uow() as tx:
        tx.zones.create(small_floor.restaurant_id, "patio", "Patio")
        tx.zones.create(small_floor.restaurant_id, "bar", "Bar")
        last = tx.events.last_seq(small_floor.restaurant_id)
    assert [woken.get(timeout=5), woken.get(timeout=5)] == [last - 1, last]
    assert woken.empty()  # nothing for the other restaurant's change
    unsubscribe()
    assert feed.watchers(small_floor.restaurant_id) == 0


def test_rolled_back_change_wakes_no_one(db: Database, small_floor: SmallFloor) -> None:
    feed = events.Feed(db)
    woken: queue.Queue[int] = queue.Queue()
    feed.subscribe(small_floor.restaurant_id, woken.put)
    assert feed.wait_connected(5)
    woken.get(timeout=5)

    def cancelled() -> None:
        with db.uow() as tx:
            tx.zones.create(small_floor.restaurant_id, "patio", "Patio")
            raise RuntimeError("the host cancelled")

    with pytest.raises(RuntimeError):
        cancelled()
    with db.uow() as tx:
        tx.zones.create(small_floor.restaurant_id, "bar", "Bar")
        last = tx.events.last_seq(small_floor.restaurant_id)
    assert woken.get(timeout=5) == last  # the only wake-up is the committed one
    assert woken.empty()
