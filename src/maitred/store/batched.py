"""One named statement run for every item of a batch, in one round trip.

psycopg's ``executemany`` sends the statements in pipeline mode: the server runs them
back to back while the client waits once, instead of once per statement. With
``returning``, each statement's first row comes back, in the order of the items.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import psycopg
from psycopg.rows import RowFactory

from maitred.store.queries import query

Row = TypeVar("Row")


def run_each(conn: psycopg.Connection[Any], key: str, items: Sequence[dict[str, Any]]) -> None:
    """Run query ``key`` once per item of ``items``."""
    if len(items) == 1:  # a single statement needs no pipeline
        conn.execute(query(key), items[0])
    elif items:
        with conn.cursor() as cur:
            cur.executemany(query(key), items)


def first_rows(conn: psycopg.Connection[Any], key: str, items: Sequence[dict[str, Any]],
               row_factory: RowFactory[Row]) -> list[Row | None]:
    """Run query ``key`` once per item; the first row of each (None where it has none)."""
    if not items:
        return []
    found: list[Row | None] = []
    with conn.cursor(row_factory=row_factory) as cur:
        if len(items) == 1:  # a single statement needs no pipeline
            cur.execute(query(key), items[0])
            return [cur.fetchone()]
        cur.executemany(query(key), items, returning=True)
        while True:
            found.append(cur.fetchone())
            if not cur.nextset():
                break
    return found
