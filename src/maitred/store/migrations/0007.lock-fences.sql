-- Fencing tokens for the optional Redis lock backend: the highest token that has processed
-- each booking. A worker whose lock expired while it was paused comes back with a lower
-- token than the one that took over, and is refused before it writes anything.
-- depends: 0006.job-queue

CREATE TABLE booking_lock_fences (
    booking_id bigint PRIMARY KEY REFERENCES bookings ON DELETE CASCADE,
    fence bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
