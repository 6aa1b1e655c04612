-- name: append
-- Number and write one restaurant's queued events in one statement: take the next
-- cardinality(kinds) sequence numbers from the restaurant's counter and insert the events
-- with them. The counter row stays locked until commit, so one restaurant's events are
-- numbered in commit order with no gaps. The unit of work sends this together with its
-- COMMIT (see events.py): the lock is held for the commit only, and no transaction waits
-- for it while holding a table.
WITH bumped AS (
    UPDATE restaurant_event_counters
    SET last_seq = last_seq + cardinality(%(kinds)s::text[])
    WHERE restaurant_id = %(restaurant_id)s
    RETURNING last_seq
)
INSERT INTO restaurant_events (restaurant_id, seq, kind, booking_id, payload, actor,
                               correlation_id)
SELECT %(restaurant_id)s,
       (SELECT last_seq FROM bumped) - cardinality(%(kinds)s::text[]) + e.n,
       e.kind, e.booking_id, e.payload, e.actor, %(correlation_id)s
FROM unnest(%(kinds)s::text[], %(booking_ids)s::bigint[], %(payloads)s::jsonb[],
            %(actors)s::text[]) WITH ORDINALITY AS e(kind, booking_id, payload, actor, n)
-- No counter: the restaurant was deleted in this transaction (the counter goes with it),
-- and there is nobody left to tell.
WHERE EXISTS (SELECT 1 FROM bumped);

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
