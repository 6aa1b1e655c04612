"""The bounded re-plan (:mod:`maitred.engine.replan`) on shared benchmark days seated
online: never more than ``max_moves`` changes, no promised party dropped, fixed and locked
parties untouched, every plan valid for the shared checker, and covers never worse."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from maitred.engine import replan
from maitred.engine.day import assign_day
from maitred.engine.instance import Instance, parse, plan_document

BENCH = Path(__file__).resolve().parents[3] / "shared" / "bench"


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("shared_validate", BENCH / "validate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CHECKER = _checker()


def _load(name: str) -> tuple[Instance, dict[str, object]]:
    raw = json.loads((BENCH / "instances" / f"{name}.json").read_text(encoding="utf-8"))
    return parse(raw, name), raw


def _check(instance: Instance, raw: dict[str, object], found: replan.Replan,
           online: dict[str, tuple[str, ...]], cap: int) -> None:
    unseated = [b.id for b in instance.bookings if b.id not in found.assignments]
    assert CHECKER.validate(raw, plan_document(found.assignments, unseated)) == []
    assert len(found.moved) <= cap
    assert set(online) <= set(found.assignments), "a promised party lost its table"
    changed = {b for b in found.assignments if found.assignments[b] != online.get(b)}
    assert changed == set(found.moved)
    party = {b.id: b.party_size for b in instance.bookings}
    assert found.covers_before == sum(party[b] for b in online)
    assert found.covers_after == sum(party[b] for b in found.assignments)
    assert found.covers_after >= found.covers_before
    if found.covers_bound is not None:
        assert found.covers_bound >= found.covers_after


@pytest.mark.parametrize("cap", [0, 2, 20])
def test_a_medium_online_day_improves_within_the_move_budget(cap: int) -> None:
    instance, raw = _load("medium-l1.0-s1")
    online = dict(assign_day(instance.floor, instance.bookings, instance.policy,
                             mode="online").assignments)
    found = replan.replan(instance.floor, instance.bookings, instance.policy, online,
                          max_moves=cap, time_limit=2.0, deterministic=True)
    _check(instance, raw, found, online, cap)
    if cap == 0:
        assert found.status == "UNCHANGED"
        assert dict(found.assignments) == online
    if cap == 20:
        assert found.covers_after > found.covers_before   # online leaves covers behind


def test_a_large_day_is_narrowed_by_the_relaxation_and_still_gains() -> None:
    instance, raw = _load("large-l0.6-s1")
    online = dict(assign_day(instance.floor, instance.bookings, instance.policy,
                             mode="online").assignments)
    found = replan.replan(instance.floor, instance.bookings, instance.policy, online,
                          max_moves=20, time_limit=3.0, deterministic=True)
    _check(instance, raw, found, online, 20)
    assert found.status.startswith("NARROWED_")
    assert found.covers_after >= found.covers_before + 10
    assert found.gap is not None
    assert 0 <= found.gap < 0.05


def test_fixed_and_locked_parties_keep_their_tables() -> None:
    instance, raw = _load("medium-l1.0-s1")
    online = dict(assign_day(instance.floor, instance.bookings, instance.policy,
                             mode="online").assignments)
    seated = sorted(online)
    fixed = set(seated[::2])
    locked_id = seated[1]
    bookings = [dataclasses.replace(b, locked_tables=online[b.id]) if b.id == locked_id
                else b for b in instance.bookings]
    found = replan.replan(instance.floor, bookings, instance.policy, online,
                          max_moves=20, time_limit=2.0, fixed=fixed,
                          deterministic=True)
    for booking_id in (*fixed, locked_id):
        assert found.assignments[booking_id] == online[booking_id]
    assert not (set(found.moved) & (fixed | {locked_id}))
    _check(instance, raw, found, online, 20)


def test_a_day_with_nobody_waiting_is_left_as_it_is() -> None:
    instance, _ = _load("small-l0.6-s1")
    offline = dict(assign_day(instance.floor, instance.bookings, instance.policy).assignments)
    everyone = [b for b in instance.bookings if b.id in offline]
    found = replan.replan(instance.floor, everyone, instance.policy, offline, max_moves=5,
                          time_limit=1.0, deterministic=True)
    assert found.status == "UNCHANGED"
    assert found.moved == ()
    assert dict(found.assignments) == offline


def test_bad_requests_are_value_errors() -> None:
    instance, _ = _load("small-l0.6-s1")
    args = (instance.floor, instance.bookings, instance.policy, {})
    with pytest.raises(ValueError, match="max_moves"):
        replan.replan(*args, max_moves=-1, time_limit=1.0, deterministic=True)
    with pytest.raises(ValueError, match="time_limit"):
        replan.replan(*args, max_moves=1, time_limit=0, deterministic=True)
    with pytest.raises(ValueError, match="unknown bookings"):
        replan.replan(instance.floor, instance.bookings, instance.policy, {"nobody": ("T1",)},
                      max_moves=1, time_limit=1.0, deterministic=True)
