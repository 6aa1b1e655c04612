"""The offline search's plateau walk: noisy prices steer a re-solve to another plan of as
many covers, only the parties free to move get noise, and the walk never hands back a plan
worse than the one it started from."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from builders import booking, floor, table
from maitred.engine import offline, solver
from maitred.engine.dayindex import DayIndex
from maitred.engine.instance import parse
from maitred.engine.policy import Policy
from maitred.engine.repair import UNSEATED

BENCH = Path(__file__).resolve().parents[3] / "shared" / "bench"


def _two_deuces() -> DayIndex:
    room = floor([table("T1", 2), table("T2", 2)])
    return DayIndex(room, [booking("B1", party=2)], Policy())


def test_prices_given_to_the_solver_choose_between_plans_of_equal_covers() -> None:
    index = _two_deuces()
    assert index.price[0][0] == index.price[0][1]  # the real prices cannot choose
    for cheap in (0, 1):
        prices = [tuple(0 if i == cheap else 50 for i in range(len(index.choices[0])))]
        found = solver.solve(index, [UNSEATED], time_limit=5.0, prices=prices, workers=1)
        assert found.covers == 2
        assert found.seat_of[0] == index.choices[0][cheap]


def test_noise_goes_to_the_parties_free_to_move_only_and_repeats_with_its_seed() -> None:
    name = "small-l1.0-s1"
    instance = parse(json.loads((BENCH / "instances" / f"{name}.json").read_text()), name)
    index = DayIndex(instance.floor, instance.bookings, instance.policy)
    moving = [1, 4, 7]
    noisy = offline._noisy(index, moving, random.Random(3))
    assert noisy == offline._noisy(index, moving, random.Random(3))
    for b in range(index.size):
        if b not in moving:
            assert noisy[b] is index.price[b]
            continue
        added = [n - p for n, p in zip(noisy[b], index.price[b], strict=True)]
        assert all(0 <= a <= offline.PLATEAU_NOISE for a in added)
        assert len(set(added)) > 1 or len(added) == 1


def test_the_walk_keeps_the_best_plan_it_has_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    name = "medium-l1.0-s1"
    instance = parse(json.loads((BENCH / "instances" / f"{name}.json").read_text()), name)
    index = DayIndex(instance.floor, instance.bookings, instance.policy)
    start_plan = tuple(offline._construct(index, covers_first=True)[0].seat_of)
    walked = []
    solve = solver.solve

    def spy(*args: Any, **kwargs: Any) -> solver.Solution:
        walked.append(kwargs["prices"] is not None)
        return solve(*args, **kwargs)

    monkeypatch.setattr(solver, "solve", spy)
    # A clock that moves 10 ms per reading: the same number of neighbourhoods on any
    # machine, enough for two idle sweeps and a walk.
    ticks = iter(range(10**6))
    seat_of, rounds = offline._search(index, start_plan, 2.0, lambda: next(ticks) / 100)
    assert rounds == len(walked)
    assert any(walked)
    assert (offline._covers(index, seat_of), -offline._price(index, seat_of)) >= \
        (offline._covers(index, start_plan), -offline._price(index, start_plan))
    seated = [(b, s) for b, s in enumerate(seat_of) if s != UNSEATED]
    for i, (a, sa) in enumerate(seated):
        for b, sb in seated[i + 1:]:
            shared = set(index.seats[sa].tables) & set(index.seats[sb].tables)
            assert not shared or not index.overlaps(a, b)
