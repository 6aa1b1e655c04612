-- name: expire_stale_holds
-- Holds past their TTL that keep any of these tables: marked expired, their allocations
-- gone. Run first by every allocating transaction, so a dead sweeper never blocks a table.
WITH stale AS (
    UPDATE table_holds h SET status = 'expired', ended_at = now()
    WHERE h.restaurant_id = %(restaurant_id)s AND h.status = 'active' AND h.expires_at <= now()
      AND (%(table_ids)s::bigint[] IS NULL OR EXISTS (
          SELECT 1 FROM table_hold_members m
          WHERE m.hold_id = h.id AND m.table_id = ANY(%(table_ids)s::bigint[])))
    RETURNING h.id, h.booking_id
), freed AS (
    DELETE FROM allocations a USING stale WHERE a.hold_id = stale.id
)
SELECT id, booking_id FROM stale ORDER BY id;

-- name: create_hold
INSERT INTO table_holds (restaurant_id, booking_id, session_id, source, during, created_by,
                         expires_at)
VALUES (%(restaurant_id)s, %(booking_id)s, %(session_id)s, %(source)s,
        tstzrange(%(start_at)s, %(end_at)s, '[)'), %(created_by)s,
        now() + make_interval(secs => %(ttl_seconds)s))
RETURNING id, expires_at;

-- name: add_hold_members
INSERT INTO table_hold_members (restaurant_id, hold_id, table_id)
SELECT %(restaurant_id)s, %(hold_id)s, t FROM unnest(%(table_ids)s::bigint[]) AS t ORDER BY t;

-- name: insert_allocations
-- One row per table, in table-id order: two transactions allocating overlapping sets of
-- tables always lock them in the same order and cannot deadlock.
INSERT INTO allocations (restaurant_id, table_id, booking_id, kind, hold_id, during, expires_at)
SELECT %(restaurant_id)s, t, %(booking_id)s, %(kind)s, %(hold_id)s,
       tstzrange(%(start_at)s, %(end_at)s, '[)'), %(expires_at)s
FROM unnest(%(table_ids)s::bigint[]) AS t ORDER BY t
RETURNING id, table_id;

-- name: conflicts
-- Who keeps a table during a window, and until when (for TableUnavailable).
SELECT table_id, booking_id, upper(during) AS free_at
FROM allocations
WHERE table_id = ANY(%(table_ids)s::bigint[])
  AND during && tstzrange(%(start_at)s, %(end_at)s, '[)')
ORDER BY table_id, upper(during) DESC;

-- name: get_hold
SELECT h.id, h.restaurant_id, h.booking_id, h.session_id, h.source, h.status,
       lower(h.during) AS start_at, upper(h.during) AS end_at, h.expires_at, h.last_touched_at,
       h.created_by,
       coalesce((SELECT array_agg(m.table_id ORDER BY m.table_id)
                 FROM table_hold_members m WHERE m.hold_id = h.id), '{}') AS table_ids
FROM table_holds h
WHERE h.restaurant_id = %(restaurant_id)s AND h.id = %(hold_id)s;

-- name: lock_hold
SELECT status, expires_at <= now() AS expired FROM table_holds
WHERE restaurant_id = %(restaurant_id)s AND id = %(hold_id)s FOR UPDATE;

-- name: end_hold
UPDATE table_holds SET status = %(status)s, ended_at = now()
WHERE restaurant_id = %(restaurant_id)s AND id = %(hold_id)s;

-- name: touch_hold
-- A staff member still working on the selection: the hold lives on from now.
WITH touched AS (
    UPDATE table_holds SET last_touched_at = now(),
        expires_at = CASE WHEN %(ttl_seconds)s::integer IS NULL THEN expires_at
                          ELSE now() + make_interval(secs => %(ttl_seconds)s) END
    WHERE restaurant_id = %(restaurant_id)s AND id = %(hold_id)s AND status = 'active'
      AND expires_at > now()
    RETURNING id, expires_at
), allocs AS (
    UPDATE allocations a SET expires_at = touched.expires_at FROM touched
    WHERE a.hold_id = touched.id
)
SELECT expires_at FROM touched;

-- name: hold_to_assignment
UPDATE allocations SET kind = 'assignment', hold_id = NULL, expires_at = NULL
WHERE hold_id = %(hold_id)s
RETURNING id, table_id;

-- name: delete_hold_allocations
DELETE FROM allocations WHERE hold_id = %(hold_id)s;

-- name: record_assignments
INSERT INTO booking_table_assignments (restaurant_id, booking_id, table_id, allocation_id,
                                       source, assigned_by)
