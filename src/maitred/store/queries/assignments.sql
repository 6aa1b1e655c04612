-- name: add_attempt
-- One automatic attempt to seat a booking; numbered after the booking's earlier ones
-- (the caller holds the booking's row lock, so two attempts never take one number).
INSERT INTO booking_assignment_attempts (restaurant_id, booking_id, attempt_number, trigger,
                                         strategy, result, reason, score, metadata,
                                         correlation_id)
SELECT %(restaurant_id)s, %(booking_id)s,
       coalesce((SELECT max(attempt_number) FROM booking_assignment_attempts
                 WHERE booking_id = %(booking_id)s), 0) + 1,
       %(trigger)s, %(strategy)s, %(result)s, %(reason)s, %(score)s, %(metadata)s,
       %(correlation_id)s
RETURNING attempt_number;

-- name: attempts
SELECT attempt_number, trigger, strategy, result, reason, score, metadata, correlation_id,
       created_at
FROM booking_assignment_attempts
WHERE restaurant_id = %(restaurant_id)s AND booking_id = %(booking_id)s
ORDER BY attempt_number;

-- name: processed
-- The outcome already recorded for (booking, trigger, version), if any.
SELECT outcome, result FROM booking_assignment_idempotency
WHERE booking_id = %(booking_id)s AND trigger = %(trigger)s
  AND booking_version = %(booking_version)s;

-- name: record_processed
INSERT INTO booking_assignment_idempotency (restaurant_id, booking_id, trigger,
                                            booking_version, outcome, result)
VALUES (%(restaurant_id)s, %(booking_id)s, %(trigger)s, %(booking_version)s, %(outcome)s,
        %(result)s)
ON CONFLICT (booking_id, trigger, booking_version) DO NOTHING;

-- name: try_lock
-- A transaction-scoped advisory lock on a name ('booking:17', 'day:3:2030-06-14'): held
-- until the transaction ends, whatever way it ends (a killed worker's lock dies with its
-- connection). Returns false at once when another transaction holds it.
SELECT pg_try_advisory_xact_lock(hashtextextended(%(name)s, 0));

-- name: try_lock_shared
-- The same lock, shared: many bookings of one day are processed side by side, while a
-- whole-day run (which takes it exclusively) waits for none of them and none for it.
SELECT pg_try_advisory_xact_lock_shared(hashtextextended(%(name)s, 0));

-- name: restaurant_of_booking
SELECT restaurant_id FROM bookings WHERE id = %(booking_id)s;

-- name: open_bookings_of_day
-- Bookings of a day still waiting for a table, in the order they were made.
SELECT id FROM bookings
WHERE restaurant_id = %(restaurant_id)s AND start_at >= %(start_at)s AND start_at < %(end_at)s
  AND state IN ('pending', 'assignment_pending', 'manual_review')
ORDER BY created_seq, id;

-- name: defer_job
-- A job for the queue, written in the caller's transaction (the outbox): it exists exactly
-- when the change that caused it commits. procrastinate's own function, so its triggers
-- (events, NOTIFY to idle workers) fire as for any job it defers itself.
SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(
    %(queue)s, %(task)s, %(priority)s, %(lock)s, %(queueing_lock)s, %(args)s,
    %(scheduled_at)s)::procrastinate_job_to_defer_v1]));

-- name: restaurant_of_hold
SELECT restaurant_id FROM table_holds WHERE id = %(hold_id)s;

