-- name: reserve
-- Take the restaurant's next n sequence numbers, in the caller's transaction. The counter
-- row stays locked until commit, so one restaurant's events are numbered in commit order
-- with no gaps. Taken last in every transaction (see events.py): the lock is held for
-- the commit only, and no transaction waits for it while holding a table.
UPDATE restaurant_event_counters SET last_seq = last_seq + %(n)s
WHERE restaurant_id = %(restaurant_id)s
RETURNING last_seq;

-- name: insert
INSERT INTO restaurant_events (restaurant_id, seq, kind, booking_id, payload, actor,
                               correlation_id)
VALUES (%(restaurant_id)s, %(seq)s, %(kind)s, %(booking_id)s, %(payload)s, %(actor)s,
        %(correlation_id)s);

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
