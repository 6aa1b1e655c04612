"""The benchmark instance format (``shared/bench/FORMAT.md``), parsed into engine values.

Parsing is pure: it takes the decoded JSON document and returns a :class:`Instance`, or
raises :class:`InstanceError` naming the offending field (``bookings[3].party_size: ...``)
so the CLI can print one clear line. Times become minutes from the service's opening.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from maitred.engine.booking import Booking
from maitred.engine.floor import Combination, Floor, FloorError, Table
from maitred.engine.policy import Policy

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class InstanceError(ValueError):
    """The instance document is malformed; the message names the field."""


@dataclass(frozen=True, slots=True)
class Instance:
    """A floor, a day of bookings and the policy to seat them under."""

    name: str
    floor: Floor
    bookings: tuple[Booking, ...]
    policy: Policy
    origin: datetime
    raw: Mapping[str, Any]

    def clock(self, minutes: int) -> str:
        """Wall-clock time of a minute offset, for human text (``19:30``)."""
        return (self.origin + timedelta(minutes=minutes)).strftime("%H:%M")


def parse(raw: Any, name: str = "") -> Instance:
    """Validate and convert a decoded instance document."""
    doc = _mapping(raw, "instance")
    rest = _mapping(doc.get("restaurant"), "restaurant")
    service = _mapping(rest.get("service"), "restaurant.service")
    date = _text(service.get("date"), "restaurant.service.date")
    origin = _datetime(f"{date}T{_text(service.get('open'), 'restaurant.service.open')}",
                       "restaurant.service.open")
    close = _datetime(f"{date}T{_text(service.get('close'), 'restaurant.service.close')}",
                      "restaurant.service.close")
    if close <= origin:  # a service that runs past midnight
        close += timedelta(days=1)
    buffer = _int(doc.get("buffer_minutes", 0) or 0, "buffer_minutes", low=0)
    # Bookings may run past closing in hand-made files; the benchmark says they end by it,
    # so service hours are not enforced here (the shared checker does not either).
    policy = Policy(buffer_minutes=buffer, derive_combinations=False)

    tables = [_table(t, f"restaurant.tables[{i}]")
              for i, t in enumerate(_list(rest.get("tables"), "restaurant.tables"))]
    combos = [_combination(c, f"restaurant.combinations[{i}]")
              for i, c in enumerate(_list(rest.get("combinations", []), "restaurant.combinations"))]
    adjacency = []
    for i, pair in enumerate(_list(rest.get("adjacency", []), "restaurant.adjacency")):
        if not isinstance(pair, list) or len(pair) != 2:
            raise InstanceError(f"restaurant.adjacency[{i}]: expected a pair of table ids")
        adjacency.append((_text(pair[0], f"restaurant.adjacency[{i}][0]"),
                          _text(pair[1], f"restaurant.adjacency[{i}][1]")))
    try:
        floor = Floor(tables, adjacency, combos, policy)
    except (FloorError, ValueError) as exc:
        raise InstanceError(f"restaurant: {exc}") from exc

    bookings = []
    seen: set[str] = set()
    for i, b in enumerate(_list(doc.get("bookings"), "bookings")):
        booking = _booking(b, f"bookings[{i}]", origin, floor)
        if booking.id in seen:
            raise InstanceError(f"bookings[{i}].id: duplicate booking id {booking.id}")
        seen.add(booking.id)
        bookings.append(booking)
    return Instance(name, floor, tuple(bookings), policy, origin, doc)


def plan_document(
    assignments: Mapping[str, Sequence[str]], unassigned: Sequence[str],
    stats: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A plan in the shared format: ``{"assignments": ..., "unassigned": ...}``."""
    doc: dict[str, Any] = {
        "assignments": {bid: sorted(tables) for bid, tables in assignments.items()},
        "unassigned": list(unassigned),
    }
    if stats:
        doc["stats"] = dict(stats)
    return doc


# -- field readers: each names the field it complains about ------------------------------

def _table(raw: Any, where: str) -> Table:
    t = _mapping(raw, where)
    low = _int(t.get("min_party", 1), f"{where}.min_party", low=1)
    high = _int(t.get("max_party"), f"{where}.max_party", low=low)
    tags = _list(t.get("tags") or [], f"{where}.tags")
    return Table(_text(t.get("id"), f"{where}.id"), _text(t.get("zone"), f"{where}.zone"),
                 low, high, frozenset(_text(x, f"{where}.tags") for x in tags),
                 bool(t.get("active", True)))


def _combination(raw: Any, where: str) -> Combination:
    c = _mapping(raw, where)
    members = [_text(x, f"{where}.tables") for x in _list(c.get("tables"), f"{where}.tables")]
    if len(members) < 2 or len(set(members)) != len(members):
        raise InstanceError(f"{where}.tables: needs two or more distinct table ids")
    low = _int(c.get("min_party", 1), f"{where}.min_party", low=1)
    high = _int(c.get("max_party"), f"{where}.max_party", low=low)
    return Combination(_text(c.get("id"), f"{where}.id"), tuple(sorted(members)), low, high)


def _booking(raw: Any, where: str, origin: datetime, floor: Floor) -> Booking:
    b = _mapping(raw, where)
    start = _datetime(_text(b.get("start"), f"{where}.start"), f"{where}.start")
    locked = b.get("locked_tables")
    locked_tables = None
    if locked is not None:
        ids = [_text(x, f"{where}.locked_tables") for x in _list(locked, f"{where}.locked_tables")]
        unknown = [x for x in ids if x not in floor.tables]
        if not ids or unknown:
            raise InstanceError(f"{where}.locked_tables: unknown or empty table list {ids}")
        locked_tables = tuple(sorted(ids))
    zone = b.get("zone_preference")
    tags = _list(b.get("tags_preference") or [], f"{where}.tags_preference")
    return Booking(
        id=_text(b.get("id"), f"{where}.id"),
        party_size=_int(b.get("party_size"), f"{where}.party_size", low=1),
        start=int((start - origin).total_seconds() // 60),
        duration=_int(b.get("duration_minutes"), f"{where}.duration_minutes", low=1),
        zone_preference=None if zone is None else _text(zone, f"{where}.zone_preference"),
        tags_preference=frozenset(_text(x, f"{where}.tags_preference") for x in tags),
        created_seq=_int(b.get("created_seq", 0), f"{where}.created_seq", low=0),
        locked_tables=locked_tables,
    )


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InstanceError(f"{where}: expected an object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise InstanceError(f"{where}: expected a list")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise InstanceError(f"{where}: expected a non-empty string")
    return value


def _int(value: Any, where: str, *, low: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InstanceError(f"{where}: expected a whole number, got {value!r}")
    if low is not None and value < low:
        raise InstanceError(f"{where}: must be >= {low}, got {value}")
    return value


def _datetime(value: str, where: str) -> datetime:
    try:
        return datetime.strptime(value, DATETIME_FORMAT)  # noqa: DTZ007 (local wall-clock)
    except ValueError:
        raise InstanceError(f"{where}: expected YYYY-MM-DDTHH:MM, got {value!r}") from None
