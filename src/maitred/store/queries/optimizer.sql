-- name: due_days
-- Restaurants with not-yet-seated bookings still to come today or tomorrow (the
-- restaurant's local dates), one row per (restaurant, local service date): the days the
-- periodic optimizer re-plans.
SELECT DISTINCT b.restaurant_id, (b.start_at AT TIME ZONE r.timezone)::date AS day
FROM bookings b
JOIN restaurants r ON r.id = b.restaurant_id
WHERE b.state = ANY(%(states)s::text[])
  AND b.start_at >= now()
  AND (b.start_at AT TIME ZONE r.timezone)::date
      <= (now() AT TIME ZONE r.timezone)::date + 1
ORDER BY 1, 2;
