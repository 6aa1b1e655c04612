-- The first answer to each (staff member, Idempotency-Key), replayed to retries.

-- name: claim
-- Claim a key for a request about to run. Nothing comes back when the key is already
-- taken (answered, or another request with it is still running).
INSERT INTO idempotency_keys (staff_id, key, method, path, request_hash)
VALUES (%(staff_id)s, %(key)s, %(method)s, %(path)s, %(request_hash)s)
ON CONFLICT (staff_id, key) DO NOTHING
RETURNING id;

-- name: reclaim_abandoned
-- Take over a claim whose request never answered (its process died) after the grace
-- period, so one crash does not leave a key unusable forever.
UPDATE idempotency_keys
SET created_at = now(), method = %(method)s, path = %(path)s, request_hash = %(request_hash)s
WHERE staff_id = %(staff_id)s AND key = %(key)s AND status_code IS NULL
  AND created_at < now() - make_interval(secs => %(grace_seconds)s)
RETURNING id;

-- name: get
SELECT id, method, path, request_hash, status_code, response_body, created_at
FROM idempotency_keys WHERE staff_id = %(staff_id)s AND key = %(key)s;

-- name: record_answer
UPDATE idempotency_keys SET status_code = %(status_code)s, response_body = %(response_body)s
WHERE id = %(id)s;

-- name: release
-- The request failed on our side: forget the claim so a retry runs it again.
DELETE FROM idempotency_keys WHERE id = %(id)s AND status_code IS NULL;

-- name: forget_older_than
-- Keys are kept a day: long enough for any client's retries, short enough to stay small.
DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => %(hours)s);
