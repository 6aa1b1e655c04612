"""The constraint engine: every refusal is typed and reads as a sentence for the host."""

from __future__ import annotations

from tests.builders import at, bistro, booking, busy, floor, table

from maitred.engine import planner
from maitred.engine.floor import Combination, Floor
from maitred.engine.policy import Policy
from maitred.engine.rules import Violation, ViolationKind, check, default_clock
from maitred.engine.timeline import Kind, Timeline

POLICY = Policy()


def kinds(found: list[Violation]) -> list[ViolationKind]:
    return [v.kind for v in found]


def judge(selection: list[str], party: int = 2, *, room: Floor | None = None,
          timeline: Timeline | None = None, policy: Policy = POLICY,
          **extra: object) -> list[Violation]:
    guests = booking(party=party, **extra)  # type: ignore[arg-type]
    return check(selection, guests, room or bistro(policy), timeline or Timeline(), policy)


def test_a_fitting_free_table_is_accepted() -> None:
    assert judge(["T3"], 4) == []


def test_a_listed_combination_that_fits_is_accepted() -> None:
    assert judge(["T2", "T1"], 3) == []


def test_a_derived_combination_that_fits_is_accepted() -> None:
    assert judge(["T4", "T3"], 6) == []


def test_a_party_between_the_sizes_of_two_listed_joins_of_the_same_tables_is_refused() -> None:
    # Found by hypothesis: T1+T2 listed twice, for 1-2 and for exactly 4; a party of 3 fits
    # neither, though it lies between the two ranges. The planner offers nothing either.
    policy = Policy(derive_combinations=False, require_adjacency=False)
    room = floor([table("T1", 1), table("T2", 1)], [],
                 [Combination("C1", ("T1", "T2"), 1, 2), Combination("C2", ("T1", "T2"), 4, 4)],
                 policy)
    found = judge(["T1", "T2"], 3, room=room, policy=policy)
    assert kinds(found) == [ViolationKind.PARTY_TOO_LARGE]
    assert found[0].message == "Tables T1+T2 together seat 1-2 or 4; the party is 3."
    assert planner.candidates(booking(party=3), room, Timeline(), policy) == []


def test_an_empty_selection_asks_for_a_table() -> None:
    found = judge([])
    assert kinds(found) == [ViolationKind.EMPTY_SELECTION]
    assert "B1" in found[0].message


def test_an_unknown_table_is_named() -> None:
    found = judge(["T99"])
    assert kinds(found) == [ViolationKind.UNKNOWN_TABLE]
    assert found[0].table_id == "T99"
    assert "T99" in found[0].message


def test_an_out_of_service_table_is_refused() -> None:
    room = floor([table("T1", 4, active=False), table("T2", 4)])
    found = judge(["T1"], room=room)
    assert kinds(found) == [ViolationKind.INACTIVE_TABLE]
    assert "T1" in found[0].message


def test_a_table_picked_twice_is_refused() -> None:
    found = judge(["T3", "T3"], 4)
    assert kinds(found) == [ViolationKind.DUPLICATE_TABLE]
    assert found[0].table_id == "T3"


def test_joining_is_refused_when_the_restaurant_turned_merges_off() -> None:
    found = judge(["T1", "T2"], 3, policy=Policy(merges_enabled=False))
    assert kinds(found) == [ViolationKind.MERGES_DISABLED]
    assert "T1+T2" in found[0].message


def test_a_party_too_large_for_the_table_is_refused() -> None:
    found = judge(["T1"], 3)
    assert kinds(found) == [ViolationKind.PARTY_TOO_LARGE]
    assert found[0].message == "Table T1 seats at most 2; the party is 3."


def test_a_party_too_large_for_the_combination_is_refused() -> None:
    found = judge(["T3", "T4"], 7)
    assert kinds(found) == [ViolationKind.PARTY_TOO_LARGE]
    assert "T3+T4" in found[0].message
    assert "6" in found[0].message


def test_a_party_too_small_for_a_large_table_is_refused() -> None:
    found = judge(["T5"], 2)
    assert kinds(found) == [ViolationKind.PARTY_TOO_SMALL]
    assert found[0].message == "Table T5 is kept for parties of 5 or more; the party is 2."


def test_tables_that_do_not_touch_cannot_be_joined() -> None:
    found = judge(["T1", "T4"], 5)
    assert kinds(found) == [ViolationKind.NOT_ADJACENT]
    assert "T1+T4" in found[0].message


def test_touching_tables_outside_the_allowed_joins_are_refused() -> None:
    # T2+T3 touch, but joined they seat no more than T3 alone, so no such combination.
    found = judge(["T2", "T3"], 4)
    assert kinds(found) == [ViolationKind.NOT_A_COMBINATION]
    too_many = judge(["T1", "T2", "T3", "T4"], 8)
    assert kinds(too_many) == [ViolationKind.NOT_A_COMBINATION]
    assert "at most 3 tables" in too_many[0].message


