-- name: create
-- A restaurant and its event counter, together: no restaurant exists without its log.
WITH created AS (
    INSERT INTO restaurants (name, timezone, slot_minutes, policy)
    VALUES (%(name)s, %(timezone)s, %(slot_minutes)s, %(policy)s)
    RETURNING *
), counter AS (
    INSERT INTO restaurant_event_counters (restaurant_id) SELECT id FROM created
)
SELECT id, name, timezone, slot_minutes, policy, policy_version, tables_version,
       adjacency_version, created_at, updated_at
FROM created;

-- name: get
SELECT id, name, timezone, slot_minutes, policy, policy_version, tables_version,
       adjacency_version, created_at, updated_at
FROM restaurants WHERE id = %(id)s;

-- name: list
-- ids NULL: every restaurant (superusers); otherwise only those.
SELECT id, name, timezone, slot_minutes, policy, policy_version, tables_version,
       adjacency_version, created_at, updated_at
FROM restaurants
WHERE %(ids)s::bigint[] IS NULL OR id = ANY(%(ids)s::bigint[])
ORDER BY id;

-- name: update
UPDATE restaurants SET
    name = coalesce(%(name)s, name),
    timezone = coalesce(%(timezone)s, timezone),
    slot_minutes = coalesce(%(slot_minutes)s, slot_minutes),
    updated_at = now()
WHERE id = %(id)s
RETURNING id, name, timezone, slot_minutes, policy, policy_version, tables_version,
          adjacency_version, created_at, updated_at;

-- name: set_policy
-- Compare-and-set on policy_version when the caller says which version it read.
UPDATE restaurants SET policy = %(policy)s, policy_version = policy_version + 1, updated_at = now()
WHERE id = %(id)s AND (%(expected_version)s::integer IS NULL OR policy_version = %(expected_version)s)
RETURNING id, name, timezone, slot_minutes, policy, policy_version, tables_version,
          adjacency_version, created_at, updated_at;

-- name: delete
DELETE FROM restaurants WHERE id = %(id)s RETURNING id;

-- name: bump_tables_version
UPDATE restaurants SET tables_version = tables_version + 1 WHERE id = %(id)s;

-- name: bump_adjacency_version
UPDATE restaurants SET adjacency_version = adjacency_version + 1 WHERE id = %(id)s;

-- name: service_periods
SELECT id, restaurant_id, name, day_of_week, opens_at, closes_at
FROM service_periods WHERE restaurant_id = %(restaurant_id)s
ORDER BY day_of_week NULLS FIRST, opens_at;

-- name: add_service_period
INSERT INTO service_periods (restaurant_id, name, day_of_week, opens_at, closes_at)
VALUES (%(restaurant_id)s, %(name)s, %(day_of_week)s, %(opens_at)s, %(closes_at)s)
RETURNING id, restaurant_id, name, day_of_week, opens_at, closes_at;

-- name: delete_service_period
DELETE FROM service_periods WHERE restaurant_id = %(restaurant_id)s AND id = %(id)s RETURNING id;

-- name: turn_times
SELECT max_party_size, minutes FROM turn_times
WHERE restaurant_id = %(restaurant_id)s ORDER BY max_party_size;

-- name: clear_turn_times
DELETE FROM turn_times WHERE restaurant_id = %(restaurant_id)s;

-- name: add_turn_time
INSERT INTO turn_times (restaurant_id, max_party_size, minutes)
VALUES (%(restaurant_id)s, %(max_party_size)s, %(minutes)s);

-- name: bump_policy_version
UPDATE restaurants SET policy_version = policy_version + 1 WHERE id = %(id)s;
