"""Properties over generated floors: the planner and the constraint engine never disagree.

Manual sessions ask ``rules.check``; the automatic path asks ``planner.candidates``. If the
two ever disagreed, a host could be refused a table the robot would give, or the robot
could propose what the host is then told is impossible.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.builders import bookings, floors, policies, timelines

from maitred.engine import planner, rules
from maitred.engine.booking import Booking
from maitred.engine.floor import Floor
from maitred.engine.policy import Policy
from maitred.engine.timeline import Timeline

SETTINGS = settings(max_examples=150, deadline=None)


@st.composite
def situations(draw: st.DrawFn) -> tuple[Floor, Timeline, Booking, Policy]:
    """A floor, a day already partly booked, a new party, and the policy to judge by."""
    room = draw(floors())
    # Usually the floor's own policy; sometimes another one, which must not break agreement.
    policy = draw(st.one_of(st.just(room.policy), policies()))
    return room, draw(timelines(room)), draw(bookings(room)), policy


def selections(room: Floor, guests: Booking) -> list[tuple[str, ...]]:
    """Every single table, every option's table set, and the booking's locked tables."""
    picks: list[tuple[str, ...]] = [(t,) for t in sorted(room.tables)]
    picks += [o.tables for o in room.options if o.is_combination]
    if guests.locked_tables is not None:
        picks.append(guests.locked_tables)
    return picks


@SETTINGS
@given(situations())
def test_every_candidate_passes_the_constraint_engine(
    situation: tuple[Floor, Timeline, Booking, Policy],
) -> None:
    room, timeline, guests, policy = situation
    for plan in planner.candidates(guests, room, timeline, policy, explain=False):
        assert rules.check(plan.tables, guests, room, timeline, policy) == [], plan


@SETTINGS
@given(situations(), st.data())
def test_every_selection_the_constraint_engine_accepts_is_a_candidate(
    situation: tuple[Floor, Timeline, Booking, Policy], data: st.DataObject,
) -> None:
    room, timeline, guests, policy = situation
    offered = {p.tables for p in planner.candidates(guests, room, timeline, policy,
                                                      explain=False)}
    ids = sorted(room.tables)
    extra = data.draw(st.lists(st.lists(st.sampled_from(ids), min_size=1, max_size=4),
                               max_size=5))
    for selection in [*selections(room, guests), *map(tuple, extra)]:
        if rules.check(selection, guests, room, timeline, policy) == []:
            assert tuple(sorted(set(selection))) in offered, selection


@SETTINGS
@given(situations())
def test_violation_messages_name_the_table_the_booking_and_the_time(
    situation: tuple[Floor, Timeline, Booking, Policy],
) -> None:
    room, timeline, guests, policy = situation
    for selection in selections(room, guests):
        for v in rules.check(selection, guests, room, timeline, policy):
            assert v.message.endswith("."), v
            if v.table_id is not None:
                assert v.table_id in v.message, v
            if v.other_booking is not None:
                assert v.other_booking in v.message, v
            if v.free_at is not None:
                assert rules.default_clock(v.free_at) in v.message, v
            if v.kind in (rules.ViolationKind.OVERLAP, rules.ViolationKind.BLOCKED_TABLE):
                assert v.table_id is not None
                assert v.free_at is not None
                assert v.free_at >= guests.start
            if v.kind is rules.ViolationKind.LOCKED_TABLE and v.table_id is None:
                assert guests.id in v.message, v


@SETTINGS
@given(situations())
def test_the_quote_winner_is_the_best_candidate_or_the_reason_is_given(
    situation: tuple[Floor, Timeline, Booking, Policy],
) -> None:
    room, timeline, guests, policy = situation
    ranked = planner.candidates(guests, room, timeline, policy, explain=False)
    result = planner.quote(guests, room, timeline, policy)
    if not ranked:
        assert result.best is None
        assert result.reason
        return
    assert result.best is not None
    assert result.best.tables == ranked[0].tables
    assert result.best.score == ranked[0].score
    assert rules.check(result.best.tables, guests, room, timeline, policy) == []
    assert len(result.strategies) >= 5
