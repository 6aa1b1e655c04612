-- Staff members, their bearer tokens and their memberships of restaurants.

-- name: create_staff
-- A new staff member; the email is unique across maitred (one login per person).
INSERT INTO staff_users (email, name, is_superuser)
VALUES (%(email)s, %(name)s, %(is_superuser)s)
RETURNING id, email, name, is_superuser, created_at;

-- name: get_staff
SELECT id, email, name, is_superuser, created_at
FROM staff_users WHERE id = %(staff_id)s;

-- name: staff_by_email
SELECT id, email, name, is_superuser, created_at
FROM staff_users WHERE lower(email) = lower(%(email)s);

-- name: add_token
INSERT INTO api_tokens (staff_id, token_hash, label)
VALUES (%(staff_id)s, %(token_hash)s, %(label)s)
RETURNING id;

-- name: staff_for_token
-- The staff member behind a live token. last_used_at is refreshed at most once a minute,
-- so a busy host stand does not turn every read into a write.
WITH touched AS (
    UPDATE api_tokens SET last_used_at = now()
    WHERE token_hash = %(token_hash)s AND revoked_at IS NULL
      AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
    RETURNING id
)
SELECT s.id, s.email, s.name, s.is_superuser, s.created_at
FROM api_tokens t JOIN staff_users s ON s.id = t.staff_id
WHERE t.token_hash = %(token_hash)s AND t.revoked_at IS NULL;

-- name: tokens
SELECT id, label, created_at, revoked_at, last_used_at
FROM api_tokens WHERE staff_id = %(staff_id)s ORDER BY id;

-- name: revoke_token
UPDATE api_tokens SET revoked_at = now()
WHERE id = %(token_id)s AND staff_id = %(staff_id)s AND revoked_at IS NULL
RETURNING id;

-- name: memberships
-- Where a staff member works, and as what.
SELECT restaurant_id, staff_id, role
FROM restaurant_memberships WHERE staff_id = %(staff_id)s ORDER BY restaurant_id;

-- name: set_membership
-- Grant or change a role (one row per restaurant and staff member).
INSERT INTO restaurant_memberships (restaurant_id, staff_id, role)
VALUES (%(restaurant_id)s, %(staff_id)s, %(role)s)
ON CONFLICT (restaurant_id, staff_id) DO UPDATE SET role = EXCLUDED.role
RETURNING restaurant_id, staff_id, role;

-- name: remove_membership
DELETE FROM restaurant_memberships
WHERE restaurant_id = %(restaurant_id)s AND staff_id = %(staff_id)s
RETURNING staff_id;

-- name: members
-- The team of one restaurant.
SELECT m.staff_id, s.email, s.name, m.role
FROM restaurant_memberships m JOIN staff_users s ON s.id = m.staff_id
WHERE m.restaurant_id = %(restaurant_id)s ORDER BY s.name, s.id;

-- name: lock_admins
-- The restaurant's admins, locked until the transaction ends: two admins demoting each
-- other at once cannot leave the restaurant with none.
SELECT staff_id FROM restaurant_memberships
WHERE restaurant_id = %(restaurant_id)s AND role = 'admin'
FOR UPDATE;

-- name: lock_setup
-- Serialise first-run set-up (the demo restaurant and its staff member) across processes
-- sharing one database, until the transaction ends.
SELECT pg_advisory_xact_lock(hashtext('maitred:staff-setup'));
