"""Day assignment on generated floors: every plan passes the shared checker, locked parties
keep their tables, the online host never takes back a yes, and planning with the whole day
known seats at least as many guests as taking bookings one by one."""

from __future__ import annotations

import importlib.util
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maitred.engine.day import DayPlan, assign_day
from maitred.engine.instance import Instance, parse, plan_document

CHECKER_PATH = Path(__file__).resolve().parents[3] / "shared" / "bench" / "validate.py"
SHAPES = [(1, 2), (2, 4), (2, 4), (4, 6), (5, 8)]
QUICK = settings(max_examples=25, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("shared_validate", CHECKER_PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CHECKER = _checker()


@st.composite
def days(draw: st.DrawFn) -> dict[str, Any]:
    """A small restaurant day in the shared format, locked bookings included."""
    shapes = draw(st.lists(st.sampled_from(SHAPES), min_size=2, max_size=6))
    tables: list[dict[str, Any]] = [{"id": f"T{i + 1}", "zone": "main" if i % 3 else "patio",
               "min_party": lo, "max_party": hi, "tags": ["window"] if i % 2 else []}
              for i, (lo, hi) in enumerate(shapes)]
    combos: list[dict[str, Any]] = []
    adjacency: list[list[str]] = []
    for a, b in pairwise(tables):
        if a["zone"] == b["zone"] and draw(st.booleans()):
            adjacency.append([a["id"], b["id"]])
            seats = a["max_party"] + b["max_party"] - 1
            combos.append({"id": f"C{len(combos) + 1}", "tables": [a["id"], b["id"]],
                           "min_party": max(a["max_party"], b["max_party"]) + 1,
                           "max_party": seats})
    count = draw(st.integers(1, 12))
    order = draw(st.permutations(list(range(1, count + 1))))
    bookings = []
    held: list[tuple[str, int, int]] = []
    for i in range(count):
        party = draw(st.integers(1, 9))
        start = 15 * draw(st.integers(0, 12))
        duration = draw(st.sampled_from([60, 75, 90, 120]))
        locked = None
        fitting = [t for t in tables if t["min_party"] <= party <= t["max_party"]]
        if fitting and draw(st.integers(0, 4)) == 0:
            table = draw(st.sampled_from(fitting))
            if not any(t == table["id"] and s < start + duration + 15 and start < e
                       for t, s, e in held):
                locked = [table["id"]]
                held.append((table["id"], start, start + duration + 15))
        bookings.append({
            "id": f"B{i + 1}", "party_size": party,
            "start": f"2025-06-13T{17 + start // 60:02d}:{start % 60:02d}",
            "duration_minutes": duration,
            "zone_preference": draw(st.sampled_from([None, "main", "patio"])),
            "tags_preference": draw(st.sampled_from([[], ["window"]])),
            "created_seq": order[i], "locked_tables": locked})
    return {"restaurant": {
        "name": "Generated", "timezone": "Europe/Paris",
        "service": {"date": "2025-06-13", "open": "17:00", "close": "23:00"},
        "slot_minutes": 15, "zones": [{"id": "main", "name": "Main"},
                                      {"id": "patio", "name": "Patio"}],
        "tables": tables, "combinations": combos, "adjacency": adjacency},
        "bookings": bookings, "buffer_minutes": draw(st.sampled_from([0, 15]))}


def _plan(instance: Instance, mode: str, **kwargs: Any) -> DayPlan:
    return assign_day(instance.floor, instance.bookings, instance.policy,
                      mode="online" if mode == "online" else "offline", time_limit=0.5,
                      **kwargs)


def _problems(raw: dict[str, Any], plan: DayPlan) -> list[str]:
    problems: list[str] = CHECKER.validate(raw, plan_document(plan.assignments,
                                                              plan.unassigned))
    return problems


@QUICK
@given(days())
def test_every_plan_passes_the_shared_checker_and_keeps_locked_tables(
        raw: dict[str, Any]) -> None:
    instance = parse(raw)
    for mode in ("offline", "online"):
        plan = _plan(instance, mode)
        assert _problems(raw, plan) == []
        for booking in instance.bookings:
            if booking.locked_tables is not None:
                assert plan.assignments[booking.id] == booking.locked_tables


@QUICK
@given(days())
def test_knowing_the_whole_day_seats_at_least_as_many_covers_as_online(
        raw: dict[str, Any]) -> None:
    instance = parse(raw)
    offline = _plan(instance, "offline")
    online = _plan(instance, "online")
    assert offline.stats["covers_seated"] >= online.stats["covers_seated"]


@QUICK
@given(days())
def test_online_never_takes_back_a_yes_nor_uses_later_bookings(raw: dict[str, Any]) -> None:
    instance = parse(raw)
    # Locked parties are promised before the first arrival; the rest come one by one.
    pinned = {b.id for b in instance.bookings if b.locked_tables is not None}
    arrivals = sorted((b for b in instance.bookings if b.id not in pinned),
                      key=lambda b: b.created_seq)
    final = _plan(instance, "online")
    for seen in range(1, len(arrivals) + 1):
        known = pinned | {b.id for b in arrivals[:seen]}
        so_far = assign_day(instance.floor, [b for b in instance.bookings if b.id in known],
                            instance.policy, mode="online")
        # What was answered after ``seen`` arrivals is what the full day still says.
        assert set(so_far.assignments) == set(final.assignments) & known


def test_staff_locks_passed_by_id_are_honoured() -> None:
    raw = {"restaurant": {
        "name": "Two tables", "timezone": "UTC",
        "service": {"date": "2025-06-13", "open": "17:00", "close": "23:00"},
        "tables": [{"id": "T1", "zone": "main", "min_party": 1, "max_party": 4},
                   {"id": "T2", "zone": "main", "min_party": 1, "max_party": 4}]},
        "bookings": [{"id": "B1", "party_size": 2, "start": "2025-06-13T19:00",
                      "duration_minutes": 90, "created_seq": 1}]}
    instance = parse(raw)
    for mode in ("offline", "online"):
        plan = _plan(instance, mode, locked={"B1": ("T2",)})
        assert plan.assignments == {"B1": ("T2",)}


def test_offline_keeps_the_table_for_the_larger_party() -> None:
    # One four-top, two parties wanting it at once: the party of four brings more covers.
    raw = {"restaurant": {
        "name": "One table", "timezone": "UTC",
        "service": {"date": "2025-06-13", "open": "17:00", "close": "23:00"},
        "tables": [{"id": "T1", "zone": "main", "min_party": 1, "max_party": 4}]},
        "bookings": [
            {"id": "B1", "party_size": 2, "start": "2025-06-13T19:00",
             "duration_minutes": 90, "created_seq": 1},
            {"id": "B2", "party_size": 4, "start": "2025-06-13T19:30",
             "duration_minutes": 90, "created_seq": 2}]}
    instance = parse(raw)
    offline = _plan(instance, "offline")
    online = _plan(instance, "online")
    assert offline.assignments == {"B2": ("T1",)}
    assert offline.unassigned == ("B1",)
    assert online.assignments == {"B1": ("T1",)}  # first come, and a yes is a yes
    assert offline.stats["status"] == "OPTIMAL"


def test_two_parties_locked_to_one_table_at_once_are_refused() -> None:
    raw = {"restaurant": {
        "name": "One table", "timezone": "UTC",
        "service": {"date": "2025-06-13", "open": "17:00", "close": "23:00"},
        "tables": [{"id": "T1", "zone": "main", "min_party": 1, "max_party": 4}]},
        "bookings": [
            {"id": "B1", "party_size": 2, "start": "2025-06-13T19:00",
             "duration_minutes": 90, "created_seq": 1, "locked_tables": ["T1"]},
            {"id": "B2", "party_size": 2, "start": "2025-06-13T20:00",
             "duration_minutes": 90, "created_seq": 2, "locked_tables": ["T1"]}]}
    instance = parse(raw)
    with pytest.raises(ValueError, match="locked to the same table"):
        _plan(instance, "offline")