SELECT %(restaurant_id)s, %(booking_id)s, a.table_id, a.id, %(source)s, %(assigned_by)s
FROM allocations a
WHERE a.id = ANY(%(allocation_ids)s::bigint[])
ORDER BY a.table_id;

-- name: remove_assignments
-- A booking's assignment on the given tables (all its tables when table_ids is NULL).
WITH gone AS (
    DELETE FROM booking_table_assignments
    WHERE restaurant_id = %(restaurant_id)s AND booking_id = %(booking_id)s
      AND (%(table_ids)s::bigint[] IS NULL OR table_id = ANY(%(table_ids)s::bigint[]))
    RETURNING table_id
), freed AS (
    DELETE FROM allocations
    WHERE restaurant_id = %(restaurant_id)s AND booking_id = %(booking_id)s
      AND kind = 'assignment'
      AND (%(table_ids)s::bigint[] IS NULL OR table_id = ANY(%(table_ids)s::bigint[]))
)
SELECT table_id FROM gone ORDER BY table_id;

-- name: move_assignments
-- The booking's time changed: its assigned tables follow, unless that overlaps another.
UPDATE allocations SET during = tstzrange(%(start_at)s, %(end_at)s, '[)')
WHERE restaurant_id = %(restaurant_id)s AND booking_id = %(booking_id)s AND kind = 'assignment'
RETURNING table_id;

-- name: assignments
SELECT booking_id, table_id, source, assigned_by, created_at
FROM booking_table_assignments
WHERE restaurant_id = %(restaurant_id)s AND booking_id = %(booking_id)s
ORDER BY table_id;

-- name: in_window
-- Every live allocation of the restaurant overlapping [start_at, end_at): busy windows for
-- the planner. Holds past their TTL are left out even before the sweeper gets to them.
SELECT id, restaurant_id, table_id, booking_id, kind, hold_id,
       lower(during) AS start_at, upper(during) AS end_at, expires_at
FROM allocations
WHERE restaurant_id = %(restaurant_id)s
  AND lower(during) < %(end_at)s AND upper(during) > %(start_at)s
  -- No window is longer than a day and its buffer (the factory caps durations at 24 h):
  -- this bound lets the (restaurant_id, lower(during)) index skip the restaurant's past.
  AND lower(during) > %(start_at)s - interval '2 days'
  AND (kind = 'assignment' OR expires_at > now())
  AND (%(include_holds)s OR kind = 'assignment')
ORDER BY table_id, lower(during);

-- name: for_booking
SELECT id, restaurant_id, table_id, booking_id, kind, hold_id,
       lower(during) AS start_at, upper(during) AS end_at, expires_at
FROM allocations
WHERE restaurant_id = %(restaurant_id)s AND booking_id = %(booking_id)s
ORDER BY kind, table_id;

-- name: overlapping_pairs
-- Invariant check for tests and benchmarks: must always be empty.
SELECT a.table_id, a.booking_id, b.booking_id AS other_booking_id
FROM allocations a JOIN allocations b
  ON a.table_id = b.table_id AND a.id < b.id AND a.during && b.during
WHERE a.restaurant_id = %(restaurant_id)s;

-- name: stale_hold_restaurants
-- Restaurants with at least one hold past its TTL: the sweeper's work list.
SELECT DISTINCT restaurant_id FROM table_holds
WHERE status = 'active' AND expires_at <= now()
ORDER BY restaurant_id;
-- name: create_hold_with_members
-- create_hold and add_hold_members in one statement; returns the hold as get_hold does
-- (its members are the given tables, distinct and sorted by the caller).
WITH h AS (
    INSERT INTO table_holds (restaurant_id, booking_id, session_id, source, during,
                             created_by, expires_at)
    VALUES (%(restaurant_id)s, %(booking_id)s, %(session_id)s, %(source)s,
            tstzrange(%(start_at)s, %(end_at)s, '[)'), %(created_by)s,
            now() + make_interval(secs => %(ttl_seconds)s))
    RETURNING id, restaurant_id, booking_id, session_id, source, status, during, expires_at,
              last_touched_at, created_by
), members AS (
    INSERT INTO table_hold_members (restaurant_id, hold_id, table_id)
    SELECT h.restaurant_id, h.id, t FROM h, unnest(%(table_ids)s::bigint[]) AS t ORDER BY t
)
SELECT h.id, h.restaurant_id, h.booking_id, h.session_id, h.source, h.status,
       lower(h.during) AS start_at, upper(h.during) AS end_at, h.expires_at, h.last_touched_at,
       h.created_by, %(table_ids)s::bigint[] AS table_ids
