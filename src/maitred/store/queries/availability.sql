-- name: covers
-- Covers of the bookings starting in [start_at, end_at) in the given states, summed per
-- start time: what the kitchen cooks, for pacing. One row per start time, not a whole
-- booking record per booking: availability reads it on every change of the day.
SELECT start_at, sum(party_size)::int AS covers
FROM bookings
WHERE restaurant_id = %(restaurant_id)s
  AND start_at >= %(start_at)s AND start_at < %(end_at)s
  AND state = ANY(%(states)s::text[])
GROUP BY start_at;
