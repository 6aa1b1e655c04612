"""The coordinator's timelines: a day's busy windows as the planner reads them, patched from
one booking to the next instead of rebuilt.

Building a day's :class:`~maitred.engine.timeline.Timeline` from its busy rows costs a
millisecond or more; between two bookings of one day only a few allocations change (the
last one seated, a hold expired), so :class:`Timelines` keeps the last timeline per
restaurant-day and applies the rows added and removed since. The result is what
:meth:`maitred.services.snapshot.Snapshot.timeline` builds from the same rows.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from maitred.engine.booking import Window
from maitred.engine.timeline import Busy, Kind, Timeline
from maitred.services import snapshot
from maitred.store.sessions import BusyRow


class Timelines:
    """The last timeline built per restaurant-day, brought up to date by differences.

    Building a day's timeline costs a millisecond or more per booking; between two bookings
    of one day only a few allocations change (the last one seated, a hold expired), so the
    previous timeline is patched with what was added and removed since. Per thread: the
    planner reads a timeline while it works, nobody else may patch it meanwhile.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def of(self, snap: snapshot.Snapshot) -> Timeline:
        """The timeline of ``snap``'s busy windows (what ``snap.timeline()`` would build)."""
        last: dict[tuple[int, date], _Built] = self._local.__dict__.setdefault("last", {})
        key = (snap.view.restaurant.id, snap.day)
        rows = frozenset(snap.busy)
        built = last.get(key)
        if (built is None or built.labels is not snap.view.labels
                or built.origin != snap.origin):
            built = _Built(snap.view.labels, snap.origin, frozenset(), Timeline())
        gone, new = built.rows - rows, rows - built.rows
        if len(gone) + len(new) > len(rows) // 2 + 1:
            built = _Built(snap.view.labels, snap.origin, frozenset(), Timeline())
            gone, new = frozenset(), rows
        for row in gone:
            entry = _busy(snap, row)
            if entry is not None:
                built.timeline.remove(entry)
        for row in sorted(new, key=lambda r: (r.table_id, r.start_at)):
            entry = _busy(snap, row)
            if entry is not None:
                built.timeline.add(entry)
        last[key] = _Built(built.labels, built.origin, rows, built.timeline)
        while len(last) > 8:
            last.pop(next(iter(last)))
        return built.timeline


@dataclass(frozen=True, slots=True)
class _Built:
    labels: Mapping[int, str]
    origin: datetime
    rows: frozenset[BusyRow]
    timeline: Timeline


def _busy(snap: snapshot.Snapshot, row: BusyRow) -> Busy | None:
    """One busy row as :meth:`~maitred.services.snapshot.Snapshot.timeline` enters it."""
    label = snap.view.labels.get(row.table_id)
    if label is None:
        return None
    return Busy(label, Window(snap.minutes(row.start_at), snap.minutes(row.end_at, up=True)),
                snapshot.engine_id(row.booking_id),
                Kind.HOLD if row.kind == "hold" else Kind.ASSIGNMENT,
                row.staff_name if row.kind == "hold" else None,
                row.locked and row.kind == "assignment")