def test_tables_in_different_zones_cannot_be_joined() -> None:
    found = judge(["T4", "T5"], 8)
    assert kinds(found) == [ViolationKind.MIXED_ZONES]
    assert "main" in found[0].message
    assert "patio" in found[0].message


def test_an_overlap_names_the_other_booking_and_when_the_table_frees() -> None:
    timeline = Timeline([busy("T3", at("18:00"), at("19:30"), "B17")])
    found = judge(["T3"], 4, timeline=timeline, start=at("19:00"))
    assert kinds(found) == [ViolationKind.OVERLAP]
    v = found[0]
    assert (v.table_id, v.other_booking, v.free_at) == ("T3", "B17", at("19:30"))
    assert v.message == "Table T3 is taken by booking B17 until 19:30; it is free again at 19:30."


def test_free_again_looks_past_back_to_back_parties() -> None:
    timeline = Timeline([busy("T3", at("18:00"), at("19:30"), "B17"),
                         busy("T3", at("20:00"), at("21:00"), "B18")])
    found = judge(["T3"], 4, timeline=timeline, start=at("19:00"))
    assert [v.other_booking for v in found] == ["B17", "B18"]
    assert {v.free_at for v in found} == {at("21:00")}


def test_the_turnover_buffer_counts_as_busy() -> None:
    timeline = Timeline([busy("T3", at("20:40"), at("22:00"), "B2")])
    policy = Policy(buffer_minutes=15)
    assert judge(["T3"], 4, timeline=timeline, start=at("19:00"), duration=90) == []
    found = judge(["T3"], 4, timeline=timeline, policy=policy, start=at("19:00"), duration=90)
    assert kinds(found) == [ViolationKind.OVERLAP]


def test_a_booking_does_not_clash_with_its_own_tables_when_replanned() -> None:
    timeline = Timeline([busy("T3", at("19:00"), at("20:30"), "B1")])
    assert judge(["T3"], 4, timeline=timeline) == []


def test_a_meal_outside_service_hours_is_refused() -> None:
    policy = Policy(service_periods=((at("18:00"), at("22:00")),))
    found = judge(["T3"], 4, policy=policy, start=at("21:00"), duration=90)
    assert kinds(found) == [ViolationKind.OUTSIDE_SERVICE_HOURS]
    assert "21:00-22:30" in found[0].message


def test_a_table_blocked_by_staff_is_refused_with_who_blocked_it() -> None:
    timeline = Timeline([busy("T3", at("18:00"), at("20:00"), None, kind=Kind.BLOCKED,
                              holder="Anna")])
    found = judge(["T3"], 4, timeline=timeline)
    assert kinds(found) == [ViolationKind.BLOCKED_TABLE]
    assert found[0].holder == "Anna"
    assert found[0].message == "Table T3 is blocked by Anna until 20:00; it is free again at 20:00."


def test_a_table_pinned_to_another_booking_is_locked() -> None:
    timeline = Timeline([busy("T3", at("18:00"), at("20:00"), "B9", locked=True)])
    found = judge(["T3"], 4, timeline=timeline)
    assert kinds(found) == [ViolationKind.LOCKED_TABLE]
    assert found[0].other_booking == "B9"
    assert "locked to booking B9" in found[0].message


def test_a_table_held_by_a_staff_member_is_locked() -> None:
    timeline = Timeline([busy("T3", at("18:00"), at("20:00"), "B9", kind=Kind.HOLD,
                              holder="Marco")])
    found = judge(["T3"], 4, timeline=timeline)
    assert kinds(found) == [ViolationKind.LOCKED_TABLE]
    assert "held by Marco for booking B9" in found[0].message


def test_an_automatic_hold_is_an_ordinary_overlap() -> None:
    timeline = Timeline([busy("T3", at("18:00"), at("20:00"), "B9", kind=Kind.HOLD)])
    found = judge(["T3"], 4, timeline=timeline)
    assert kinds(found) == [ViolationKind.OVERLAP]
    assert "on hold for booking B9" in found[0].message


def test_a_pinned_booking_may_sit_only_at_its_locked_tables() -> None:
    found = judge(["T4"], 4, locked=["T3"])
    assert kinds(found) == [ViolationKind.LOCKED_TABLE]
    assert "B1 is locked to T3" in found[0].message
    assert judge(["T3"], 4, locked=["T3"]) == []


def test_several_problems_are_all_reported() -> None:
    timeline = Timeline([busy("T1", at("18:00"), at("20:00"), "B4")])
    found = judge(["T1", "T1", "T77"], 2, timeline=timeline)
    assert set(kinds(found)) == {ViolationKind.DUPLICATE_TABLE, ViolationKind.UNKNOWN_TABLE,
                                 ViolationKind.OVERLAP}


def test_the_clock_formats_times_for_the_host() -> None:
    assert default_clock(at("09:05")) == "09:05"
    assert default_clock(at("23:30") + 60) == "00:30"
    timeline = Timeline([busy("T3", 0, 120, "B2")])
    found = check(["T3"], booking(party=4, start=60), bistro(), timeline, POLICY,
                  clock=lambda m: f"+{m}min")
    assert "until +120min" in found[0].message
