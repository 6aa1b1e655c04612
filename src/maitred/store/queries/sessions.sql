-- name: restaurant_of_booking
-- Which restaurant a booking belongs to, and its policy: the session routes name a
-- booking, not a tenant; the caller's membership and the restaurant's switches are
-- checked against the answer.
SELECT b.restaurant_id, r.policy FROM bookings b JOIN restaurants r ON r.id = b.restaurant_id
WHERE b.id = %(booking_id)s;

-- name: open
-- The staff member's new session for the booking; nothing when one is already active
-- (the partial unique index manual_assignment_sessions_one_active decides, race-free).
INSERT INTO manual_assignment_sessions (restaurant_id, booking_id, created_by, expires_at)
VALUES (%(restaurant_id)s, %(booking_id)s, %(staff_id)s,
        now() + make_interval(secs => %(idle_seconds)s))
ON CONFLICT (booking_id, created_by) WHERE state IN ('PROPOSED', 'HELD') DO NOTHING
RETURNING id, restaurant_id, booking_id, created_by, state, selection, selection_version,
    context_version, policy_version, snapshot_hash, snapshot_parts, hold_id, expires_at,
    tables_version, adjacency_version, flags_version, window_version, holds_version,
    assignments_version, version, created_at, updated_at,
    (state IN ('PROPOSED', 'HELD') AND expires_at <= now()) AS lapsed;

-- name: find_active
SELECT id, restaurant_id, booking_id, created_by, state, selection, selection_version,
    context_version, policy_version, snapshot_hash, snapshot_parts, hold_id, expires_at,
    tables_version, adjacency_version, flags_version, window_version, holds_version,
    assignments_version, version, created_at, updated_at,
    (state IN ('PROPOSED', 'HELD') AND expires_at <= now()) AS lapsed
FROM manual_assignment_sessions
WHERE restaurant_id = %(restaurant_id)s AND booking_id = %(booking_id)s
  AND created_by = %(staff_id)s AND state IN ('PROPOSED', 'HELD')
FOR UPDATE;

-- name: get
SELECT s.id, s.restaurant_id, s.booking_id, s.created_by, s.state, s.selection,
       s.selection_version, s.context_version, s.policy_version, s.snapshot_hash,
       s.snapshot_parts, s.hold_id, s.expires_at, s.tables_version, s.adjacency_version,
       s.flags_version, s.window_version, s.holds_version, s.assignments_version, s.version,
       s.created_at, s.updated_at,
       (s.state IN ('PROPOSED', 'HELD') AND s.expires_at <= now()) AS lapsed
FROM manual_assignment_sessions s
WHERE s.restaurant_id = %(restaurant_id)s AND s.id = %(session_id)s;

-- name: get_for_update
-- Locks the session row: confirm, cancel and selection changes of one session queue up.
SELECT s.id, s.restaurant_id, s.booking_id, s.created_by, s.state, s.selection,
       s.selection_version, s.context_version, s.policy_version, s.snapshot_hash,
       s.snapshot_parts, s.hold_id, s.expires_at, s.tables_version, s.adjacency_version,
       s.flags_version, s.window_version, s.holds_version, s.assignments_version, s.version,
       s.created_at, s.updated_at,
       (s.state IN ('PROPOSED', 'HELD') AND s.expires_at <= now()) AS lapsed
FROM manual_assignment_sessions s
WHERE s.restaurant_id = %(restaurant_id)s AND s.id = %(session_id)s
FOR UPDATE;

-- name: save
-- Compare-and-set: the row changes only if nobody changed it since ``version`` was read.
UPDATE manual_assignment_sessions SET
    state = %(state)s, selection = %(selection)s, selection_version = %(selection_version)s,
    context_version = %(context_version)s, policy_version = %(policy_version)s,
    snapshot_hash = %(snapshot_hash)s, snapshot_parts = %(snapshot_parts)s,
    hold_id = %(hold_id)s,
    expires_at = CASE WHEN %(ttl_seconds)s::integer IS NULL THEN %(expires_at)s::timestamptz
                      ELSE now() + make_interval(secs => %(ttl_seconds)s) END,
    tables_version = %(tables_version)s, adjacency_version = %(adjacency_version)s,
    flags_version = %(flags_version)s, window_version = %(window_version)s,
    holds_version = %(holds_version)s, assignments_version = %(assignments_version)s,
    version = version + 1, updated_at = now()
