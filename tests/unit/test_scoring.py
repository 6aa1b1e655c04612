"""The one scoring service: each term rewards what a good host would do."""

from __future__ import annotations

from tests.builders import at, bistro, booking, busy, floor, table

from maitred.engine.booking import Booking, Window
from maitred.engine.demand import Demand
from maitred.engine.floor import Floor, Option
from maitred.engine.policy import Policy
from maitred.engine.scoring import TERMS, BookingScorer, Score
from maitred.engine.timeline import Timeline

POLICY = Policy()


def option(room: Floor, *tables: str) -> Option:
    return room.options_with_tables(tables)[0]


def score(guests: Booking, room: Floor, *tables: str, timeline: Timeline | None = None,
          demand: Demand | None = None, policy: Policy = POLICY) -> Score:
    scorer = BookingScorer(guests, room, timeline or Timeline(), policy, demand)
    return scorer.score(option(room, *tables))


def test_terms_are_named_and_sum_to_the_total() -> None:
    result = score(booking(party=3, zone="main", tags={"window"}), bistro(), "T1", "T2")
    assert tuple(result.terms) == TERMS
    assert result.total == round(sum(result.terms.values()), 6)


def test_empty_seats_cost_one_point_each() -> None:
    room = bistro()
    assert score(booking(party=2), room, "T1").terms["seat_waste"] == 0.0
    assert score(booking(party=2), room, "T3").terms["seat_waste"] == -2.0


def test_a_snug_fit_against_the_previous_party_beats_an_open_table() -> None:
    room = bistro()
    timeline = Timeline([busy("T3", at("17:30"), at("19:00"), "B0")])
    snug = score(booking(party=4, start=at("19:00")), room, "T3", timeline=timeline)
    open_ = score(booking(party=4, start=at("19:00")), room, "T4", timeline=timeline)
    assert snug.terms["fragmentation"] > 0
    assert open_.terms["fragmentation"] == 0
    assert snug.total > open_.total


def test_leaving_an_unsellable_sliver_is_penalised_more_the_shorter_it_is() -> None:
    room = bistro()
    timeline = Timeline([busy("T3", at("17:30"), at("19:00"), "B0"),
                         busy("T4", at("17:30"), at("18:00"), "B9")])
    sliver = score(booking(party=4, start=at("19:15")), room, "T3", timeline=timeline)
    wider = score(booking(party=4, start=at("18:45")), room, "T4", timeline=timeline)
    assert sliver.terms["fragmentation"] < wider.terms["fragmentation"] < 0
    sellable = score(booking(party=4, start=at("21:00")), room, "T3", timeline=timeline)
    assert sellable.terms["fragmentation"] == 0


def test_service_edges_count_as_neighbours() -> None:
    policy = Policy(service_periods=((at("18:00"), at("23:00")),))
    room = bistro(policy)
    opening = score(booking(party=4, start=at("18:00")), room, "T3", policy=policy)
    sliver = score(booking(party=4, start=at("18:15")), room, "T3", policy=policy)
    assert opening.terms["fragmentation"] > 0 > sliver.terms["fragmentation"]


def test_matching_zone_and_tags_earns_preference_points() -> None:
    room = bistro()
    wants = booking(party=2, zone="main", tags={"window", "quiet"})
    assert score(wants, room, "T1").terms["preference"] == 3.0  # main + window
    assert score(wants, room, "T4").terms["preference"] == 3.0  # main + quiet
    assert score(booking(party=6, zone="main"), room, "T5").terms["preference"] == 0.0
    assert score(booking(party=2), room, "T1").terms["preference"] == 0.0


def test_every_extra_table_joined_costs_staff_work() -> None:
    room = bistro()
    assert score(booking(party=4), room, "T3").terms["combination"] == 0.0
    assert score(booking(party=4), room, "T1", "T2").terms["combination"] == -1.5
    assert score(booking(party=6), room, "T2", "T3", "T4").terms["combination"] == -3.0


def test_big_tables_are_protected_only_when_big_parties_are_expected_then() -> None:
    room = floor([table("T1", 4), table("T2", 8)])
    expected = Demand.from_bookings([booking(f"L{i}", party=7, start=at("19:30"))
                                     for i in range(3)])
    couple = booking(party=4, start=at("19:00"))
    protected = score(couple, room, "T2", demand=expected)
    assert protected.terms["large_table_protection"] < 0
    assert score(couple, room, "T1", demand=expected).terms["large_table_protection"] == 0
    assert score(couple, room, "T2").terms["large_table_protection"] == 0
    early = booking(party=4, start=at("16:00"))
    assert score(early, room, "T2", demand=expected).terms["large_table_protection"] == 0


def test_scoring_is_deterministic() -> None:
    room = bistro()
    guests = booking(party=3, tags={"window"})
    assert score(guests, room, "T1", "T2") == score(guests, room, "T1", "T2")


def test_demand_averages_expected_parties_over_a_window() -> None:
    demand = Demand.from_bookings([
        booking("A", party=6, start=at("19:00"), duration=60),
        booking("B", party=6, start=at("19:30"), duration=60),
        booking("C", party=2, start=at("18:00"), duration=60),
    ])
    assert demand.pressure(6, Window(at("19:30"), at("20:00"))) == 2.0
    assert demand.pressure(6, Window(at("19:00"), at("20:30"))) == 4 / 3
    assert demand.pressure(6, Window(at("17:00"), at("18:00"))) == 0.0
    assert demand.pressure(9, Window(at("19:00"), at("20:00"))) == 0.0
    assert demand.shortest_meal == 60
    assert Demand.from_bookings([]).pressure(2, Window(0, 60)) == 0.0
