"""The timeline answers "free over [a, b)?" and "next free when?" per table."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from tests.builders import at, busy

from maitred.engine.booking import Window
from maitred.engine.timeline import Busy, Kind, Timeline


def test_a_table_with_nothing_on_it_is_free_all_day() -> None:
    timeline = Timeline()
    assert timeline.is_free("T1", Window(at("18:00"), at("23:00")))
    assert timeline.conflicts("T1", Window(0, 10)) == []
    assert timeline.next_free("T1", at("19:00"), 90) == at("19:00")


def test_back_to_back_parties_do_not_clash() -> None:
    timeline = Timeline([busy("T1", at("18:00"), at("19:30"))])
    assert timeline.is_free("T1", Window(at("19:30"), at("21:00")))
    assert timeline.is_free("T1", Window(at("16:30"), at("18:00")))


def test_an_overlapping_window_is_not_free_and_names_the_entry() -> None:
    dinner = busy("T1", at("18:00"), at("19:30"), "B7")
    timeline = Timeline([dinner])
    assert not timeline.is_free("T1", Window(at("19:00"), at("20:00")))
    assert timeline.conflicts("T1", Window(at("19:00"), at("20:00"))) == [dinner]


def test_other_tables_are_unaffected() -> None:
    timeline = Timeline([busy("T1", at("18:00"), at("19:30"))])
    assert timeline.is_free("T2", Window(at("18:00"), at("19:30")))


def test_a_booking_can_be_replanned_over_its_own_entries() -> None:
    timeline = Timeline([busy("T1", at("18:00"), at("19:30"), "B1")])
    window = Window(at("18:30"), at("20:00"))
    assert not timeline.is_free("T1", window)
    assert timeline.is_free("T1", window, ignore_booking="B1")
    assert timeline.conflicts("T1", window, ignore_booking="B1") == []


def test_a_long_block_under_short_holds_is_still_seen() -> None:
    # The block starts first and ends last: the entry just before the window ends early,
    # so only the running maximum of ends reveals the clash.
    block = busy("T1", at("17:00"), at("23:00"), None, kind=Kind.BLOCKED, holder="Anna")
    hold = busy("T1", at("18:00"), at("18:30"), "B2", kind=Kind.HOLD)
    timeline = Timeline([block, hold])
    window = Window(at("20:00"), at("21:00"))
    assert not timeline.is_free("T1", window)
    assert timeline.conflicts("T1", window) == [block]
    assert not timeline.is_free("T1", window, ignore_booking="B2")


def test_next_free_skips_a_chain_of_parties() -> None:
    timeline = Timeline([
        busy("T1", at("18:00"), at("19:30"), "B1"),
        busy("T1", at("19:30"), at("21:00"), "B2"),
        busy("T1", at("21:45"), at("23:00"), "B3"),
    ])
    # A 90-minute meal asked for 18:30: 21:00-22:30 would hit B3, so 23:00.
    assert timeline.next_free("T1", at("18:30"), 90) == at("23:00")
    # A 45-minute one fits in the 21:00-21:45 gap.
    assert timeline.next_free("T1", at("18:30"), 45) == at("21:00")
    assert timeline.next_free("T1", at("18:30"), 90, ignore_booking="B2") == at("19:30")
    assert timeline.next_free("T1", at("19:30"), 120, ignore_booking="B3") == at("21:00")


def test_removing_a_booking_frees_every_table_it_held() -> None:
    timeline = Timeline([
        busy("T1", at("18:00"), at("19:30"), "B1"),
        busy("T2", at("18:00"), at("19:30"), "B1", kind=Kind.HOLD),
        busy("T2", at("20:00"), at("21:00"), "B2"),
    ])
    assert timeline.tables_of("B1") == {"T1", "T2"}
    timeline.remove_booking("B1")
    assert timeline.is_free("T1", Window(at("18:00"), at("19:30")))
    assert timeline.is_free("T2", Window(at("18:00"), at("19:30")))
    assert not timeline.is_free("T2", Window(at("20:00"), at("20:30")))
    assert timeline.tables_of("B1") == frozenset()


def test_a_copy_is_independent_of_the_original() -> None:
    original = Timeline([busy("T1", at("18:00"), at("19:30"), "B1")])
    twin = original.copy()
    twin.add(busy("T2", at("18:00"), at("19:30"), "B2"))
    twin.remove_booking("B1")
    assert not original.is_free("T1", Window(at("18:00"), at("19:00")))
    assert original.is_free("T2", Window(at("18:00"), at("19:00")))
    assert original.tables_of("B1") == {"T1"}


def test_entries_come_back_earliest_first() -> None:
    late = busy("T1", at("21:00"), at("22:00"), "B2")
    early = busy("T1", at("18:00"), at("19:00"), "B1")
    assert list(Timeline([late, early]).entries("T1")) == [early, late]
    assert list(Timeline().entries("T9")) == []


def test_gaps_measure_idle_time_around_a_window() -> None:
    timeline = Timeline([
        busy("T1", at("17:30"), at("19:00"), "B1"),
        busy("T1", at("21:00"), at("22:30"), "B2"),
    ])
    window = Window(at("19:15"), at("20:45"))
    assert timeline.gaps("T1", window) == (15, 15)
    assert timeline.gaps("T2", window) == (None, None)
    assert timeline.gaps("T1", window, ignore_booking="B2") == (15, None)
    assert timeline.gaps("T1", window, ignore_booking="B1") == (None, 15)


entries = st.lists(
    st.tuples(st.sampled_from(["T1", "T2"]), st.integers(-60, 200), st.integers(1, 80),
              st.sampled_from(["B1", "B2", "B3", None])),
    max_size=12,
)


@given(entries, st.integers(-90, 250), st.integers(1, 90), st.sampled_from([None, "B1", "B2"]),
       st.sampled_from([None, "B2", "B3"]))
def test_answers_agree_with_scanning_every_entry(
    raw: list[tuple[str, int, int, str | None]], start: int, length: int, ignore: str | None,
    cancelled: str | None,
) -> None:
    busies = [Busy(t, Window(s, s + n), b, Kind.HOLD if b else Kind.BLOCKED)
              for t, s, n, b in raw]
    timeline = Timeline(busies)
    if cancelled is not None:
        timeline.remove_booking(cancelled)
        busies = [e for e in busies if e.booking_id != cancelled]
    window = Window(start, start + length)

    def clashing(w: Window) -> list[Busy]:
        return [e for e in busies
                if e.table_id == "T1" and e.window.overlaps(w)
                and (ignore is None or e.booking_id != ignore)]

    assert timeline.is_free("T1", window, ignore_booking=ignore) == (not clashing(window))
    assert sorted(timeline.conflicts("T1", window, ignore_booking=ignore),
                  key=lambda e: (e.window, str(e.booking_id))) == sorted(
        clashing(window), key=lambda e: (e.window, str(e.booking_id)))
    first = timeline.next_free("T1", start, length, ignore_booking=ignore)
    assert not clashing(Window(first, first + length))
    assert all(clashing(Window(s, s + length)) for s in range(start, first))


def test_lifting_a_block_frees_the_table_and_leaves_the_rest() -> None:
    block = busy("T1", at("18:00"), at("20:00"), None, kind=Kind.BLOCKED, holder="Anna")
    hold = busy("T1", at("20:00"), at("21:00"), "B2", kind=Kind.HOLD)
    timeline = Timeline([block, hold])
    assert timeline.remove(block)
    assert not timeline.remove(block)
    assert timeline.is_free("T1", Window(at("18:00"), at("20:00")))
    assert timeline.remove(hold)
    assert timeline.tables_of("B2") == frozenset()
    assert list(timeline.entries("T1")) == []