WHERE restaurant_id = %(restaurant_id)s AND id = %(id)s AND version = %(version)s
RETURNING id, restaurant_id, booking_id, created_by, state, selection, selection_version,
    context_version, policy_version, snapshot_hash, snapshot_parts, hold_id, expires_at,
    tables_version, adjacency_version, flags_version, window_version, holds_version,
    assignments_version, version, created_at, updated_at,
    (state IN ('PROPOSED', 'HELD') AND expires_at <= now()) AS lapsed,
    -- The selection's labels, for the answer of a session that just ended (it shows no
    -- floor, so nothing else would read them).
    CASE WHEN state NOT IN ('PROPOSED', 'HELD') THEN
        (SELECT coalesce(jsonb_object_agg(t.id, t.label), '{}') FROM table_inventory t
         WHERE t.restaurant_id = manual_assignment_sessions.restaurant_id
           AND t.id = ANY(manual_assignment_sessions.selection)) END AS table_labels;

-- name: add_history
INSERT INTO manual_assignment_session_history (restaurant_id, session_id, from_state, to_state,
                                               actor, reason, metadata)
VALUES (%(restaurant_id)s, %(session_id)s, %(from_state)s, %(to_state)s, %(actor)s,
        %(reason)s, %(metadata)s);

-- name: history
SELECT from_state, to_state, actor, reason, metadata, created_at
FROM manual_assignment_session_history
WHERE restaurant_id = %(restaurant_id)s AND session_id = %(session_id)s
ORDER BY id;

-- name: busy
-- Every live allocation overlapping the period, with who holds it: the day's busy windows
-- as a host sees them ("held by Anna for booking 17"). Holds past their TTL are left out
-- even before the sweeper reaches them.
SELECT a.table_id, a.booking_id, a.kind, a.hold_id, h.session_id, h.created_by AS staff_id,
       s.name AS staff_name, lower(a.during) AS start_at, upper(a.during) AS end_at,
       b.locked
FROM allocations a
LEFT JOIN table_holds h ON h.id = a.hold_id
LEFT JOIN staff_users s ON s.id = h.created_by
JOIN bookings b ON b.id = a.booking_id
WHERE a.restaurant_id = %(restaurant_id)s
  AND a.during && tstzrange(%(start_at)s, %(end_at)s, '[)')
  AND (a.kind = 'assignment' OR a.expires_at > now())
ORDER BY a.table_id, lower(a.during), a.id;

-- name: holder
-- Who keeps a table over a window right now (for a conflict the database raised).
SELECT a.booking_id, a.kind, h.created_by AS staff_id, s.name AS staff_name,
       upper(a.during) AS free_at
FROM allocations a
LEFT JOIN table_holds h ON h.id = a.hold_id
LEFT JOIN staff_users s ON s.id = h.created_by
WHERE a.table_id = %(table_id)s AND a.during && tstzrange(%(start_at)s, %(end_at)s, '[)')
  AND a.booking_id <> %(booking_id)s
ORDER BY upper(a.during) DESC
LIMIT 1;

-- name: lapsed
-- Sessions past their time: HELD ones whose hold ran out, PROPOSED ones left idle (by
-- their expiry, or, with idle_seconds given, by their restaurant's current
-- session_idle_seconds policy since their last change, so a shortened policy applies to
-- sessions already open). SKIP LOCKED: a session a host is confirming right now is theirs
-- to finish, not the sweeper's.
SELECT id, restaurant_id FROM manual_assignment_sessions
WHERE state IN ('PROPOSED', 'HELD')
  AND (expires_at <= now()
       OR (state = 'PROPOSED' AND %(idle_seconds)s::integer IS NOT NULL
           AND updated_at + make_interval(secs => coalesce(
                   (SELECT (r.policy ->> 'session_idle_seconds')::integer FROM restaurants r
                    WHERE r.id = manual_assignment_sessions.restaurant_id),
                   %(idle_seconds)s::integer)) <= now()))
  AND (%(restaurant_id)s::bigint IS NULL OR restaurant_id = %(restaurant_id)s)
  AND (%(table_ids)s::bigint[] IS NULL OR EXISTS (
      SELECT 1 FROM table_hold_members m
      WHERE m.hold_id = manual_assignment_sessions.hold_id
        AND m.table_id = ANY(%(table_ids)s::bigint[])))
ORDER BY id
LIMIT %(limit)s
FOR UPDATE SKIP LOCKED;

-- name: restaurants_with_stale_holds
SELECT DISTINCT restaurant_id FROM table_holds
WHERE status = 'active' AND expires_at <= now()
ORDER BY restaurant_id;

-- name: staff_name
SELECT name FROM staff_users WHERE id = %(staff_id)s;

