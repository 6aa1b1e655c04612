"""The whole-day relaxation's covers ceiling is a proof: no plan seats more guests, on
small generated days checked against CP-SAT's proven optimum, and on a shared 60-table
day it matches the reference solver's bound and is reported with the offline plan."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maitred.engine import bound, solver
from maitred.engine.booking import Booking
from maitred.engine.day import assign_day
from maitred.engine.dayindex import DayIndex
from maitred.engine.floor import Floor
from maitred.engine.instance import parse
from maitred.engine.policy import Policy
from maitred.engine.repair import UNSEATED

BENCH = Path(__file__).resolve().parents[3] / "shared" / "bench"


def _day(parties: list[tuple[int, int, int]], buffer: int) -> tuple[Floor, list[Booking],
                                                                    Policy]:
    raw = {"restaurant": {
        "name": "Generated", "timezone": "Europe/Paris",
        "service": {"date": "2025-06-13", "open": "17:00", "close": "23:59"},
        "slot_minutes": 15, "zones": [{"id": "main", "name": "Main"}],
        "tables": [{"id": f"T{i}", "zone": "main", "min_party": 1, "max_party": seats,
                    "tags": []} for i, seats in enumerate((2, 2, 4, 4, 6), start=1)],
        "combinations": [{"id": "C1", "tables": ["T1", "T2"], "min_party": 3,
                          "max_party": 4},
                         {"id": "C2", "tables": ["T3", "T4"], "min_party": 5,
                          "max_party": 8}],
        "adjacency": [["T1", "T2"], ["T3", "T4"]]},
        "bookings": [{"id": f"B{i}", "party_size": party,
                      "start": f"2025-06-13T{17 + slot // 4:02d}:{15 * (slot % 4):02d}",
                      "duration_minutes": duration, "zone_preference": None,
                      "tags_preference": [], "created_seq": i, "locked_tables": None}
                     for i, (party, slot, duration) in enumerate(parties, start=1)],
        "buffer_minutes": buffer}
    instance = parse(raw)
    return instance.floor, list(instance.bookings), instance.policy


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(1, 8), st.integers(0, 16),
                          st.sampled_from([60, 90, 120])), min_size=1, max_size=18),
       st.sampled_from([0, 15]))
def test_no_plan_seats_more_covers_than_the_ceiling(
        parties: list[tuple[int, int, int]], buffer: int) -> None:
    floor, bookings, policy = _day(parties, buffer)
    index = DayIndex(floor, bookings, policy)
    relaxed = bound.relax(index, tidiness=1e-5)
    assert relaxed is not None
    exact = solver.solve(index, [UNSEATED] * index.size, time_limit=5.0)
    assert exact.status == "OPTIMAL"
    assert exact.covers <= relaxed.covers_bound <= sum(index.party)


def test_a_sixty_table_day_reports_the_proven_ceiling_with_its_plan() -> None:
    name = "large-l0.6-s1"
    instance = parse(json.loads((BENCH / "instances" / f"{name}.json").read_text()), name)
    reference = json.loads((BENCH / "results" / "reference.json").read_text())[name]
    plan = assign_day(instance.floor, instance.bookings, instance.policy, time_limit=1.0)
    assert plan.stats["covers_bound"] == reference["covers_upper_bound"]
    assert plan.stats["covers_seated"] <= plan.stats["covers_bound"]
    assert plan.stats["gap"] == round(
        (plan.stats["covers_bound"] - plan.stats["covers_seated"])
        / plan.stats["covers_bound"], 4)
