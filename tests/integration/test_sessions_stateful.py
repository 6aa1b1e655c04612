"""Several hosts drive sessions for several bookings against the real database, at random.

After every step: no table is given twice (the allocations never overlap), each host has
at most one active session per booking, no hold outlives its TTL past the next sweep,
every recorded transition is one the state machine draws, and a live HELD session holds
exactly the tables it shows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from maitred import errors
from maitred.config import Settings
from maitred.services import sessions, staff, sweeper
from maitred.store.db import Database

SEVEN_PM = datetime(2030, 6, 14, 17, 0, tzinfo=UTC)
LEGAL = {(None, "PROPOSED")} | {
    (a, b) for a, targets in sessions.TRANSITIONS.items() for b in targets}


def build_machine(db: Database) -> type[RuleBasedStateMachine]:
    counter = iter(range(1, 10_000))

    class Floor(RuleBasedStateMachine):
        """One fresh restaurant per run: four tables, four overlapping parties, three hosts."""

        opened = Bundle("opened")

        def __init__(self) -> None:
            super().__init__()
            n = next(counter)
            self.settings = Settings(database_url=db.url)
            with db.uow(actor="test") as tx:
                restaurant = tx.restaurants.create(f"Race {n}", timezone="Europe/Paris")
                self.r = restaurant.id
                zone = tx.zones.create(self.r, "main")
                self.tables = [tx.tables.create(self.r, zone_id=zone.id, label=f"T{i}",
                                                max_party=seats).id
                               for i, seats in enumerate((2, 2, 4, 6), start=1)]
                tx.adjacency.add(self.r, self.tables[0], self.tables[1])
                self.bookings = [tx.bookings.create(
                    self.r, party_size=size, start_at=SEVEN_PM + timedelta(minutes=offset),
                    duration_minutes=90, source="staff").id
                    for size, offset in ((2, 0), (2, 30), (4, 0), (3, 60))]
                self.hosts = [staff.grant(tx, self.r, f"host{i}.{n}@race.test", "host",
                                          f"Host {i}").staff_id for i in range(3)]
            self.last_sweep: datetime | None = None

        def act(self, call: Any, *args: Any) -> sessions.SessionAnswer | None:
            """Run one use case; a refusal must be one the service promises, never a crash."""
            try:
                with db.uow() as tx:
                    result: sessions.SessionAnswer = call(tx, self.settings, self.r, *args)
                    return result
            except (errors.Conflict, errors.Forbidden):
                # A promised refusal (lost race, stale version, illegal move, expired);
                # anything else propagates and fails the run.
                return None

        @rule(target=opened, who=st.integers(0, 2), booking=st.integers(0, 3),
              picks=st.sets(st.integers(0, 3), max_size=2))
        def open(self, who: int, booking: int, picks: set[int]) -> Any:
            got = self.act(sessions.open_session, self.bookings[booking],
                           sessions.Actor(self.hosts[who]), [self.tables[p] for p in picks])
            return (got.session.id, self.hosts[who]) if got else (0, self.hosts[who])

        @rule(which=opened, picks=st.sets(st.integers(0, 3), min_size=1, max_size=2),
              stale=st.booleans())
        def choose(self, which: tuple[int, int], picks: set[int], stale: bool) -> None:
            session_id, host = which
            if not session_id:
                return
            version = self.version(session_id) - (1 if stale else 0)
            self.act(sessions.change_selection, session_id, sessions.Actor(host),
                     [self.tables[p] for p in picks], version)

        @rule(which=opened)
        def confirm(self, which: tuple[int, int]) -> None:
            session_id, host = which
            if session_id:
                self.act(sessions.confirm, session_id, sessions.Actor(host))

        @rule(which=consumes(opened))
        def cancel(self, which: tuple[int, int]) -> None:
            session_id, host = which
            if session_id:
                self.act(sessions.cancel, session_id, sessions.Actor(host))

        @rule(which=opened)
        def time_passes(self, which: tuple[int, int]) -> None:
            # The session's hold runs out now (not earlier: a sweep already run could not
            # have seen it): its clock is moved, nothing else is touched.
            session_id, _ = which
            with db.uow() as tx:
                tx.conn.execute(
                    "UPDATE manual_assignment_sessions SET expires_at = now()"
                    " WHERE id = %(id)s AND state IN ('PROPOSED', 'HELD')", {"id": session_id})
                tx.conn.execute(
                    "UPDATE table_holds SET expires_at = now() WHERE "
                    "session_id = %(id)s AND status = 'active'", {"id": session_id})
                tx.conn.execute(
                    "UPDATE allocations a SET expires_at = h.expires_at FROM table_holds h "
                    "WHERE a.hold_id = h.id AND h.session_id = %(id)s", {"id": session_id})

        @rule()
        def sweep(self) -> None:
            with db.uow() as tx:
                self.last_sweep = tx.now()
            sweeper.sweep(db)

        def version(self, session_id: int) -> int:
            with db.uow() as tx:
                return sessions.SessionRepository(tx.conn).get(
                    self.r, session_id).selection_version

        # -- what must hold after every step ------------------------------------------------

        @invariant()
        def no_table_is_given_twice(self) -> None:
            with db.uow() as tx:
                assert tx.allocations.overlapping_pairs(self.r) == []

        @invariant()
        def one_active_session_per_booking_and_host(self) -> None:
            with db.uow() as tx:
                rows = tx.conn.execute(
                    "SELECT booking_id, created_by FROM manual_assignment_sessions "
                    "WHERE restaurant_id = %(r)s AND state IN ('PROPOSED', 'HELD') "
                    "GROUP BY 1, 2 HAVING count(*) > 1", {"r": self.r}).fetchall()
            assert rows == []

        @invariant()
        def no_hold_outlives_its_ttl_past_a_sweep(self) -> None:
            if self.last_sweep is None:
                return
            with db.uow() as tx:
                rows = tx.conn.execute(
                    "SELECT id FROM table_holds WHERE restaurant_id = %(r)s AND "
                    "status = 'active' AND expires_at <= %(swept)s",
                    {"r": self.r, "swept": self.last_sweep}).fetchall()
            assert rows == []

        @invariant()
        def every_transition_is_legal(self) -> None:
            with db.uow() as tx:
                rows = tx.conn.execute(
                    "SELECT DISTINCT from_state, to_state FROM manual_assignment_session_history"
                    " WHERE restaurant_id = %(r)s", {"r": self.r}).fetchall()
            assert {(a, b) for a, b in rows} <= LEGAL

        @invariant()
        def a_live_held_session_holds_exactly_its_new_tables(self) -> None:
            # Held: the selection, less the tables the party already sits at (a re-seat).
            with db.uow() as tx:
                rows = tx.conn.execute(
                    "SELECT s.selection, coalesce(array_agg(a.table_id ORDER BY a.table_id) "
                    "FILTER (WHERE a.id IS NOT NULL), '{}'), coalesce((SELECT array_agg("
                    "t.table_id) FROM booking_table_assignments t "
                    "WHERE t.booking_id = s.booking_id), '{}') "
                    "FROM manual_assignment_sessions s "
                    "LEFT JOIN allocations a ON a.hold_id = s.hold_id "
                    "WHERE s.restaurant_id = %(r)s AND s.state = 'HELD' "
                    "AND s.expires_at > now() GROUP BY s.id, s.selection",
                    {"r": self.r}).fetchall()
            for selection, held, seated in rows:
                assert held == [t for t in selection if t not in seated]

        @invariant()
        def a_booking_sits_at_the_tables_of_its_latest_confirmed_session(self) -> None:
            with db.uow() as tx:
                rows = tx.conn.execute(
                    "SELECT DISTINCT ON (s.booking_id) s.selection, (SELECT array_agg("
                    "t.table_id ORDER BY t.table_id) FROM booking_table_assignments t "
                    "WHERE t.booking_id = s.booking_id) FROM manual_assignment_sessions s "
                    "WHERE s.restaurant_id = %(r)s AND s.state = 'CONFIRMED' "
                    "ORDER BY s.booking_id, s.updated_at DESC, s.id DESC",
                    {"r": self.r}).fetchall()
            for selection, assigned in rows:
                assert selection == assigned

    return Floor


def test_random_hosts_and_bookings_never_break_the_session_promises(db: Database) -> None:
    machine = build_machine(db)
    run_state_machine_as_test(machine, settings=settings(
        max_examples=25, stateful_step_count=25, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    # The runs went everywhere the machine can go, not only round the first state.
    with db.uow() as tx:
        reached = {r[0] for r in tx.conn.execute(
            "SELECT DISTINCT to_state FROM manual_assignment_session_history").fetchall()}
    assert reached == {"PROPOSED", "HELD", "CONFIRMED", "CANCELLED", "EXPIRED"}
