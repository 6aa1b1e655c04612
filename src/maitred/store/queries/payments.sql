-- name: record_event
-- First delivery of a payment event: recorded. A repeat (or a concurrent twin, which waits
-- here for the first to commit) records nothing and returns no row.
INSERT INTO payment_webhook_events (event_id, restaurant_id, payload)
VALUES (%(event_id)s, %(restaurant_id)s, %(payload)s)
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id;

-- name: get_event
SELECT restaurant_id, booking_id FROM payment_webhook_events WHERE event_id = %(event_id)s;

-- name: attach_booking
UPDATE payment_webhook_events SET booking_id = %(booking_id)s WHERE event_id = %(event_id)s;