-- name: session_of_hold
SELECT session_id FROM table_holds WHERE id = %(hold_id)s;

-- name: labels
SELECT id, label FROM table_inventory
WHERE restaurant_id = %(restaurant_id)s AND id = ANY(%(table_ids)s::bigint[]);

-- name: others_active
-- The other open sessions for a booking just seated. SKIP LOCKED: one being worked on
-- right now fails its own confirm on the booking's state; no need to wait for it.
SELECT id, restaurant_id, booking_id, created_by, state, selection, selection_version,
       context_version, policy_version, snapshot_hash, snapshot_parts, hold_id, expires_at,
       tables_version, adjacency_version, flags_version, window_version, holds_version,
       assignments_version, version, created_at, updated_at,
       (state IN ('PROPOSED', 'HELD') AND expires_at <= now()) AS lapsed
FROM manual_assignment_sessions
WHERE restaurant_id = %(restaurant_id)s AND booking_id = %(booking_id)s
  AND id <> %(session_id)s AND state IN ('PROPOSED', 'HELD')
ORDER BY id
FOR UPDATE SKIP LOCKED;

-- name: release_hold
-- A session giving its hold back, in one statement: allocations.release_hold's lock, end
-- and freeing of the tables (lock_hold, get_hold, delete_hold_allocations, end_hold) for a
-- live hold. Nothing comes back when the hold is not live (ended, or past its TTL); the
-- caller then reads why.
WITH ended AS (
    UPDATE table_holds SET status = 'released', ended_at = now()
    WHERE restaurant_id = %(restaurant_id)s AND id = %(hold_id)s AND status = 'active'
      AND expires_at > now()
    RETURNING id, booking_id
), freed AS (
    DELETE FROM allocations WHERE hold_id IN (SELECT id FROM ended)
)
SELECT e.booking_id,
       coalesce((SELECT array_agg(m.table_id ORDER BY m.table_id)
                 FROM table_hold_members m WHERE m.hold_id = e.id), '{}') AS table_ids
FROM ended e;

-- name: booking_with_policy
-- restaurant_of_booking and bookings.get in one statement: the booking a session route
-- names, and its restaurant's policy (membership and switches are checked against it).
SELECT b.id, b.restaurant_id, b.guest_id, b.reference, b.party_size, b.start_at, b.end_at,
    b.duration_minutes, b.state, b.status, b.version, b.source, b.zone_preference_id,
    b.tags_preference, b.notes, b.locked, b.assignment_attempts, b.assigned_at,
    b.assignment_strategy, b.created_seq, b.created_by, b.created_at, b.updated_at,
    b.cancelled_at, r.policy AS restaurant_policy
FROM bookings b JOIN restaurants r ON r.id = b.restaurant_id
WHERE b.id = %(booking_id)s;

-- name: session_with_policy
-- The session a route names (any restaurant: the caller checks access) and its
-- restaurant's policy, in one statement.
SELECT s.id, s.restaurant_id, s.booking_id, s.created_by, s.state, s.selection,
       s.selection_version, s.context_version, s.policy_version, s.snapshot_hash,
       s.snapshot_parts, s.hold_id, s.expires_at, s.tables_version, s.adjacency_version,
       s.flags_version, s.window_version, s.holds_version, s.assignments_version, s.version,
       s.created_at, s.updated_at,
       (s.state IN ('PROPOSED', 'HELD') AND s.expires_at <= now()) AS lapsed,
       r.policy AS restaurant_policy
FROM manual_assignment_sessions s JOIN restaurants r ON r.id = s.restaurant_id
WHERE s.id = %(session_id)s;

-- name: session_with_policy_for_update
-- The same, the session's row locked (after the request's Idempotency-Key is claimed:
-- a twin waits on the key, never on this row, so the two cannot deadlock).
SELECT s.id, s.restaurant_id, s.booking_id, s.created_by, s.state, s.selection,
       s.selection_version, s.context_version, s.policy_version, s.snapshot_hash,
       s.snapshot_parts, s.hold_id, s.expires_at, s.tables_version, s.adjacency_version,
       s.flags_version, s.window_version, s.holds_version, s.assignments_version, s.version,
       s.created_at, s.updated_at,
       (s.state IN ('PROPOSED', 'HELD') AND s.expires_at <= now()) AS lapsed,
       r.policy AS restaurant_policy
FROM manual_assignment_sessions s JOIN restaurants r ON r.id = s.restaurant_id
WHERE s.id = %(session_id)s
FOR UPDATE OF s;
