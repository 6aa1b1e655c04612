"""The value-of-accepting test: a party is worth its yes when the relaxed evening with it
seats at least as many covers as without it, given the demand still expected."""

from __future__ import annotations

import pytest
from tests.builders import booking

from maitred.engine import online
from maitred.engine.admission import Party, party_of, value_of_accepting
from maitred.engine.dayindex import DayIndex
from maitred.engine.floor import Floor, Table
from maitred.engine.policy import Policy

POLICY = Policy(derive_combinations=False)
SEVEN = 19 * 60


def _index(*parties: tuple[int, int], tables: int = 1) -> DayIndex:
    """Four-tops; bookings B1, B2, ... of (party, start) for 90 minutes."""
    floor = Floor([Table(f"T{i + 1}", "main", 1, 4) for i in range(tables)], policy=POLICY)
    return DayIndex(floor, [booking(f"B{i + 1}", party, start, 90, seq=i + 1)
                            for i, (party, start) in enumerate(parties)], POLICY)


def test_with_nothing_expected_a_party_is_worth_its_own_covers() -> None:
    index = _index((3, SEVEN))
    assert value_of_accepting(index, [], 0, []) == [pytest.approx(3.0)]


def test_a_couple_on_the_only_four_top_costs_the_four_expected_then() -> None:
    index = _index((2, SEVEN), (4, SEVEN))
    four = party_of(index, 1)
    values = value_of_accepting(index, [], 0, [(four, 1.0)])
    assert values == [pytest.approx(2.0 - 4.0)]


def test_demand_at_another_time_costs_nothing() -> None:
    index = _index((2, SEVEN), (4, SEVEN))
    later = Party(party_of(index, 1).options, SEVEN + 90, SEVEN + 180, 4)
    assert value_of_accepting(index, [], 0, [(later, 5.0)]) == [pytest.approx(2.0)]


def test_one_value_per_volume_of_the_demand_still_to_come() -> None:
    index = _index((2, SEVEN), (4, SEVEN))
    four = party_of(index, 1)
    # Half a party of four expected: the table is worth 2 covers, the couple brings 2.
    values = value_of_accepting(index, [], 0, [(four, 1.0)], volumes=(0.0, 0.5, 3.0))
    assert values == [pytest.approx(2.0), pytest.approx(0.0), pytest.approx(-2.0)]


def test_promised_parties_hold_their_table() -> None:
    # The four-top is promised at seven: the couple then has no table in the relaxation
    # either, and seating it anyway is impossible, so no value is given.
    index = _index((4, SEVEN), (2, SEVEN))
    assert value_of_accepting(index, [0], 1, []) is None


def test_the_value_host_refuses_a_couple_the_fours_expected_would_outbid() -> None:
    # Two fours take two of three four-tops at seven; then a couple asks for seven. On a
    # busy day (3x the seats asked for) more fours are expected then: the last table is
    # kept for them. On a quiet day (no more demand expected) the couple is welcome.
    index = _index((4, SEVEN), (4, SEVEN), (2, SEVEN), tables=3)
    busy = online.run(index, online.Control(admission="value", value_min_seen=1,
                                            loads=(3.0,)))
    assert busy.refused == [2]
    assert sorted(busy.accepted) == [0, 1]
    quiet = online.run(index, online.Control(admission="value", value_min_seen=1,
                                             loads=(0.5,)))
    assert quiet.refused == []
