-- Manual sessions: what their selection was validated against, part by part.
-- depends: 0003.allocations-and-sessions

-- snapshot_hash covers exactly the data a selection depends on; snapshot_parts keeps one
-- digest per part (tables, adjacency, policy, window, holds, assignments) so a stale
-- session can say *what* changed instead of only *that* something did.
ALTER TABLE manual_assignment_sessions
    ADD COLUMN snapshot_parts jsonb NOT NULL DEFAULT '{}'::jsonb;

-- The sweeper also ends sessions left PROPOSED by a host who walked away.
CREATE INDEX manual_assignment_sessions_proposed_expiry ON manual_assignment_sessions (expires_at)
    WHERE state = 'PROPOSED';
CREATE INDEX manual_assignment_session_history_session
    ON manual_assignment_session_history (session_id);
