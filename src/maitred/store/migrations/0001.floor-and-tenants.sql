-- Tenants, staff, the floor (zones, tables, adjacency, combinations), opening hours,
-- turn times and the per-restaurant event log.
--
-- Every tenant table carries restaurant_id and is referenced by (restaurant_id, id)
-- composite keys, so a row can never point at another restaurant's row and the schema
-- shards by restaurant_id as it stands.

CREATE TABLE restaurants (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CHECK (name <> ''),
    timezone text NOT NULL DEFAULT 'UTC',
    slot_minutes integer NOT NULL DEFAULT 15 CHECK (slot_minutes BETWEEN 1 AND 120),
    -- Overrides of the settings' defaults (buffer_minutes, hold_ttl_seconds, merges_enabled,
    -- require_adjacency, max_tables_per_combination, auto_assignment_enabled...).
    policy jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(policy) = 'object'),
    policy_version integer NOT NULL DEFAULT 1,
    -- Topology versions a manual session records; bumped by every change of that kind.
    tables_version bigint NOT NULL DEFAULT 1,
    adjacency_version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff_users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text UNIQUE NOT NULL,
    name text NOT NULL,
    is_superuser boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE restaurant_memberships (
    restaurant_id bigint REFERENCES restaurants ON DELETE CASCADE,
    staff_id bigint REFERENCES staff_users ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('host', 'manager', 'admin')),
    PRIMARY KEY (restaurant_id, staff_id)
);
CREATE INDEX restaurant_memberships_staff ON restaurant_memberships (staff_id);

CREATE TABLE api_tokens (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    staff_id bigint NOT NULL REFERENCES staff_users ON DELETE CASCADE,
    token_hash text UNIQUE NOT NULL,
    label text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    last_used_at timestamptz
);

CREATE TABLE idempotency_keys (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    staff_id bigint NOT NULL REFERENCES staff_users ON DELETE CASCADE,
    key text NOT NULL,
    method text NOT NULL,
    path text NOT NULL,
    request_hash text NOT NULL,
    status_code integer,
    response_body jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (staff_id, key)
);
-- The sweeper forgets keys older than a day every few seconds: a range scan, not a full one.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

CREATE TABLE zones (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id bigint NOT NULL REFERENCES restaurants ON DELETE CASCADE,
    code text NOT NULL CHECK (code <> ''),          -- the floor plan's own id ("main")
    name text NOT NULL,
    position integer NOT NULL DEFAULT 0,
    CONSTRAINT zones_code_unique UNIQUE (restaurant_id, code),
    UNIQUE (restaurant_id, id)
);

CREATE TABLE table_inventory (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id bigint NOT NULL REFERENCES restaurants ON DELETE CASCADE,
    zone_id bigint NOT NULL,
    label text NOT NULL CHECK (label <> ''),         -- what staff call it ("T12")
    min_party integer NOT NULL DEFAULT 1,
    max_party integer NOT NULL,                      -- seats
    tags text[] NOT NULL DEFAULT '{}',
    pos_x real NOT NULL DEFAULT 0,
    pos_y real NOT NULL DEFAULT 0,
    width real NOT NULL DEFAULT 1,
    height real NOT NULL DEFAULT 1,
    shape text NOT NULL DEFAULT 'rect' CHECK (shape IN ('rect', 'round')),
    active boolean NOT NULL DEFAULT true,            -- false: not on the floor tonight
    blocked boolean NOT NULL DEFAULT false,          -- staff keep it out of automatic plans
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT table_inventory_party_range CHECK (1 <= min_party AND min_party <= max_party),
    CONSTRAINT table_inventory_label_unique UNIQUE (restaurant_id, label),
    UNIQUE (restaurant_id, id),
    -- Deferred: deleting the restaurant removes zones and tables in one statement.
    CONSTRAINT table_inventory_zone_fk FOREIGN KEY (restaurant_id, zone_id)
        REFERENCES zones (restaurant_id, id) DEFERRABLE INITIALLY DEFERRED
);

