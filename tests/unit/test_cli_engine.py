"""``maitred assign``: the shared plan format out, one clear line and status 2 for bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from maitred.cli import _register, app

_register()
RUNNER = CliRunner()
DAY: dict[str, Any] = {
    "restaurant": {
        "name": "Tiny", "timezone": "UTC",
        "service": {"date": "2025-06-13", "open": "17:00", "close": "23:00"},
        "tables": [{"id": "T1", "zone": "main", "min_party": 1, "max_party": 2},
                   {"id": "T2", "zone": "main", "min_party": 2, "max_party": 4}],
        "combinations": [{"id": "C1", "tables": ["T1", "T2"], "min_party": 5,
                          "max_party": 6}],
        "adjacency": [["T1", "T2"]]},
    "bookings": [
        {"id": "B1", "party_size": 2, "start": "2025-06-13T19:00", "duration_minutes": 90,
         "created_seq": 2, "locked_tables": None},
        {"id": "B2", "party_size": 6, "start": "2025-06-13T19:30", "duration_minutes": 90,
         "created_seq": 1, "locked_tables": None},
        {"id": "B3", "party_size": 4, "start": "2025-06-13T21:00", "duration_minutes": 90,
         "created_seq": 3, "locked_tables": ["T2"]}],
}


def _write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "day.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize("mode", ["offline", "online"])
def test_assign_writes_the_shared_plan_format(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "plan.json"
    result = RUNNER.invoke(app, ["assign", "--instance", str(_write(tmp_path, DAY)),
                                 "--out", str(out), "--mode", mode, "--time-limit", "0.5"])
    assert result.exit_code == 0, result.output
    plan = json.loads(out.read_text(encoding="utf-8"))
    assert plan["assignments"]["B2"] == ["T1", "T2"]  # the six need the join
    assert plan["assignments"]["B3"] == ["T2"]  # locked
    assert plan["unassigned"] == ["B1"]
    assert "covers" in result.stdout


def test_a_malformed_field_is_named_on_one_line_with_status_2(tmp_path: Path) -> None:
    bad = json.loads(json.dumps(DAY))
    bad["bookings"][1]["party_size"] = "six"
    result = RUNNER.invoke(app, ["assign", "--instance", str(_write(tmp_path, bad)),
                                 "--out", str(tmp_path / "plan.json")])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "bookings[1].party_size" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "plan.json").exists()


def test_a_lock_on_an_unknown_table_is_refused_with_status_2(tmp_path: Path) -> None:
    bad = json.loads(json.dumps(DAY))
    bad["bookings"][2]["locked_tables"] = ["T9"]
    result = RUNNER.invoke(app, ["assign", "--instance", str(_write(tmp_path, bad)),
                                 "--out", str(tmp_path / "plan.json")])
    assert result.exit_code == 2
    assert "bookings[2].locked_tables" in result.stderr


@pytest.mark.parametrize(("content", "words"), [
    ("{not json", "not valid JSON"),
    (None, "cannot read"),
])
def test_unreadable_input_is_one_line_with_status_2(tmp_path: Path, content: str | None,
                                                    words: str) -> None:
    path = tmp_path / "missing.json" if content is None else _write(tmp_path, content)
    result = RUNNER.invoke(app, ["assign", "--instance", str(path),
                                 "--out", str(tmp_path / "plan.json")])
    assert result.exit_code == 2
    assert words in result.stderr
    assert result.stderr.count("\n") == 1


def test_an_unknown_mode_is_refused_with_status_2(tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["assign", "--instance", str(_write(tmp_path, DAY)),
                                 "--out", str(tmp_path / "plan.json"), "--mode", "psychic"])
    assert result.exit_code == 2
    assert "--mode" in result.stderr
