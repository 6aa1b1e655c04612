"""The floor: zones, tables, which tables touch, and the combinations staff may push together.

Every change bumps the restaurant's topology counters (``tables_version``,
``adjacency_version``) and writes an event, so an open manual session can tell that the
floor under its selection changed, and live screens redraw.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg.rows import class_row

from maitred.errors import InvalidInput, NotFound, StaleVersion
from maitred.store.events import EventLog
from maitred.store.queries import query
from maitred.store.records import Combination, Table, Zone

TABLE_FIELDS = ("zone_id", "label", "min_party", "max_party", "tags", "pos_x", "pos_y",
                "width", "height", "shape", "active", "blocked")


class _Repository:
    def __init__(self, conn: psycopg.Connection[Any], events: EventLog) -> None:
        self.conn = conn
        self.events = events

    def _bump(self, restaurant_id: int, counter: str) -> None:
        self.conn.execute(query(f"restaurants.bump_{counter}_version"), {"id": restaurant_id})


class ZoneRepository(_Repository):
    """Areas of the floor (main room, terrace, bar)."""

    def create(self, restaurant_id: int, code: str, name: str = "", position: int = 0) -> Zone:
        zone = self._one("floor.create_zone", {
            "restaurant_id": restaurant_id, "code": code, "name": name or code,
            "position": position,
        })
        assert zone is not None
        self._bump(restaurant_id, "tables")  # zone codes are part of the floor
        self.events.append(restaurant_id, "zone.created", {"id": zone.id, "code": code})
        return zone

    def get(self, restaurant_id: int, zone_id: int) -> Zone:
        zone = self._one("floor.get_zone", {"restaurant_id": restaurant_id, "id": zone_id})
        if zone is None:
            raise NotFound("zone", zone_id)
        return zone

    def list(self, restaurant_id: int) -> list[Zone]:
        with self.conn.cursor(row_factory=class_row(Zone)) as cur:
            cur.execute(query("floor.list_zones"), {"restaurant_id": restaurant_id})
            return cur.fetchall()

    def update(
        self, restaurant_id: int, zone_id: int, *, code: str | None = None,
        name: str | None = None, position: int | None = None,
    ) -> Zone:
        zone = self._one("floor.update_zone", {
            "restaurant_id": restaurant_id, "id": zone_id, "code": code, "name": name,
            "position": position,
        })
        if zone is None:
            raise NotFound("zone", zone_id)
        self._bump(restaurant_id, "tables")  # zone codes are part of the floor
        self.events.append(restaurant_id, "zone.updated", {"id": zone_id})
        return zone

    def delete(self, restaurant_id: int, zone_id: int) -> None:
        params = {"restaurant_id": restaurant_id, "id": zone_id}
        if self.conn.execute(query("floor.delete_zone"), params).fetchone() is None:
            raise NotFound("zone", zone_id)
        self._bump(restaurant_id, "tables")  # zone codes are part of the floor
        self.events.append(restaurant_id, "zone.deleted", {"id": zone_id})

    def _one(self, name: str, params: dict[str, Any]) -> Zone | None:
        with self.conn.cursor(row_factory=class_row(Zone)) as cur:
            cur.execute(query(name), params)
            return cur.fetchone()


class TableRepository(_Repository):
    """Physical tables."""

    def create(
        self, restaurant_id: int, *, zone_id: int, label: str, max_party: int,
        min_party: int = 1, tags: Iterable[str] = (), pos_x: float = 0, pos_y: float = 0,
        width: float = 1, height: float = 1, shape: str = "rect", active: bool = True,
        blocked: bool = False,
    ) -> Table:
        table = self._one("floor.create_table", {
            "restaurant_id": restaurant_id, "zone_id": zone_id, "label": label,
            "min_party": min_party, "max_party": max_party, "tags": sorted(set(tags)),
            "pos_x": pos_x, "pos_y": pos_y, "width": width, "height": height,
            "shape": shape, "active": active, "blocked": blocked,
        })
        assert table is not None
        self._bump(restaurant_id, "tables")
        self.events.append(restaurant_id, "table.created", {"id": table.id, "label": label})
        return table

    def get(self, restaurant_id: int, table_id: int) -> Table:
        table = self._one("floor.get_table", {"restaurant_id": restaurant_id, "id": table_id})
        if table is None:
            raise NotFound("table", table_id)
        return table

    def list(self, restaurant_id: int) -> list[Table]:
        """Every table of the restaurant, in id order (the allocation order)."""
        with self.conn.cursor(row_factory=class_row(Table)) as cur:
            cur.execute(query("floor.list_tables"), {"restaurant_id": restaurant_id})
            return cur.fetchall()

    def update(
        self, restaurant_id: int, table_id: int, *, expected_version: int | None = None,
        **changes: Any,
    ) -> Table:
        """Change the given fields (:data:`TABLE_FIELDS`); others stay as they are."""
        unknown = set(changes) - set(TABLE_FIELDS)
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "not a table field")
        params: dict[str, Any] = dict.fromkeys(TABLE_FIELDS)
        params.update(changes)
        if params["tags"] is not None:
            params["tags"] = sorted(set(params["tags"]))
        params.update(restaurant_id=restaurant_id, id=table_id, expected_version=expected_version)
        table = self._one("floor.update_table", params)
        if table is None:
            current = self.get(restaurant_id, table_id)
            raise StaleVersion("table", table_id, expected_version or 0, current.version)
        self._bump(restaurant_id, "tables")
        self.events.append(restaurant_id, "table.updated",
                           {"id": table_id, "changed": sorted(changes)})
        return table

    def delete(self, restaurant_id: int, table_id: int) -> None:
        params = {"restaurant_id": restaurant_id, "id": table_id}
        if self.conn.execute(query("floor.delete_table"), params).fetchone() is None:
            raise NotFound("table", table_id)
        self._bump(restaurant_id, "tables")
        self._bump(restaurant_id, "adjacency")
        self.events.append(restaurant_id, "table.deleted", {"id": table_id})

    def _one(self, name: str, params: dict[str, Any]) -> Table | None:
        with self.conn.cursor(row_factory=class_row(Table)) as cur:
            cur.execute(query(name), params)
            return cur.fetchone()


class AdjacencyRepository(_Repository):
    """Undirected edges between tables that can be pushed together, stored once (a < b)."""

    def add(self, restaurant_id: int, table_a: int, table_b: int) -> tuple[int, int]:
        a, b = _edge(table_a, table_b)
        self.conn.execute(query("floor.add_adjacency"),
                          {"restaurant_id": restaurant_id, "table_a": a, "table_b": b})
        self._bump(restaurant_id, "adjacency")
        self.events.append(restaurant_id, "adjacency.added", {"tables": [a, b]})
        return a, b

    def remove(self, restaurant_id: int, table_a: int, table_b: int) -> None:
        a, b = _edge(table_a, table_b)
        params = {"restaurant_id": restaurant_id, "table_a": a, "table_b": b}
        if self.conn.execute(query("floor.remove_adjacency"), params).fetchone() is None:
            raise NotFound("adjacency", f"{a}-{b}")
        self._bump(restaurant_id, "adjacency")
        self.events.append(restaurant_id, "adjacency.removed", {"tables": [a, b]})

    def list(self, restaurant_id: int) -> list[tuple[int, int]]:
        rows = self.conn.execute(query("floor.list_adjacency"), {"restaurant_id": restaurant_id})
        return [(a, b) for a, b in rows.fetchall()]


class CombinationRepository(_Repository):
    """Explicit joins of two to four tables of one zone, seated as one."""

    def create(
        self, restaurant_id: int, *, code: str, table_ids: Sequence[int], max_party: int,
        min_party: int = 1, active: bool = True,
    ) -> Combination:
        members = sorted(set(table_ids))
        if not 2 <= len(members) <= 4 or len(members) != len(table_ids):
            raise InvalidInput("table_ids", "a combination joins 2 to 4 distinct tables")
        self._check_one_zone(restaurant_id, members)
        row = self.conn.execute(query("floor.create_combination"), {
            "restaurant_id": restaurant_id, "code": code, "min_party": min_party,
            "max_party": max_party, "active": active,
        }).fetchone()
        assert row is not None
        for table_id in members:
            self.conn.execute(query("floor.add_combination_member"), {
                "restaurant_id": restaurant_id, "combination_id": row[0], "table_id": table_id,
            })
        self._bump(restaurant_id, "adjacency")
        self.events.append(restaurant_id, "combination.created",
                           {"id": row[0], "code": code, "tables": members})
        return self.get(restaurant_id, row[0])

    def get(self, restaurant_id: int, combination_id: int) -> Combination:
        found = self._list(restaurant_id, combination_id)
        if not found:
            raise NotFound("combination", combination_id)
        return found[0]

    def list(self, restaurant_id: int) -> list[Combination]:
        return self._list(restaurant_id, None)

    def update(
        self, restaurant_id: int, combination_id: int, *, code: str | None = None,
        min_party: int | None = None, max_party: int | None = None, active: bool | None = None,
    ) -> Combination:
        row = self.conn.execute(query("floor.update_combination"), {
            "restaurant_id": restaurant_id, "id": combination_id, "code": code,
            "min_party": min_party, "max_party": max_party, "active": active,
        }).fetchone()
        if row is None:
            raise NotFound("combination", combination_id)
        self._bump(restaurant_id, "adjacency")
        self.events.append(restaurant_id, "combination.updated", {"id": combination_id})
        return self.get(restaurant_id, combination_id)

    def delete(self, restaurant_id: int, combination_id: int) -> None:
        params = {"restaurant_id": restaurant_id, "id": combination_id}
        if self.conn.execute(query("floor.delete_combination"), params).fetchone() is None:
            raise NotFound("combination", combination_id)
        self._bump(restaurant_id, "adjacency")
        self.events.append(restaurant_id, "combination.deleted", {"id": combination_id})

    def _list(self, restaurant_id: int, combination_id: int | None) -> builtins.list[Combination]:
        with self.conn.cursor(row_factory=class_row(Combination)) as cur:
            cur.execute(query("floor.list_combinations"),
                        {"restaurant_id": restaurant_id, "id": combination_id})
            return cur.fetchall()

    def _check_one_zone(self, restaurant_id: int, table_ids: builtins.list[int]) -> None:
        # A join across rooms cannot be carried: the planner would seat a party in two places.
        rows = self.conn.execute(query("floor.table_zones"),
                                 {"restaurant_id": restaurant_id, "ids": table_ids}).fetchall()
        if len(rows) > 1:
            raise InvalidInput("table_ids", "the tables of a combination must share one zone")


def _edge(table_a: int, table_b: int) -> tuple[int, int]:
    if table_a == table_b:
        raise InvalidInput("table_ids", "a table cannot be adjacent to itself")
    return (table_a, table_b) if table_a < table_b else (table_b, table_a)
