"""The floor: tables, which tables touch, and the ways a party can be seated.

An *option* is one way to seat a party: a single table, or a combination of tables pushed
together. Combinations are either listed on the floor (explicit) or, when the policy allows,
derived from the adjacency graph. Everything the planner needs per party size is indexed
once here, so a quote never walks the whole floor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations as subsets
from types import MappingProxyType

from maitred.engine.policy import Policy


@dataclass(frozen=True, slots=True)
class Table:
    """A physical table. ``max_party`` is its seat count."""

    id: str
    zone: str
    min_party: int
    max_party: int
    tags: frozenset[str] = field(default=frozenset())
    active: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.min_party <= self.max_party:
            raise ValueError(f"table {self.id}: need 1 <= min_party <= max_party")


@dataclass(frozen=True, slots=True)
class Combination:
    """Tables seated as one. ``tables`` is sorted so equal sets compare equal."""

    id: str
    tables: tuple[str, ...]
    min_party: int
    max_party: int
    derived: bool = False

    def __post_init__(self) -> None:
        if len(self.tables) < 2 or len(set(self.tables)) != len(self.tables):
            raise ValueError(f"combination {self.id}: needs 2 or more distinct tables")
        if not 1 <= self.min_party <= self.max_party:
            raise ValueError(f"combination {self.id}: need 1 <= min_party <= max_party")


@dataclass(frozen=True, slots=True)
class Option:
    """One way to seat a party: a single table or a combination.

    ``tags`` are the tags every member table carries (a party that asked for a window only
    gets one if every table of the join is at the window).
    """

    key: str
    tables: tuple[str, ...]
    zone: str
    min_party: int
    max_party: int
    tags: frozenset[str]
    is_combination: bool

    def fits(self, party_size: int) -> bool:
        return self.min_party <= party_size <= self.max_party


class FloorError(ValueError):
    """The floor's own data is inconsistent (unknown table, combination across zones...)."""


