"""The jobs, each a thin call into one service.

- ``process_booking`` (queue ``assignments``): the coordinator seats one booking. Deferred
  by the booking factory in the transaction that creates or changes the booking (see
  :func:`maitred.services.coordinator.enqueue`). Its procrastinate ``lock`` is the
  booking, so two jobs for one booking never run at once, and run in order. The worker's
  coordinator may settle other queued bookings of the same restaurant in the same
  transaction and finish their jobs with it (``runner.BATCH``); those jobs are then never
  fetched.
- ``sweep`` (periodic, every 5 s): holds and sessions past their TTL are ended.
- ``recover_stalled`` (periodic, every 5 s): jobs left ``doing`` by a worker that stopped
  beating (killed, frozen, its machine gone) go back to the queue; the coordinator's
  idempotency makes running them again safe.

Services reach a job through procrastinate's context (``additional_context``), set by
:mod:`maitred.worker.runner`: nothing is configured at import. :func:`register` puts the
jobs on an app (one per worker; tests build several in one process).
"""

from __future__ import annotations

from typing import Any

from procrastinate import App, JobContext, RetryStrategy

from maitred import errors
from maitred.config import Settings
from maitred.services import coordinator, sweeper
from maitred.services.coordinator import Coordinator

# A lost race, a lock held by a request, a rate or breaker pause: all say "later". A second
# apart, growing: the day moves on meanwhile. The coordinator bounds the lost races itself
# (after MAX_ATTEMPTS the booking goes to staff), so this bound is only a backstop.
RETRY = RetryStrategy(max_attempts=30, wait=1, linear_wait=1,
                      retry_exceptions={errors.Conflict, errors.DatabaseUnavailable})

# How long a worker may go without a heartbeat before its jobs count as stalled.
STALLED_AFTER_SECONDS = 30.0


def _services(context: JobContext) -> dict[str, Any]:
    extra: dict[str, Any] = context.additional_context
    return extra


def process_booking(context: JobContext, booking_id: int, trigger: str,
                    version: int | None = None, correlation_id: str | None = None) -> str:
    """Seat one booking, or send it to staff; a lost race is retried a moment later."""
    seat: Coordinator = _services(context)["coordinator"]
    outcome = seat.process(booking_id, trigger, version=version,
                           correlation_id=correlation_id or f"job:{context.job.id}")
    if not outcome.final:
        raise coordinator.TryAgain(booking_id, outcome.reason)
    return outcome.outcome


def sweep(context: JobContext, timestamp: int) -> dict[str, int]:  # noqa: ARG001
    """End the holds and sessions past their TTL."""
    swept = sweeper.sweep(_services(context)["db"])
    return {"sessions": swept.sessions, "holds": swept.holds}


async def recover_stalled(context: JobContext, timestamp: int) -> list[int]:  # noqa: ARG001
    """Put the jobs of workers that stopped beating back in the queue."""
    after = float(_services(context).get("stalled_after", STALLED_AFTER_SECONDS))
    manager = context.app.job_manager
    recovered = []
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=after):
        await manager.retry_job(job)
        assert job.id is not None
        recovered.append(job.id)
    await manager.prune_stalled_workers(seconds_since_heartbeat=after)
    return recovered


def register(app: App, settings: Settings) -> None:
    """Put the jobs on ``app``, with their queues, retries and schedules."""
    app.task(name=coordinator.TASK, queue=coordinator.QUEUE, pass_context=True,
             retry=RETRY)(process_booking)
    every_5_s = "* * * * * */5"
    app.periodic(cron=every_5_s, periodic_id="sweep")(
        app.task(name="maitred:sweep", queue="housekeeping", pass_context=True,
                 queueing_lock="maitred:sweep")(sweep))
    app.periodic(cron=every_5_s, periodic_id="recover")(
        app.task(name="maitred:recover_stalled", queue="housekeeping", pass_context=True,
                 queueing_lock="maitred:recover_stalled")(recover_stalled))
    from maitred.worker import optimize_job  # the periodic optimizer (issue 6)
    optimize_job.register(app, settings.optimizer_every_minutes)
