-- Holds, assignments, the allocations that forbid double booking, and manual sessions.
-- depends: 0002.bookings

-- A staff member's manual assignment of one booking (DESIGN.md §4 state machine).
CREATE TABLE manual_assignment_sessions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    booking_id bigint NOT NULL,
    created_by bigint NOT NULL REFERENCES staff_users ON DELETE CASCADE,
    state text NOT NULL DEFAULT 'PROPOSED' CONSTRAINT manual_assignment_sessions_state CHECK (
        state IN ('PROPOSED', 'HELD', 'CONFIRMED', 'CANCELLED', 'EXPIRED')),
    selection bigint[] NOT NULL DEFAULT '{}',       -- table ids, sorted
    selection_version integer NOT NULL DEFAULT 1,
    context_version text,
    policy_version integer,
    snapshot_hash text,
    hold_id bigint,
    expires_at timestamptz,
    -- The six topology versions the selection was validated against.
    tables_version bigint,
    adjacency_version bigint,
    flags_version bigint,
    window_version bigint,
    holds_version bigint,
    assignments_version bigint,
    version integer NOT NULL DEFAULT 1,              -- compare-and-set of the row itself
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (restaurant_id, id),
    FOREIGN KEY (restaurant_id, booking_id) REFERENCES bookings (restaurant_id, id)
        ON DELETE CASCADE
);
-- One active session per booking and staff member.
CREATE UNIQUE INDEX manual_assignment_sessions_one_active
    ON manual_assignment_sessions (booking_id, created_by)
    WHERE state IN ('PROPOSED', 'HELD');
CREATE INDEX manual_assignment_sessions_expiry ON manual_assignment_sessions (expires_at)
    WHERE state = 'HELD';

CREATE TABLE manual_assignment_session_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    session_id bigint NOT NULL,
    from_state text,
    to_state text NOT NULL,
    actor text NOT NULL,
    reason text NOT NULL DEFAULT '',
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (restaurant_id, session_id)
        REFERENCES manual_assignment_sessions (restaurant_id, id) ON DELETE CASCADE
);

-- A short-lived claim on tables for one booking's window.
CREATE TABLE table_holds (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    booking_id bigint NOT NULL,
    session_id bigint,
    source text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'auto', 'ops')),
    status text NOT NULL DEFAULT 'active' CONSTRAINT table_holds_status CHECK (
        status IN ('active', 'confirmed', 'released', 'expired')),
    during tstzrange NOT NULL CHECK (NOT isempty(during)),
    created_by bigint REFERENCES staff_users ON DELETE SET NULL,
    expires_at timestamptz NOT NULL,
    last_touched_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz,
    UNIQUE (restaurant_id, id),
    FOREIGN KEY (restaurant_id, booking_id) REFERENCES bookings (restaurant_id, id)
        ON DELETE CASCADE,
    FOREIGN KEY (restaurant_id, session_id)
        REFERENCES manual_assignment_sessions (restaurant_id, id) ON DELETE SET NULL (session_id)
);
CREATE INDEX table_holds_active_expiry ON table_holds (expires_at) WHERE status = 'active';
CREATE INDEX table_holds_booking ON table_holds (booking_id);

ALTER TABLE manual_assignment_sessions ADD CONSTRAINT manual_assignment_sessions_hold_fk
    FOREIGN KEY (restaurant_id, hold_id) REFERENCES table_holds (restaurant_id, id)
    ON DELETE SET NULL (hold_id);

CREATE TABLE table_hold_members (
    restaurant_id bigint NOT NULL,
    hold_id bigint NOT NULL,
    table_id bigint NOT NULL,
    PRIMARY KEY (hold_id, table_id),
    FOREIGN KEY (restaurant_id, hold_id) REFERENCES table_holds (restaurant_id, id)
        ON DELETE CASCADE,
    FOREIGN KEY (restaurant_id, table_id) REFERENCES table_inventory (restaurant_id, id)
        ON DELETE CASCADE
);

-- The one place the database forbids double booking: a row per (table, window) for every
-- active hold and every assignment, and no two rows of one table may overlap in time.
-- during = [start, end + buffer): half-open, so back-to-back parties do not clash.
-- Core range types only (the embedded server has no btree_gist): the table id becomes the
-- one-point range [id, id]. DEFERRABLE so the optimizer can swap two parties' tables inside
-- one transaction (SET CONSTRAINTS ... DEFERRED); immediate everywhere else.
CREATE TABLE allocations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    table_id bigint NOT NULL,
    booking_id bigint NOT NULL,
    kind text NOT NULL CONSTRAINT allocations_kind CHECK (kind IN ('hold', 'assignment')),
    hold_id bigint,
    during tstzrange NOT NULL CONSTRAINT allocations_during_not_empty CHECK (NOT isempty(during)),
    expires_at timestamptz,                          -- holds only: copied from the hold
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT allocations_hold_matches_kind CHECK (
        (kind = 'hold') = (hold_id IS NOT NULL) AND (kind = 'hold') = (expires_at IS NOT NULL)),
    CONSTRAINT allocations_no_overlap EXCLUDE USING gist (
        int8range(table_id, table_id, '[]') WITH &&, during WITH &&
    ) DEFERRABLE INITIALLY IMMEDIATE,
    -- Deferred: deleting a whole restaurant removes tables and bookings in one statement;
    -- deleting one table that still has allocations is refused at commit.
    CONSTRAINT allocations_table_fk FOREIGN KEY (restaurant_id, table_id)
        REFERENCES table_inventory (restaurant_id, id) DEFERRABLE INITIALLY DEFERRED,
    FOREIGN KEY (restaurant_id, booking_id) REFERENCES bookings (restaurant_id, id)
        ON DELETE CASCADE,
    FOREIGN KEY (restaurant_id, hold_id) REFERENCES table_holds (restaurant_id, id)
        ON DELETE CASCADE
);
CREATE INDEX allocations_booking ON allocations (booking_id);
CREATE INDEX allocations_hold ON allocations (hold_id) WHERE hold_id IS NOT NULL;
CREATE INDEX allocations_day ON allocations (restaurant_id, lower(during));

-- The confirmed tables of a booking.
CREATE TABLE booking_table_assignments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    booking_id bigint NOT NULL,
    table_id bigint NOT NULL,
    allocation_id bigint REFERENCES allocations ON DELETE SET NULL,
    source text NOT NULL DEFAULT 'manual'
        CHECK (source IN ('manual', 'auto', 'ops', 'optimizer', 'import')),
    assigned_by bigint REFERENCES staff_users ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT booking_table_assignments_unique UNIQUE (booking_id, table_id),
    FOREIGN KEY (restaurant_id, booking_id) REFERENCES bookings (restaurant_id, id)
        ON DELETE CASCADE,
    CONSTRAINT booking_table_assignments_table_fk FOREIGN KEY (restaurant_id, table_id)
        REFERENCES table_inventory (restaurant_id, id) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX booking_table_assignments_table ON booking_table_assignments (table_id);