FROM h;
-- name: lock_and_get_hold
-- lock_hold and get_hold in one statement: the hold's row locked, the hold, and whether
-- it is past its TTL.
SELECT h.id, h.restaurant_id, h.booking_id, h.session_id, h.source, h.status,
       lower(h.during) AS start_at, upper(h.during) AS end_at, h.expires_at, h.last_touched_at,
       h.created_by,
       coalesce((SELECT array_agg(m.table_id ORDER BY m.table_id)
                 FROM table_hold_members m WHERE m.hold_id = h.id), '{}') AS table_ids,
       h.expires_at <= now() AS expired
FROM table_holds h
WHERE h.restaurant_id = %(restaurant_id)s AND h.id = %(hold_id)s
FOR UPDATE OF h;
-- name: confirm_hold_allocations
-- hold_to_assignment, end_hold (confirmed) and record_assignments in one statement.
WITH moved AS (
    UPDATE allocations SET kind = 'assignment', hold_id = NULL, expires_at = NULL
    WHERE hold_id = %(hold_id)s
    RETURNING id, table_id
), ended AS (
    UPDATE table_holds SET status = 'confirmed', ended_at = now()
    WHERE restaurant_id = %(restaurant_id)s AND id = %(hold_id)s
), recorded AS (
    INSERT INTO booking_table_assignments (restaurant_id, booking_id, table_id, allocation_id,
                                           source, assigned_by)
    SELECT %(restaurant_id)s, %(booking_id)s, m.table_id, m.id, %(source)s, %(assigned_by)s
    FROM moved m
    ORDER BY m.table_id
)
SELECT id, table_id FROM moved;

-- name: lock_tables
-- Transaction advisory locks on tables, always in table-id order (so two transactions
-- never wait on each other in a circle). Taken before inserting allocations: two
-- transactions inserting overlapping rows on one table at once would otherwise each
-- wait on the other inside the exclusion check, a deadlock PostgreSQL breaks only after
-- deadlock_timeout (1 s). With the lock, the second simply sees the first's row and loses.
SELECT count(pg_advisory_xact_lock(key)) FROM (
    SELECT hashtextextended('table:' || t, 0) AS key
    FROM unnest(%(table_ids)s::bigint[]) AS t ORDER BY t OFFSET 0) AS ordered;

-- name: try_lock_tables
-- lock_tables without waiting: true when every table's lock was taken. Some may have been
-- taken when the answer is false; the caller rolls its savepoint back, which frees them.
SELECT coalesce(bool_and(pg_try_advisory_xact_lock(key)), true) FROM (
    SELECT hashtextextended('table:' || t, 0) AS key
    FROM unnest(%(table_ids)s::bigint[]) AS t ORDER BY t OFFSET 0) AS ordered;

-- name: hold_and_confirm
-- create_hold_with_members, insert_allocations and confirm_hold_allocations at once, for a
-- caller that holds the tables' locks and confirms on the spot (the coordinator): the hold
-- is written already confirmed, its allocations go straight in as the assignment (the
-- exclusion constraint checks them all the same), and the assignments are recorded.
WITH h AS (
    INSERT INTO table_holds (restaurant_id, booking_id, source, status, during, expires_at,
                             ended_at)
    VALUES (%(restaurant_id)s, %(booking_id)s, %(source)s, 'confirmed',
            tstzrange(%(start_at)s, %(end_at)s, '[)'),
            now() + make_interval(secs => %(ttl_seconds)s), now())
    RETURNING id, restaurant_id, expires_at
), members AS (
    INSERT INTO table_hold_members (restaurant_id, hold_id, table_id)
    SELECT h.restaurant_id, h.id, t FROM h, unnest(%(table_ids)s::bigint[]) AS t ORDER BY t
), allocated AS (
    INSERT INTO allocations (restaurant_id, table_id, booking_id, kind, hold_id, during,
                             expires_at)
    SELECT %(restaurant_id)s, t, %(booking_id)s, 'assignment', NULL,
           tstzrange(%(start_at)s, %(end_at)s, '[)'), NULL
    FROM unnest(%(table_ids)s::bigint[]) AS t ORDER BY t
    RETURNING id, table_id
), recorded AS (
    INSERT INTO booking_table_assignments (restaurant_id, booking_id, table_id, allocation_id,
                                           source, assigned_by)
    SELECT %(restaurant_id)s, %(booking_id)s, a.table_id, a.id, %(source)s, NULL
    FROM allocated a
    ORDER BY a.table_id
)
SELECT h.id, h.expires_at FROM h;
