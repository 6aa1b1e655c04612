"""The JSON contract of manual assignment sessions (and their compatibility routes).

The answer is built by :meth:`maitred.services.session_answers.SessionAnswer.to_json`;
these models document it in the OpenAPI schema and check it on the way out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from maitred.api.schemas import In, Model

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
TableIds = Annotated[list[Id], Field(max_length=8)]


class SessionIn(In):
    booking_id: Id
    table_ids: TableIds | None = Field(
        default=None, description="Tables to hold; leave out to just open (or find) the "
                                  "session.")


class SelectionIn(In):
    table_ids: TableIds
    selection_version: int = Field(ge=0, description="The selectionVersion you last saw.")


class Violation(Model):
    kind: str
    message: str
    table_id: int | None
    table_label: str | None
    holder_booking_id: int | None
    holder_staff_id: int | None
    holder_staff_name: str | None
    free_at: datetime | None


class TableStatus(Model):
    table_id: int
    label: str
    status: str = Field(description="selected, held, taken or inactive (the chosen tables "
                                    "only; the whole floor is GET /context)")
    booking_id: int | None
    staff_id: int | None
    staff_name: str | None
    free_at: datetime | None


class Alternative(Model):
    table_ids: list[int]
    labels: list[str]
    score: float
    strategy: str
    reasons: list[str]


class Versions(Model):
    tables: int | None
    adjacency: int | None
    flags: int | None
    window: int | None
    holds: int | None
    assignments: int | None


class BookingBrief(Model):
    id: int
    party_size: int
    start_at: datetime
    end_at: datetime
    state: str
    version: int


class Session(Model):
    """A host's manual assignment of one booking, judged against the floor right now."""

    id: int
    restaurant_id: int
    booking_id: int
    staff_id: int
    state: str = Field(description="PROPOSED, HELD, CONFIRMED, CANCELLED or EXPIRED")
    table_ids: list[int]
    table_labels: list[str]
    selection_version: int
    version: int
    hold_id: int | None
    hold_expires_at: datetime | None
    valid: bool
    stale: bool = Field(description="The data the selection depends on changed since it "
                                    "was judged; ``changed`` says which part.")
    changed: list[str]
    context_version: str | None
    snapshot_hash: str | None
    versions: Versions
    booking: BookingBrief
    tables: list[TableStatus]
    violations: list[Violation]
    alternatives: list[Alternative]
    created_at: datetime
    updated_at: datetime


# -- the compatibility flow --------------------------------------------------------------------

class Context(Model):
    """The floor around one booking; ``contextVersion`` is scoped to its window."""

    booking: dict[str, Any]
    context_version: str
    tables: list[dict[str, Any]]
    holds: list[dict[str, Any]]


class ChoiceIn(In):
    booking_id: Id
    table_ids: Annotated[list[Id], Field(min_length=1, max_length=8)]
    context_version: str | None = Field(
        default=None, description="The contextVersion you read; a stale one is a 409.")


class Validation(Model):
    booking_id: int
    table_ids: list[int]
    valid: bool
    context_version: str
    violations: list[Violation]


class ConfirmIn(In):
    hold_id: Id


# -- ops ------------------------------------------------------------------------------------

class TableIn(In):
    table_id: Id


class AssignedTable(Model):
    table_id: int
    label: str
    source: str
    assigned_by: int | None
    assigned_at: datetime


class BookingTables(Model):
    booking_id: int
    state: str
    version: int
    tables: list[AssignedTable]
