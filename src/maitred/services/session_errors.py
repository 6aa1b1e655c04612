"""The refusals of manual sessions, each with what a host's screen needs to act on it.

::

    IllegalTransition
    └── SessionExpired          the hold ran out before the confirm (state EXPIRED)
    StaleVersion
    └── StaleSelection          another tab moved the selection on; carries the session
    Conflict
    ├── SelectionRefused        the tables no longer pass the floor's rules; the reasons
    └── TablesRefused           the same, for a choice made outside a session (ops routes)
    TableUnavailable
    └── TableHeld               another party keeps the table: who, which host, free when
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from maitred import errors

EXPIRED = "EXPIRED"


class SessionExpired(errors.IllegalTransition):
    """The session's hold ran out before it was confirmed; start again."""

    code = "session-expired"

    def __init__(self, session_id: int, wanted: str) -> None:
        super().__init__("session", session_id, EXPIRED, wanted,
                         f"session {session_id} is EXPIRED: its hold ran out before it was "
                         "confirmed; open a new session")


class StaleSelection(errors.StaleVersion):
    """Your selection is out of date: someone changed it since you read it."""

    code = "stale-selection"

    def __init__(self, session_id: int, expected: int, current: int,
                 session: dict[str, Any]) -> None:
        self.session = session
        super().__init__("session", session_id, expected, current,
                         f"session {session_id} is at selectionVersion {current}, not "
                         f"{expected}; the current session is attached")


class SelectionRefused(errors.Conflict):
    """The selection no longer passes the floor's rules."""

    code = "selection-refused"

    def __init__(self, session_id: int, violations: list[dict[str, Any]]) -> None:
        self.session_id = session_id
        self.violations = violations
        reasons = " ".join(str(v["message"]) for v in violations)
        super().__init__(f"session {session_id}: the tables cannot be had. {reasons}")


class TablesRefused(errors.Conflict):
    """The tables do not pass the floor's rules for this booking (no session involved)."""

    code = "selection-refused"

    def __init__(self, booking_id: int, violations: list[dict[str, Any]]) -> None:
        self.booking_id = booking_id
        self.violations = violations
        reasons = " ".join(str(v["message"]) for v in violations)
        super().__init__(f"booking {booking_id}: the tables cannot be had. {reasons}")


class TableHeld(errors.TableUnavailable):
    """The table is held or taken by another party for an overlapping time."""

    def __init__(self, table_id: int, table_label: str, holder_booking_id: int | None,
                 holder_staff_id: int | None, holder_staff_name: str | None,
                 free_at: datetime | None, detail: str) -> None:
        self.table_label = table_label
        self.holder_booking_id = holder_booking_id
        self.holder_staff_id = holder_staff_id
        self.holder_staff_name = holder_staff_name
        super().__init__(table_id, holder_booking_id, free_at, detail)
