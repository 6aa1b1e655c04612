-- name: find_guest
-- A returning guest, recognised by phone or email within the restaurant.
SELECT id, restaurant_id, name, phone, email, notes FROM guests
WHERE restaurant_id = %(restaurant_id)s
  AND ((%(phone)s::text IS NOT NULL AND phone = %(phone)s)
       OR (%(email)s::text IS NOT NULL AND lower(email) = lower(%(email)s)))
ORDER BY id LIMIT 1;

-- name: create_guest
INSERT INTO guests (restaurant_id, name, phone, email, notes)
VALUES (%(restaurant_id)s, %(name)s, %(phone)s, %(email)s, %(notes)s)
RETURNING id, restaurant_id, name, phone, email, notes;

-- name: get_guest
SELECT id, restaurant_id, name, phone, email, notes FROM guests
WHERE restaurant_id = %(restaurant_id)s AND id = %(id)s;

-- name: create
INSERT INTO bookings (restaurant_id, guest_id, reference, party_size, start_at, end_at,
                      duration_minutes, source, zone_preference_id, tags_preference, notes,
                      locked, created_by, created_seq)
VALUES (%(restaurant_id)s, %(guest_id)s, %(reference)s, %(party_size)s, %(start_at)s,
        %(start_at)s + make_interval(mins => %(duration_minutes)s), %(duration_minutes)s,
        %(source)s, %(zone_preference_id)s, %(tags_preference)s, %(notes)s, %(locked)s,
        %(created_by)s, coalesce(%(created_seq)s::bigint, nextval('booking_created_seq')))
RETURNING id, restaurant_id, guest_id, reference, party_size, start_at, end_at, duration_minutes,
    state, status, version, source, zone_preference_id, tags_preference, notes, locked,
    assignment_attempts, assigned_at, assignment_strategy, created_seq, created_by,
    created_at, updated_at, cancelled_at;

-- name: get
SELECT id, restaurant_id, guest_id, reference, party_size, start_at, end_at, duration_minutes,
    state, status, version, source, zone_preference_id, tags_preference, notes, locked,
    assignment_attempts, assigned_at, assignment_strategy, created_seq, created_by,
    created_at, updated_at, cancelled_at
FROM bookings WHERE restaurant_id = %(restaurant_id)s AND id = %(id)s;

-- name: get_for_update
SELECT id, restaurant_id, guest_id, reference, party_size, start_at, end_at, duration_minutes,
    state, status, version, source, zone_preference_id, tags_preference, notes, locked,
    assignment_attempts, assigned_at, assignment_strategy, created_seq, created_by,
    created_at, updated_at, cancelled_at
FROM bookings WHERE restaurant_id = %(restaurant_id)s AND id = %(id)s FOR UPDATE;

-- name: list
-- Bookings starting in [start_at, end_at), optionally only in some states.
SELECT id, restaurant_id, guest_id, reference, party_size, start_at, end_at, duration_minutes,
    state, status, version, source, zone_preference_id, tags_preference, notes, locked,
    assignment_attempts, assigned_at, assignment_strategy, created_seq, created_by,
    created_at, updated_at, cancelled_at
FROM bookings
WHERE restaurant_id = %(restaurant_id)s
  AND start_at >= %(start_at)s AND start_at < %(end_at)s
  AND (%(states)s::text[] IS NULL OR state = ANY(%(states)s::text[]))
ORDER BY start_at, id;

-- name: update
-- Compare-and-set on version. A NULL parameter keeps the column, except where a set_*
-- flag says the caller clears it on purpose.
UPDATE bookings SET
    party_size = coalesce(%(party_size)s, party_size),
    start_at = coalesce(%(start_at)s, start_at),
    duration_minutes = coalesce(%(duration_minutes)s, duration_minutes),
    end_at = coalesce(%(start_at)s, start_at)
             + make_interval(mins => coalesce(%(duration_minutes)s, duration_minutes)),
    zone_preference_id = CASE WHEN %(set_zone_preference)s THEN %(zone_preference_id)s
                              ELSE zone_preference_id END,
    tags_preference = coalesce(%(tags_preference)s, tags_preference),
    notes = coalesce(%(notes)s, notes),
    locked = coalesce(%(locked)s, locked),
    guest_id = coalesce(%(guest_id)s, guest_id),
    version = version + 1,
    updated_at = now()
WHERE restaurant_id = %(restaurant_id)s AND id = %(id)s AND version = %(expected_version)s
RETURNING id, restaurant_id, guest_id, reference, party_size, start_at, end_at, duration_minutes,
    state, status, version, source, zone_preference_id, tags_preference, notes, locked,
    assignment_attempts, assigned_at, assignment_strategy, created_seq, created_by,
    created_at, updated_at, cancelled_at;

-- name: transition_logged
-- Move the booking to another state, only from the given state and version, and write its
-- history row in the same statement (none when nothing moved): no state change goes
-- unrecorded.
WITH moved AS (
    UPDATE bookings SET
        state = %(to_state)s,
        status = %(status)s,
        version = version + 1,
        updated_at = now(),
        cancelled_at = CASE WHEN %(to_state)s = 'cancelled' THEN now() ELSE cancelled_at END,
        assigned_at = CASE WHEN %(to_state)s = 'assigned' THEN now() ELSE assigned_at END,
        assignment_strategy = coalesce(%(assignment_strategy)s, assignment_strategy),
        assignment_attempts = assignment_attempts + %(attempts)s
    WHERE restaurant_id = %(restaurant_id)s AND id = %(id)s AND version = %(expected_version)s
      AND state = ANY(%(from_states)s::text[])
    RETURNING id, restaurant_id, guest_id, reference, party_size, start_at, end_at,
        duration_minutes, state, status, version, source, zone_preference_id, tags_preference,
        notes, locked, assignment_attempts, assigned_at, assignment_strategy, created_seq,
        created_by, created_at, updated_at, cancelled_at
), logged AS (
    INSERT INTO booking_state_history (restaurant_id, booking_id, from_state, to_state,
                                       version, actor, reason, metadata)
    SELECT restaurant_id, id, %(from_state)s, state, version, %(actor)s, %(reason)s,
           %(metadata)s
    FROM moved
)
SELECT id, restaurant_id, guest_id, reference, party_size, start_at, end_at, duration_minutes,
    state, status, version, source, zone_preference_id, tags_preference, notes, locked,
    assignment_attempts, assigned_at, assignment_strategy, created_seq, created_by,
    created_at, updated_at, cancelled_at
FROM moved;
-- name: add_history
INSERT INTO booking_state_history (restaurant_id, booking_id, from_state, to_state, version,
                                   actor, reason, metadata)
VALUES (%(restaurant_id)s, %(booking_id)s, %(from_state)s, %(to_state)s, %(version)s,
        %(actor)s, %(reason)s, %(metadata)s)
RETURNING id, booking_id, from_state, to_state, version, actor, reason, metadata, created_at;

-- name: history
SELECT id, booking_id, from_state, to_state, version, actor, reason, metadata, created_at
FROM booking_state_history
WHERE restaurant_id = %(restaurant_id)s AND booking_id = %(booking_id)s ORDER BY id;
