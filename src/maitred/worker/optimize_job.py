"""``optimize`` (periodic, every ``Settings.optimizer_every_minutes``, default 10, set by
``MAITRED_OPTIMIZER_EVERY_MINUTES``): the day re-planned for every restaurant with bookings
still to seat today or tomorrow, applied where it qualifies
(:func:`maitred.services.optimizer_runs.run_due`).

Its procrastinate ``queueing_lock`` keeps at most one run waiting: a slow run (a large
floor takes a few seconds per day) never piles copies up behind it. The interval is read
when the job is registered (a worker start); a value outside 1 to 60 minutes is refused by
the settings, not silently clamped.
"""

from __future__ import annotations

from typing import Any

from procrastinate import App, JobContext

from maitred.services import optimizer_runs

TASK = "maitred:optimize"
# The queues a worker listens to are fixed in worker/runner.py; this one is shared with
# the sweeper (a run takes seconds every few minutes, the sweeper's 5 s rhythm tolerates it).
QUEUE = "housekeeping"


def optimize(context: JobContext, timestamp: int) -> list[dict[str, Any]]:  # noqa: ARG001
    """Re-plan each due day; apply the proposals that qualify."""
    extra: dict[str, Any] = context.additional_context
    runs = optimizer_runs.run_due(extra["db"], extra["settings"])
    return [{"restaurant_id": r.restaurant_id, "day": r.day.isoformat(),
             "applied": r.applied, "moves": r.moves, "reason": r.reason} for r in runs]


def register(app: App, every_minutes: int) -> None:
    """Put the periodic optimizer on ``app``, every ``every_minutes`` minutes."""
    cron = f"*/{every_minutes} * * * *"
    app.periodic(cron=cron, periodic_id="optimize")(
        app.task(name=TASK, queue=QUEUE, pass_context=True, queueing_lock=TASK)(optimize))
