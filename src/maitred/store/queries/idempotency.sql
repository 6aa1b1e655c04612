-- The first answer to each (staff member, Idempotency-Key), replayed to retries.

-- name: claim
-- Claim a key for a request about to run, in that request's transaction. Nothing comes
-- back when the key is already answered; a twin still running makes this wait for it.
INSERT INTO idempotency_keys (staff_id, key, method, path, request_hash)
VALUES (%(staff_id)s, %(key)s, %(method)s, %(path)s, %(request_hash)s)
ON CONFLICT (staff_id, key) DO NOTHING
RETURNING id;

-- name: get
SELECT id, method, path, request_hash, status_code, response_body, created_at
FROM idempotency_keys WHERE staff_id = %(staff_id)s AND key = %(key)s;

-- name: record_answer
UPDATE idempotency_keys SET status_code = %(status_code)s, response_body = %(response_body)s
WHERE id = %(id)s;

-- name: forget_older_than
-- Keys are kept a day: long enough for any client's retries, short enough to stay small.
DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => %(hours)s);
