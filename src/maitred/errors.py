"""Every error maitred raises on purpose, under one root.

::

    MaitredError
    ├── InvalidInput(field, detail)            a request names a bad value (4xx naming it)
    │   └── OutsideServiceHours(start_at)      the party would sit while the kitchen is closed
    ├── NotAuthenticated                       no or unknown credentials
    │   └── InvalidSignature                   a webhook's signature or timestamp is wrong
    ├── Forbidden                              known staff member, not allowed to do this
    ├── NotFound(entity, id)                   no such thing in this restaurant
    ├── NotProcessable(booking_id, state)      the pipeline cannot take a booking in this state
    ├── Conflict                               the request clashes with the current state
    │   ├── StaleVersion(entity, id, expected, current)
    │   ├── IllegalTransition(entity, id, state, wanted)
    │   ├── AlreadyExists(entity, field)
    │   ├── InUse(entity)
    │   └── TableUnavailable(table_id, other_booking_id, free_at)
    └── DatabaseUnavailable                    the store cannot be reached or started
        └── DataFolderInUse(data_dir, pid)     another maitred runs the embedded server there

Each class's docstring is its default message; :meth:`MaitredError.fields` gives the
values a client needs to act on it (which table, which booking, free again when), and
``code`` is the stable ``type`` of an ``application/problem+json`` body. The API maps
classes to status codes in one place (``api/errors.py``); nothing else needs to.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar


class MaitredError(Exception):
    """Something went wrong in maitred."""

    code: ClassVar[str] = "maitred-error"

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or _default_message(type(self))
        super().__init__(self.detail)

    def fields(self) -> dict[str, Any]:
        """Values a client needs to act, JSON-ready (datetimes as ISO 8601)."""
        return {
            k: v.isoformat() if isinstance(v, datetime) else str(v) if isinstance(v, Path) else v
            for k, v in vars(self).items()
            if k != "detail" and not k.startswith("_")
        }


def _default_message(cls: type[MaitredError]) -> str:
    doc = cls.__doc__ or MaitredError.__doc__ or ""
    return doc.strip().splitlines()[0]


class InvalidInput(MaitredError):
    """A value in the request is not acceptable."""

    code = "invalid-input"

    def __init__(self, field: str, detail: str | None = None) -> None:
        self.field = field
        super().__init__(f"{field}: {detail}" if detail else None)


class OutsideServiceHours(InvalidInput):
    """The booking does not fall inside one of the restaurant's service periods."""

    code = "outside-service-hours"

    def __init__(self, start_at: datetime, detail: str | None = None) -> None:
        self.start_at = start_at
        super().__init__("start_at", detail or _default_message(OutsideServiceHours))


class NotAuthenticated(MaitredError):
    """Credentials are missing or unknown."""

    code = "not-authenticated"


class InvalidSignature(NotAuthenticated):
    """The webhook signature does not match, or its timestamp is too old."""

    code = "invalid-signature"


class Forbidden(MaitredError):
    """You are not allowed to do this in this restaurant."""

    code = "forbidden"


class NotFound(MaitredError):
    """No such thing here."""

    code = "not-found"

    def __init__(self, entity: str, id: object, detail: str | None = None) -> None:
        self.entity = entity
        self.id = id
        super().__init__(detail or f"{entity} {id} not found")


class NotProcessable(MaitredError):
    """This booking is in a state automatic assignment cannot work on."""

    code = "not-processable"

    def __init__(self, booking_id: int, state: str, detail: str | None = None) -> None:
        self.booking_id = booking_id
        self.state = state
        super().__init__(detail or f"booking {booking_id} is {state}; automatic assignment "
                                   "only works on bookings waiting for tables")


class Conflict(MaitredError):
    """The request clashes with the current state."""

    code = "conflict"


class StaleVersion(Conflict):
    """Someone changed this since you read it; reload and try again."""

    code = "stale-version"

    def __init__(
        self, entity: str, id: object, expected: int, current: int | None,
        detail: str | None = None,
    ) -> None:
        self.entity = entity
        self.id = id
        self.expected = expected
        self.current = current
        super().__init__(
            detail or f"{entity} {id} is at version {current}, not {expected}; reload it"
        )


class IllegalTransition(Conflict):
    """This change is not allowed from the current state."""

    code = "illegal-transition"

    def __init__(
        self, entity: str, id: object, state: str, wanted: str, detail: str | None = None
    ) -> None:
        self.entity = entity
        self.id = id
        self.state = state
        self.wanted = wanted
        super().__init__(detail or f"{entity} {id} is {state}; it cannot become {wanted}")


class AlreadyExists(Conflict):
    """Something with the same name already exists here."""

    code = "already-exists"

    def __init__(self, entity: str, field: str, detail: str | None = None) -> None:
        self.entity = entity
        self.field = field
        super().__init__(detail or f"a {entity} with this {field} already exists")


class InUse(Conflict):
    """Other records still depend on this; remove them first."""

    code = "in-use"

    def __init__(self, entity: str, detail: str | None = None) -> None:
        self.entity = entity
        super().__init__(detail)


class TableUnavailable(Conflict):
    """The table is already held or taken for an overlapping time."""

    code = "table-unavailable"

    def __init__(
        self, table_id: int, other_booking_id: int | None, free_at: datetime | None,
        detail: str | None = None,
    ) -> None:
        self.table_id = table_id
        self.other_booking_id = other_booking_id
        self.free_at = free_at
        when = f", free again at {free_at.isoformat()}" if free_at else ""
        super().__init__(
            detail or f"table {table_id} is held or taken by booking {other_booking_id}{when}"
        )


class DatabaseUnavailable(MaitredError):
    """The database cannot be reached or started."""

    code = "database-unavailable"


class DataFolderInUse(DatabaseUnavailable):
    """Another maitred process is already running the embedded database in this folder."""

    code = "data-folder-in-use"

    def __init__(self, data_dir: Path, pid: int | None, url: str | None = None) -> None:
        self.data_dir = data_dir
        self.pid = pid
        self.url = url
        who = f"process {pid}" if pid else "another process"
        hint = f"; to share it, set DATABASE_URL={url}" if url else ""
        super().__init__(
            f"{who} already runs maitred's embedded PostgreSQL in {data_dir}: stop it, pass "
            f"another --data-dir{hint}"
        )
