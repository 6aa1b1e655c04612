"""``optimize`` (periodic, every ``MAITRED_OPTIMIZER_EVERY_MINUTES``, default 10): the
day re-planned for every restaurant with bookings still to seat today or tomorrow, applied
where it qualifies (:func:`maitred.services.optimizer_runs.run_due`).

Its procrastinate ``queueing_lock`` keeps at most one run waiting: a slow run (a large
floor takes a few seconds per day) never piles copies up behind it. The interval is read
when the job is registered (a worker start), from the environment like every setting; a
value outside 1 to 60 minutes is refused there, not silently clamped.
"""

from __future__ import annotations

import os
from typing import Any

from procrastinate import App, JobContext

from maitred.services import optimizer_runs

TASK = "maitred:optimize"
# The queues a worker listens to are fixed in worker/runner.py; this one is shared with
# the sweeper (a run takes seconds every few minutes, the sweeper's 5 s rhythm tolerates it).
QUEUE = "housekeeping"
EVERY_MINUTES_ENV = "MAITRED_OPTIMIZER_EVERY_MINUTES"
DEFAULT_EVERY_MINUTES = 10


def optimize(context: JobContext, timestamp: int) -> list[dict[str, Any]]:  # noqa: ARG001
    """Re-plan each due day; apply the proposals that qualify."""
    extra: dict[str, Any] = context.additional_context
    runs = optimizer_runs.run_due(extra["db"], extra["settings"])
    return [{"restaurant_id": r.restaurant_id, "day": r.day.isoformat(),
             "applied": r.applied, "moves": r.moves, "reason": r.reason} for r in runs]


def every_minutes(environ: dict[str, str] | None = None) -> int:
    """The interval from the environment (default 10); ValueError names the variable."""
    raw = (os.environ if environ is None else environ).get(EVERY_MINUTES_ENV, "")
    if not raw.strip():
        return DEFAULT_EVERY_MINUTES
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{EVERY_MINUTES_ENV}: expected whole minutes, got {raw!r}") from None
    if not 1 <= value <= 60:
        raise ValueError(f"{EVERY_MINUTES_ENV}: must be between 1 and 60, not {value}")
    return value


def register(app: App) -> None:
    """Put the periodic optimizer on ``app``."""
    cron = f"*/{every_minutes()} * * * *"
    app.periodic(cron=cron, periodic_id="optimize")(
        app.task(name=TASK, queue=QUEUE, pass_context=True, queueing_lock=TASK)(optimize))