-- Undirected: each pair stored once, smaller id first.
CREATE TABLE table_adjacencies (
    restaurant_id bigint NOT NULL REFERENCES restaurants ON DELETE CASCADE,
    table_a bigint NOT NULL,
    table_b bigint NOT NULL,
    CONSTRAINT table_adjacencies_canonical CHECK (table_a < table_b),
    PRIMARY KEY (restaurant_id, table_a, table_b),
    FOREIGN KEY (restaurant_id, table_a) REFERENCES table_inventory (restaurant_id, id)
        ON DELETE CASCADE,
    FOREIGN KEY (restaurant_id, table_b) REFERENCES table_inventory (restaurant_id, id)
        ON DELETE CASCADE
);
CREATE INDEX table_adjacencies_b ON table_adjacencies (restaurant_id, table_b);

CREATE TABLE table_combinations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id bigint NOT NULL REFERENCES restaurants ON DELETE CASCADE,
    code text NOT NULL CHECK (code <> ''),
    min_party integer NOT NULL DEFAULT 1,
    max_party integer NOT NULL,
    active boolean NOT NULL DEFAULT true,
    CONSTRAINT table_combinations_party_range CHECK (1 <= min_party AND min_party <= max_party),
    CONSTRAINT table_combinations_code_unique UNIQUE (restaurant_id, code),
    UNIQUE (restaurant_id, id)
);

CREATE TABLE table_combination_members (
    restaurant_id bigint NOT NULL,
    combination_id bigint NOT NULL,
    table_id bigint NOT NULL,
    PRIMARY KEY (combination_id, table_id),
    FOREIGN KEY (restaurant_id, combination_id)
        REFERENCES table_combinations (restaurant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (restaurant_id, table_id)
        REFERENCES table_inventory (restaurant_id, id) ON DELETE CASCADE
);
CREATE INDEX table_combination_members_table ON table_combination_members (table_id);

-- Opening hours. day_of_week NULL means every day; closes_at <= opens_at runs past midnight.
CREATE TABLE service_periods (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id bigint NOT NULL REFERENCES restaurants ON DELETE CASCADE,
    name text NOT NULL DEFAULT 'service',
    day_of_week smallint CHECK (day_of_week BETWEEN 0 AND 6),   -- 0 = Monday
    opens_at time NOT NULL,
    closes_at time NOT NULL,
    CONSTRAINT service_periods_not_empty CHECK (opens_at <> closes_at),
    UNIQUE (restaurant_id, id)
);

-- Minutes a party of up to max_party_size guests usually stays.
CREATE TABLE turn_times (
    restaurant_id bigint NOT NULL REFERENCES restaurants ON DELETE CASCADE,
    max_party_size integer NOT NULL CHECK (max_party_size >= 1),
    minutes integer NOT NULL CHECK (minutes >= 1),
    PRIMARY KEY (restaurant_id, max_party_size)
);

-- The event log: one gapless sequence per restaurant. The counter row is incremented in the
-- same transaction as the change it records, so numbers are never skipped or reordered by
-- commit order, and a listener resuming from Last-Event-ID misses nothing.
CREATE TABLE restaurant_event_counters (
    restaurant_id bigint PRIMARY KEY REFERENCES restaurants ON DELETE CASCADE,
    last_seq bigint NOT NULL DEFAULT 0
);

CREATE TABLE restaurant_events (
    restaurant_id bigint NOT NULL REFERENCES restaurants ON DELETE CASCADE,
    seq bigint NOT NULL,
    kind text NOT NULL,
    booking_id bigint,
    payload jsonb NOT NULL DEFAULT '{}'::jsonb,
    actor text,
    correlation_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (restaurant_id, seq)
);

-- LISTEN/NOTIFY is only a wake-up for live screens; the table above is the truth.
CREATE FUNCTION restaurant_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('maitred_events', NEW.restaurant_id::text || ':' || NEW.seq::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER restaurant_events_notify AFTER INSERT ON restaurant_events
    FOR EACH ROW EXECUTE FUNCTION restaurant_events_notify();
