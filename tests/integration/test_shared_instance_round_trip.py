"""A shared benchmark day goes into the database and comes out the same day, as the shared
checker sees it: a valid instance with the same tables, joins and bookings, on which a plan
made for the original file is still valid.

The shared benchmark lives beside the clone (``../shared``, as in CI); its checker and its
greedy baseline are loaded from there, so the judge is not our own code.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from maitred.config import Settings
from maitred.services import floors
from maitred.store.db import Database

BENCH = Path(__file__).resolve().parents[2] / ".." / "shared" / "bench"
INSTANCE = BENCH / "instances" / "small-l1.0-s1.json"
SETTINGS = Settings(database_url="postgresql://unused")


def _load(name: str) -> ModuleType:
    """A shared bench script as a module (``greedy`` imports its sibling ``common``)."""
    path = BENCH / f"{name}.py"
    assert path.is_file(), f"the shared benchmark is missing: {path} (CI has ../shared)"
    spec = importlib.util.spec_from_file_location(f"shared_bench_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Any other module called ``common`` steps aside while the bench's own is imported.
    elsewhere = sys.modules.pop("common", None)
    sys.path.insert(0, str(BENCH))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
        sys.modules.pop("common", None)
        if elsewhere is not None:
            sys.modules["common"] = elsewhere
    return module


@pytest.fixture(scope="module")
def checker() -> ModuleType:
    return _load("validate")


@pytest.fixture(scope="module")
def original() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(INSTANCE.read_text(encoding="utf-8"))
    return doc


@pytest.fixture
def exported(db: Database, original: dict[str, Any]) -> dict[str, Any]:
    """The original imported, then exported for its service date, through JSON text."""
    with db.uow() as tx:
        restaurant_id = floors.import_instance(tx, original)
    with db.uow() as tx:
        doc = floors.export_instance(tx, SETTINGS, restaurant_id,
                                     date.fromisoformat(original["restaurant"]["service"]["date"]))
    again: dict[str, Any] = json.loads(json.dumps(doc))
    return again


def test_the_exported_shared_day_is_a_valid_instance_with_the_same_floor_and_bookings(
    checker: ModuleType, original: dict[str, Any], exported: dict[str, Any],
) -> None:
    assert checker.check_instance(original) == []  # the judge accepts the source itself
    assert checker.check_instance(exported) == []
    before, after = original["restaurant"], exported["restaurant"]
    assert _tables(after) == _tables(before)
    assert _combinations(after) == _combinations(before)
    assert {frozenset(pair) for pair in after["adjacency"]} == {
        frozenset(pair) for pair in before["adjacency"]}
    assert after["service"] == before["service"]
    assert after["timezone"] == before["timezone"]
    assert exported["buffer_minutes"] == original["buffer_minutes"]
    assert _bookings(exported) == _bookings(original)
    assert any(b["locked_tables"] for b in original["bookings"])  # locks took the trip too
    # created_seq is renumbered 1..n, in the same order
    assert _booking_order(exported) == _booking_order(original)


def test_a_greedy_plan_for_the_original_is_valid_on_the_export(
    checker: ModuleType, original: dict[str, Any], exported: dict[str, Any],
) -> None:
    greedy = _load("greedy")
    plan = greedy.greedy(greedy.Instance(original))  # the bench's own parser and baseline
    assert plan["assignments"]  # a plan that seats nobody would prove nothing
    assert checker.validate(original, plan) == []
    assert checker.validate(exported, plan) == []


def _tables(restaurant: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {t["id"]: (t["zone"], t["min_party"], t["max_party"], frozenset(t["tags"]),
                      t.get("active", True)) for t in restaurant["tables"]}


def _combinations(restaurant: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {c["id"]: (frozenset(c["tables"]), c["min_party"], c["max_party"])
            for c in restaurant["combinations"]}


def _bookings(doc: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {b["id"]: (b["party_size"], b["start"], b["duration_minutes"], b["zone_preference"],
                      frozenset(b["tags_preference"]),
                      None if b["locked_tables"] is None else frozenset(b["locked_tables"]))
            for b in doc["bookings"]}


def _booking_order(doc: dict[str, Any]) -> list[str]:
    return [b["id"] for b in sorted(doc["bookings"], key=lambda b: b["created_seq"])]
