-- name: create_zone
INSERT INTO zones (restaurant_id, code, name, position)
VALUES (%(restaurant_id)s, %(code)s, %(name)s, %(position)s)
RETURNING id, restaurant_id, code, name, position;

-- name: get_zone
SELECT id, restaurant_id, code, name, position FROM zones
WHERE restaurant_id = %(restaurant_id)s AND id = %(id)s;

-- name: list_zones
SELECT id, restaurant_id, code, name, position FROM zones
WHERE restaurant_id = %(restaurant_id)s ORDER BY position, id;

-- name: update_zone
UPDATE zones SET code = coalesce(%(code)s, code), name = coalesce(%(name)s, name),
                 position = coalesce(%(position)s, position)
WHERE restaurant_id = %(restaurant_id)s AND id = %(id)s
RETURNING id, restaurant_id, code, name, position;

-- name: delete_zone
DELETE FROM zones WHERE restaurant_id = %(restaurant_id)s AND id = %(id)s RETURNING id;

-- name: create_table
INSERT INTO table_inventory (restaurant_id, zone_id, label, min_party, max_party, tags,
                             pos_x, pos_y, width, height, shape, active, blocked)
VALUES (%(restaurant_id)s, %(zone_id)s, %(label)s, %(min_party)s, %(max_party)s, %(tags)s,
        %(pos_x)s, %(pos_y)s, %(width)s, %(height)s, %(shape)s, %(active)s, %(blocked)s)
RETURNING id, restaurant_id, zone_id, label, min_party, max_party, tags, pos_x, pos_y,
          width, height, shape, active, blocked, version;

-- name: get_table
SELECT id, restaurant_id, zone_id, label, min_party, max_party, tags, pos_x, pos_y,
       width, height, shape, active, blocked, version
FROM table_inventory WHERE restaurant_id = %(restaurant_id)s AND id = %(id)s;

-- name: list_tables
SELECT id, restaurant_id, zone_id, label, min_party, max_party, tags, pos_x, pos_y,
       width, height, shape, active, blocked, version
FROM table_inventory WHERE restaurant_id = %(restaurant_id)s ORDER BY id;

-- name: update_table
-- Only the columns given change; expected_version (optional) guards a stale form.
UPDATE table_inventory SET
    zone_id = coalesce(%(zone_id)s, zone_id),
    label = coalesce(%(label)s, label),
    min_party = coalesce(%(min_party)s, min_party),
    max_party = coalesce(%(max_party)s, max_party),
    tags = coalesce(%(tags)s, tags),
    pos_x = coalesce(%(pos_x)s, pos_x),
    pos_y = coalesce(%(pos_y)s, pos_y),
    width = coalesce(%(width)s, width),
    height = coalesce(%(height)s, height),
    shape = coalesce(%(shape)s, shape),
    active = coalesce(%(active)s, active),
    blocked = coalesce(%(blocked)s, blocked),
    version = version + 1,
    updated_at = now()
WHERE restaurant_id = %(restaurant_id)s AND id = %(id)s
  AND (%(expected_version)s::integer IS NULL OR version = %(expected_version)s)
RETURNING id, restaurant_id, zone_id, label, min_party, max_party, tags, pos_x, pos_y,
          width, height, shape, active, blocked, version;

-- name: delete_table
DELETE FROM table_inventory WHERE restaurant_id = %(restaurant_id)s AND id = %(id)s RETURNING id;

-- name: add_adjacency
INSERT INTO table_adjacencies (restaurant_id, table_a, table_b)
VALUES (%(restaurant_id)s, %(table_a)s, %(table_b)s);

-- name: remove_adjacency
DELETE FROM table_adjacencies
WHERE restaurant_id = %(restaurant_id)s AND table_a = %(table_a)s AND table_b = %(table_b)s
RETURNING table_a;

-- name: list_adjacency
SELECT table_a, table_b FROM table_adjacencies
WHERE restaurant_id = %(restaurant_id)s ORDER BY table_a, table_b;

-- name: create_combination
INSERT INTO table_combinations (restaurant_id, code, min_party, max_party, active)
VALUES (%(restaurant_id)s, %(code)s, %(min_party)s, %(max_party)s, %(active)s)
RETURNING id;

-- name: add_combination_member
INSERT INTO table_combination_members (restaurant_id, combination_id, table_id)
VALUES (%(restaurant_id)s, %(combination_id)s, %(table_id)s);

-- name: list_combinations
SELECT c.id, c.restaurant_id, c.code, c.min_party, c.max_party, c.active,
       coalesce(array_agg(m.table_id ORDER BY m.table_id)
                FILTER (WHERE m.table_id IS NOT NULL), '{}') AS table_ids
FROM table_combinations c
LEFT JOIN table_combination_members m ON m.combination_id = c.id
WHERE c.restaurant_id = %(restaurant_id)s AND (%(id)s::bigint IS NULL OR c.id = %(id)s)
GROUP BY c.id ORDER BY c.id;

-- name: update_combination
UPDATE table_combinations SET
    code = coalesce(%(code)s, code),
    min_party = coalesce(%(min_party)s, min_party),
    max_party = coalesce(%(max_party)s, max_party),
    active = coalesce(%(active)s, active)
WHERE restaurant_id = %(restaurant_id)s AND id = %(id)s RETURNING id;

-- name: delete_combination
DELETE FROM table_combinations WHERE restaurant_id = %(restaurant_id)s AND id = %(id)s RETURNING id;

-- name: table_zones
SELECT DISTINCT zone_id FROM table_inventory
WHERE restaurant_id = %(restaurant_id)s AND id = ANY(%(ids)s);
