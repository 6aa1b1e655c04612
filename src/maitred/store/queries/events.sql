-- name: append
-- Take the restaurant's next sequence number and write the event, in the caller's
-- transaction. The counter row stays locked until commit: events of one restaurant are
-- numbered in commit order with no gaps.
WITH counter AS (
    UPDATE restaurant_event_counters SET last_seq = last_seq + 1
    WHERE restaurant_id = %(restaurant_id)s
    RETURNING restaurant_id, last_seq
)
INSERT INTO restaurant_events (restaurant_id, seq, kind, booking_id, payload, actor, correlation_id)
SELECT restaurant_id, last_seq, %(kind)s, %(booking_id)s, %(payload)s, %(actor)s, %(correlation_id)s
FROM counter
RETURNING restaurant_id, seq, kind, booking_id, payload, actor, correlation_id, created_at;

-- name: since
SELECT restaurant_id, seq, kind, booking_id, payload, actor, correlation_id, created_at
FROM restaurant_events
WHERE restaurant_id = %(restaurant_id)s AND seq > %(after_seq)s
ORDER BY seq
LIMIT %(limit)s;

-- name: last_seq
SELECT last_seq FROM restaurant_event_counters WHERE restaurant_id = %(restaurant_id)s;

-- name: now
-- The database's clock: the one time every rule about holds and expiry uses.
SELECT now();
