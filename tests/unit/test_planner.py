"""Candidates, ranking and quotes: the planner's answers and the words behind them."""

from __future__ import annotations

from tests.builders import at, bistro, booking, busy, floor, seat, table

from maitred.engine import strategies
from maitred.engine.demand import Demand
from maitred.engine.planner import Plan, candidates, quote
from maitred.engine.policy import Policy
from maitred.engine.rules import check
from maitred.engine.timeline import Timeline

POLICY = Policy()


def tables_of(plans: list[Plan]) -> list[tuple[str, ...]]:
    return [p.tables for p in plans]


def test_every_free_fitting_table_and_combination_is_a_candidate() -> None:
    found = candidates(booking(party=4), bistro(), Timeline(), POLICY)
    assert tables_of(found) == [("T3",), ("T4",), ("T1", "T2")]
    assert [p.strategy for p in found] == ["best_single_fit", "best_single_fit",
                                           "adjacent_combination"]
    assert found[2].option_key == "C12"
    assert found[0].seats == 4


def test_busy_tables_and_joins_that_use_them_are_left_out() -> None:
    timeline = Timeline([busy("T3", at("18:30"), at("19:30"), "B9"),
                         busy("T1", at("19:30"), at("20:00"), "B8")])
    found = candidates(booking(party=4, start=at("19:00")), bistro(), timeline, POLICY)
    assert tables_of(found) == [("T4",)]


def test_a_pinned_booking_gets_only_its_locked_tables() -> None:
    found = candidates(booking(party=4, locked=["T1", "T2"]), bistro(), Timeline(), POLICY)
    assert tables_of(found) == [("T1", "T2")]


def test_no_joins_are_offered_when_merges_are_off() -> None:
    policy = Policy(merges_enabled=False)
    found = candidates(booking(party=4), bistro(), Timeline(), policy)
    assert tables_of(found) == [("T3",), ("T4",)]


def test_nothing_is_offered_outside_service_hours() -> None:
    policy = Policy(service_periods=((at("18:00"), at("22:00")),))
    assert candidates(booking(party=4, start=at("21:30")), bistro(), Timeline(), policy) == []


def test_a_guest_preference_breaks_an_otherwise_equal_choice() -> None:
    found = candidates(booking(party=4, tags={"quiet"}), bistro(), Timeline(), POLICY)
    assert found[0].tables == ("T4",)
    assert found[0].preference_met is True
    assert found[1].preference_met is False


def test_every_candidate_is_explained_unless_asked_not_to() -> None:
    found = candidates(booking(party=3), bistro(), Timeline(), POLICY)
    assert all(p.reasons for p in found)
    joined = next(p for p in found if len(p.tables) == 2)
    assert "joins 2 tables (T1+T2)" in joined.reasons
    assert "3 guests at 4 seats (1 empty)" in joined.reasons
    assert all(not p.reasons for p in candidates(booking(party=3), bistro(), Timeline(),
                                                   POLICY, explain=False))


def test_the_quote_picks_the_best_candidate_and_says_why_the_others_lost() -> None:
    room = bistro()
    result = quote(booking(party=3), room, Timeline(), POLICY)
    assert result.best is not None
    assert result.best.tables == ("T3",)
    assert result.reason is None
    assert [p.tables for p in result.alternatives] == [("T4",), ("T1", "T2")]
    tie, joined = (why for _, why in result.losers)
    assert "scores the same as T3" in tie
    assert joined.startswith("T1+T2 scores 1.5 lower: joining tables (-1.5)")
    assert all(check(p.tables, booking(party=3), room, Timeline(), POLICY) == []
               for p in (result.best, *result.alternatives))


def test_the_quote_records_every_strategy_in_priority_order() -> None:
    result = quote(booking(party=3), bistro(), Timeline(), POLICY)
    assert [r.strategy for r in result.strategies] == [s.name for s in strategies.ALL]
    assert result.best is not None
    assert result.best.strategy == "best_single_fit"
    by_name = {r.strategy: r for r in result.strategies}
    assert by_name["preference_first"].plan is None
    assert by_name["future_demand_aware"].plan is None
    assert by_name["adjacent_combination"].plan is not None


def test_the_quote_limits_its_alternatives() -> None:
    result = quote(booking(party=2), bistro(), Timeline(), POLICY, limit=1)
    assert len(result.alternatives) == 1
    assert len(result.losers) == 1


def test_a_party_larger_than_any_option_is_told_so() -> None:
    result = quote(booking(party=13), bistro(), Timeline(), POLICY)
    assert result.best is None
    assert result.reason == "no table or combination seats 13"


def test_a_full_room_says_when_the_first_option_frees() -> None:
    timeline = Timeline()
    seat(timeline, booking("B7", party=8, start=at("18:00"), duration=180), ["T5"])
    result = quote(booking(party=8, start=at("19:00")), bistro(), timeline, POLICY)
    assert result.best is None
    assert result.reason == ("every table or combination for 8 is taken 19:00-20:30; "
                             "the first free is T5 at 21:00")


def test_a_pinned_booking_whose_tables_are_taken_hears_why() -> None:
    timeline = Timeline([busy("T3", at("18:00"), at("20:00"), "B5")])
    result = quote(booking(party=4, locked=["T3"]), bistro(), timeline, POLICY)
    assert result.best is None
    assert result.reason is not None
    assert "Table T3 is taken by booking B5 until 20:00" in result.reason


def test_a_replanned_booking_may_keep_its_own_tables() -> None:
    timeline = Timeline()
    own = booking("B1", party=8)
    seat(timeline, own, ["T5"])
    result = quote(own, bistro(), timeline, POLICY)
    assert result.best is not None
    assert result.best.tables == ("T5",)


def test_expected_big_parties_steer_a_medium_party_off_the_big_table() -> None:
    # A seven-top, and two four-tops that join into a six: a party of five fits both.
    room = floor([table("A", 4), table("B", 4), table("C", 7)], [("A", "B")])
    guests = booking(party=5, start=at("19:00"))
    plain = quote(guests, room, Timeline(), POLICY)
    sevens = Demand.from_bookings([booking(f"L{i}", party=7, start=at("19:30"))
                                   for i in range(2)])
    aware = quote(guests, room, Timeline(), POLICY, sevens)
    assert plain.best is not None
    assert aware.best is not None
    assert plain.best.tables == ("C",)
    assert aware.best.tables == ("A", "B")
    assert any("larger parties" in reason for reason in aware.alternatives[0].reasons)
    assert "seats needed by larger parties later" in aware.losers[0][1]


def test_quotes_are_deterministic() -> None:
    timeline = Timeline([busy("T1", at("17:00"), at("18:30"), "B3")])
    first = quote(booking(party=2), bistro(), timeline, POLICY)
    again = quote(booking(party=2), bistro(), timeline, POLICY)
    assert first == again


def test_a_join_is_free_only_when_all_its_tables_are() -> None:
    room = floor([table("A", 4), table("B", 4)], [("A", "B")])
    timeline = Timeline([busy("A", at("19:00"), at("20:00"), "B2"),
                         busy("B", at("20:00"), at("21:00"), "B3")])
    result = quote(booking(party=6, start=at("19:00")), room, timeline, POLICY)
    assert result.reason == ("every table or combination for 6 is taken 19:00-20:30; "
                             "the first free is A+B at 21:00")