class Floor:
    """An immutable, indexed view of one restaurant's floor under one policy."""

    def __init__(
        self,
        tables: Iterable[Table],
        adjacency: Iterable[tuple[str, str]] = (),
        combinations: Iterable[Combination] = (),
        policy: Policy | None = None,
    ) -> None:
        self.policy = policy or Policy()
        by_id: dict[str, Table] = {}
        for table in tables:
            if table.id in by_id:
                raise FloorError(f"duplicate table id {table.id}")
            by_id[table.id] = table
        self.tables: Mapping[str, Table] = MappingProxyType(by_id)
        self.adjacency: frozenset[tuple[str, str]] = frozenset(
            _canonical_edge(a, b, by_id) for a, b in adjacency
        )
        neighbours: dict[str, set[str]] = {t: set() for t in by_id}
        for a, b in self.adjacency:
            neighbours[a].add(b)
            neighbours[b].add(a)
        self._neighbours = {t: frozenset(n) for t, n in neighbours.items()}
        self.combinations: tuple[Combination, ...] = self._combinations(combinations)
        self.options: tuple[Option, ...] = tuple(
            [_single(t) for t in by_id.values() if t.active]
            + [self._joined(c) for c in self.combinations]
        )
        self._options_by_tables: dict[frozenset[str], list[Option]] = {}
        for option in self.options:
            self._options_by_tables.setdefault(frozenset(option.tables), []).append(option)
        self.max_capacity = max((o.max_party for o in self.options), default=0)
        # Options for each party size, smallest capacity first: the planner's hot index.
        self._by_party: tuple[tuple[Option, ...], ...] = tuple(
            tuple(sorted((o for o in self.options if o.fits(p)), key=_capacity_order))
            for p in range(self.max_capacity + 1)
        )

    # -- queries -----------------------------------------------------------------------

    def neighbours(self, table_id: str) -> frozenset[str]:
        return self._neighbours.get(table_id, frozenset())

    def are_adjacent(self, a: str, b: str) -> bool:
        # Stored once per pair; looking both ways means a missing reverse edge cannot exist.
        return b in self._neighbours.get(a, frozenset())

    def is_connected(self, table_ids: Iterable[str]) -> bool:
        """Whether the tables form one connected group in the adjacency graph."""
        wanted = set(table_ids)
        if not wanted:
            return False
        start = next(iter(wanted))
        seen, stack = {start}, [start]
        while stack:
            for nb in self._neighbours.get(stack.pop(), frozenset()) & wanted:
                if nb not in seen:
                    seen.add(nb)
                    stack.append(nb)
        return seen == wanted

    def options_for(self, party_size: int) -> tuple[Option, ...]:
        """Every option a party of this size fits, smallest capacity first."""
        if party_size < 1 or party_size > self.max_capacity:
            return ()
        return self._by_party[party_size]

    def options_with_tables(self, table_ids: Iterable[str]) -> list[Option]:
        """The options whose table set is exactly ``table_ids`` (usually zero or one)."""
        return self._options_by_tables.get(frozenset(table_ids), [])

    # -- construction ------------------------------------------------------------------

    def _combinations(self, explicit: Iterable[Combination]) -> tuple[Combination, ...]:
        policy = self.policy
        listed = list(explicit)
        for combo in listed:
            unknown = [t for t in combo.tables if t not in self.tables]
            if unknown:
                raise FloorError(f"combination {combo.id}: unknown tables {unknown}")
            if len({self.tables[t].zone for t in combo.tables}) != 1:
                raise FloorError(f"combination {combo.id}: tables span zones")
        if not policy.merges_enabled:
            return ()
        usable = [c for c in listed if all(self.tables[t].active for t in c.tables)]
        if policy.require_adjacency:
            usable = [c for c in usable if self.is_connected(c.tables)]
        if not policy.derive_combinations:
            return tuple(usable)
        known = {frozenset(c.tables) for c in usable}
        derived = [c for c in self._derive() if frozenset(c.tables) not in known]
        return tuple(usable + derived)

    def _derive(self) -> list[Combination]:
        """Connected same-zone table sets of 2..max_tables_per_combination tables.

        Capacity: the seats of every table minus ``seats_lost_per_join`` per join. A derived
        combination only takes parties larger than its biggest member seats alone: joining
        tables for a party that fits one of them wastes a table for nothing.
        """
        policy = self.policy
        limit = policy.max_tables_per_combination
        active = sorted(t.id for t in self.tables.values() if t.active)
        groups: set[tuple[str, ...]] = set()
        if policy.require_adjacency:
            for root in active:
                zone = self.tables[root].zone
                # Grow connected sets whose smallest member is ``root`` (each set once).
                frontier: list[frozenset[str]] = [frozenset([root])]
                for _ in range(limit - 1):
                    grown: set[frozenset[str]] = set()
                    for partial in frontier:
                        for member in partial:
                            for nb in self._neighbours[member]:
                                if nb > root and nb not in partial and self._joinable(nb, zone):
                                    grown.add(partial | {nb})
                    groups.update(tuple(sorted(g)) for g in grown)
                    frontier = list(grown)
        else:
            by_zone: dict[str, list[str]] = {}
            for tid in active:
                by_zone.setdefault(self.tables[tid].zone, []).append(tid)
            for members in by_zone.values():
                for size in range(2, limit + 1):
                    groups.update(subsets(members, size))
        combos = []
        for group in sorted(groups):
            seats = sum(self.tables[t].max_party for t in group)
            capacity = seats - policy.seats_lost_per_join * (len(group) - 1)
            smallest = max(self.tables[t].max_party for t in group) + 1
            if capacity >= smallest:
                combos.append(Combination("+".join(group), group, smallest, capacity, True))
        return combos

    def _joinable(self, table_id: str, zone: str) -> bool:
        table = self.tables[table_id]
        return table.active and table.zone == zone

    def _joined(self, combo: Combination) -> Option:
        members = [self.tables[t] for t in combo.tables]
        tags = frozenset.intersection(*(m.tags for m in members))
        return Option(
            combo.id, tuple(sorted(combo.tables)), members[0].zone,
            combo.min_party, combo.max_party, tags, True,
        )


def _single(table: Table) -> Option:
    return Option(
        table.id, (table.id,), table.zone, table.min_party, table.max_party, table.tags, False
    )


def _capacity_order(option: Option) -> tuple[int, int, tuple[str, ...]]:
    return (option.max_party, len(option.tables), option.tables)


def _canonical_edge(a: str, b: str, tables: Mapping[str, Table]) -> tuple[str, str]:
    if a == b:
        raise FloorError(f"table {a} cannot be adjacent to itself")
    for t in (a, b):
        if t not in tables:
            raise FloorError(f"adjacency names unknown table {t}")
    return (a, b) if a < b else (b, a)
