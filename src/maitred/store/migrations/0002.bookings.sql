-- Guests, bookings, their state history and the automatic assignment attempts.
-- depends: 0001.floor-and-tenants

CREATE TABLE guests (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id bigint NOT NULL REFERENCES restaurants ON DELETE CASCADE,
    name text NOT NULL DEFAULT '',
    phone text,
    email text,
    notes text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (restaurant_id, id)
);
-- The factory finds a returning guest by phone or email before creating one.
CREATE INDEX guests_phone ON guests (restaurant_id, phone) WHERE phone IS NOT NULL;
CREATE INDEX guests_email ON guests (restaurant_id, lower(email)) WHERE email IS NOT NULL;

-- Order in which bookings were made, across channels (the online simulation replays it).
CREATE SEQUENCE booking_created_seq;

CREATE TABLE bookings (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id bigint NOT NULL REFERENCES restaurants ON DELETE CASCADE,
    guest_id bigint,
    reference text,                                   -- an outside id ("B17" in a floor file)
    party_size integer NOT NULL CONSTRAINT bookings_party_size CHECK (party_size BETWEEN 1 AND 500),
    start_at timestamptz NOT NULL,
    end_at timestamptz NOT NULL,                      -- start_at + duration (no buffer)
    duration_minutes integer NOT NULL CHECK (duration_minutes >= 1),
    -- Fine-grained pipeline state; status keeps the legacy pending/confirmed meaning.
    state text NOT NULL DEFAULT 'pending' CONSTRAINT bookings_state CHECK (state IN (
        'pending', 'assignment_pending', 'assigned', 'manual_review',
        'seated', 'completed', 'cancelled', 'no_show')),
    status text NOT NULL DEFAULT 'pending'
        CONSTRAINT bookings_status CHECK (status IN ('pending', 'confirmed', 'cancelled')),
    version integer NOT NULL DEFAULT 1,
    source text NOT NULL DEFAULT 'online' CONSTRAINT bookings_source CHECK (source IN (
        'online', 'phone', 'walk_in', 'deposit', 'staff', 'import')),
    zone_preference_id bigint,
    tags_preference text[] NOT NULL DEFAULT '{}',
    notes text NOT NULL DEFAULT '',
    locked boolean NOT NULL DEFAULT false,            -- staff pinned its tables: never moved
    assignment_attempts integer NOT NULL DEFAULT 0,
    assigned_at timestamptz,
    assignment_strategy text,
    created_seq bigint NOT NULL DEFAULT nextval('booking_created_seq'),
    created_by bigint REFERENCES staff_users ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    cancelled_at timestamptz,
    CONSTRAINT bookings_window CHECK (end_at > start_at),
    CONSTRAINT bookings_reference_unique UNIQUE (restaurant_id, reference),
    UNIQUE (restaurant_id, id),
    -- Deferred (like every reference between two things a restaurant owns): deleting the
    -- restaurant removes both sides in one statement, in no particular order.
    CONSTRAINT bookings_guest_fk FOREIGN KEY (restaurant_id, guest_id)
        REFERENCES guests (restaurant_id, id) DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT bookings_zone_preference_fk FOREIGN KEY (restaurant_id, zone_preference_id)
        REFERENCES zones (restaurant_id, id) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX bookings_day ON bookings (restaurant_id, start_at);
CREATE INDEX bookings_open_state ON bookings (restaurant_id, state)
    WHERE state IN ('pending', 'assignment_pending', 'manual_review');

-- Who moved a booking from which state to which, and why: the audit trail.
CREATE TABLE booking_state_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    booking_id bigint NOT NULL,
    from_state text,
    to_state text NOT NULL,
    version integer NOT NULL,                         -- the booking's version after the change
    actor text NOT NULL,                              -- 'staff:12', 'system', 'worker', 'guest'
    reason text NOT NULL DEFAULT '',
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (restaurant_id, booking_id) REFERENCES bookings (restaurant_id, id)
        ON DELETE CASCADE
);
CREATE INDEX booking_state_history_booking ON booking_state_history (booking_id, id);

-- One row per automatic attempt: strategy tried, outcome, and why.
CREATE TABLE booking_assignment_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    booking_id bigint NOT NULL,
    attempt_number integer NOT NULL,
    trigger text NOT NULL,                            -- creation, modification, retry
    strategy text,
    result text NOT NULL CHECK (result IN ('assigned', 'no_plan', 'conflict', 'error', 'skipped')),
    reason text NOT NULL DEFAULT '',
    score double precision,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    correlation_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT booking_assignment_attempts_unique UNIQUE (booking_id, attempt_number),
    FOREIGN KEY (restaurant_id, booking_id) REFERENCES bookings (restaurant_id, id)
        ON DELETE CASCADE
);

-- The coordinator processes (booking, trigger, booking version) once, whatever the retries.
CREATE TABLE booking_assignment_idempotency (
    restaurant_id bigint NOT NULL,
    booking_id bigint NOT NULL,
    trigger text NOT NULL,
    booking_version integer NOT NULL,
    outcome text NOT NULL,
    result jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (booking_id, trigger, booking_version),
    FOREIGN KEY (restaurant_id, booking_id) REFERENCES bookings (restaurant_id, id)
        ON DELETE CASCADE
);

-- Deposit-paid webhooks already processed, by the provider's event id.
CREATE TABLE payment_webhook_events (
    event_id text PRIMARY KEY,
    restaurant_id bigint NOT NULL REFERENCES restaurants ON DELETE CASCADE,
    booking_id bigint,
    payload jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (restaurant_id, booking_id) REFERENCES bookings (restaurant_id, id)
        ON DELETE SET NULL (booking_id)
);