-- name: advance_fence
-- Record a lock's fencing token for the booking if it is newer than any seen; returns no
-- row when a newer token has already been here (the caller's lock is stale).
INSERT INTO booking_lock_fences (booking_id, fence) VALUES (%(booking_id)s, %(fence)s)
ON CONFLICT (booking_id) DO UPDATE SET fence = EXCLUDED.fence, updated_at = now()
    WHERE booking_lock_fences.fence < EXCLUDED.fence
RETURNING fence;
-- name: booking_for_update_processed
-- bookings.get_for_update and processed in one statement: the booking, its row locked,
-- and the outcome already recorded for (booking, trigger, version) if any (version: the
-- given one, else the booking's current one).
SELECT b.id, b.restaurant_id, b.guest_id, b.reference, b.party_size, b.start_at, b.end_at,
    b.duration_minutes, b.state, b.status, b.version, b.source, b.zone_preference_id,
    b.tags_preference, b.notes, b.locked, b.assignment_attempts, b.assigned_at,
    b.assignment_strategy, b.created_seq, b.created_by, b.created_at, b.updated_at,
    b.cancelled_at, p.outcome, p.result
FROM bookings b
LEFT JOIN booking_assignment_idempotency p
    ON p.booking_id = b.id AND p.trigger = %(trigger)s
   AND p.booking_version = coalesce(%(booking_version)s::integer, b.version)
WHERE b.restaurant_id = %(restaurant_id)s AND b.id = %(booking_id)s
FOR UPDATE OF b;
-- name: claim_ready_jobs
-- Queued jobs of one task whose bookings belong to the restaurant, as procrastinate's own
-- fetch would pick them (runnable now, first of their lock, no job of their lock running),
-- in queue order; the jobs row-locked, then their bookings, skipping rows another
-- transaction holds (a worker fetching jobs skips ours in turn until we commit). The
-- bookings are locked apart from the jobs: a job another worker has just started is
-- dropped on its own row, without our holding that worker's booking.
WITH claimed AS (
    SELECT j.id, (j.args->>'booking_id')::bigint AS booking_id, j.args->>'trigger' AS trigger,
           (j.args->>'version')::integer AS version,
           j.args->>'correlation_id' AS correlation_id, j.priority
    FROM procrastinate_jobs j
    WHERE j.status = 'todo' AND j.queue_name = %(queue)s AND j.task_name = %(task)s
      AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())
      AND EXISTS (SELECT 1 FROM bookings r WHERE r.id = (j.args->>'booking_id')::bigint
                  AND r.restaurant_id = %(restaurant_id)s)
      AND NOT EXISTS (
          SELECT 1 FROM procrastinate_jobs o
          WHERE j.lock IS NOT NULL AND o.lock = j.lock AND o.id <> j.id
            AND (o.status = 'doing'
                 OR (o.status = 'todo' AND (o.priority > j.priority
                                            OR (o.priority = j.priority AND o.id < j.id)))))
    ORDER BY j.priority DESC, j.id
    LIMIT %(limit)s
    FOR UPDATE OF j SKIP LOCKED
)
SELECT c.id, c.booking_id, c.trigger, c.version, c.correlation_id
FROM claimed c JOIN bookings b ON b.id = c.booking_id
ORDER BY c.priority DESC, c.id
FOR UPDATE OF b SKIP LOCKED;

-- name: start_jobs
-- Claimed jobs as a worker's fetch would leave them (procrastinate logs them 'started').
UPDATE procrastinate_jobs SET status = 'doing'
WHERE id = ANY(%(job_ids)s::bigint[]) AND status = 'todo';

-- name: finish_jobs
-- Then finished by procrastinate's own function ('succeeded', attempts counted), in the
-- transaction that did their work.
SELECT procrastinate_finish_job_v1(id, 'succeeded'::procrastinate_job_status, false)
FROM unnest(%(job_ids)s::bigint[]) AS id;

-- name: lock
-- try_lock, waiting for the lock instead of giving up (the holder commits in milliseconds).
SELECT pg_advisory_xact_lock(hashtextextended(%(name)s, 0));

-- name: bookings_locked_for_update_processed
-- try_lock and booking_for_update_processed for several bookings at once, in the order
-- given: each booking under its row lock, the outcome recorded for its (trigger, version),
-- and whether its advisory lock was taken (the caller gives up at once when it was not).
SELECT b.id, b.restaurant_id, b.guest_id, b.reference, b.party_size, b.start_at, b.end_at,
    b.duration_minutes, b.state, b.status, b.version, b.source, b.zone_preference_id,
    b.tags_preference, b.notes, b.locked, b.assignment_attempts, b.assigned_at,
    b.assignment_strategy, b.created_seq, b.created_by, b.created_at, b.updated_at,
    b.cancelled_at, p.outcome, p.result, pg_try_advisory_xact_lock(hashtextextended(j.name, 0))
FROM unnest(%(booking_ids)s::bigint[], %(triggers)s::text[], %(versions)s::integer[],
            %(names)s::text[]) WITH ORDINALITY AS j(booking_id, trigger, version, name, n)
JOIN bookings b ON b.id = j.booking_id
LEFT JOIN booking_assignment_idempotency p
    ON p.booking_id = b.id AND p.trigger = j.trigger
   AND p.booking_version = coalesce(j.version, b.version)
ORDER BY j.n
FOR UPDATE OF b;
