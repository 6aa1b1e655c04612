"""``maitred migrate``, ``import`` and ``export`` against a real database."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from maitred.cli import app
from maitred.cli import platform as _platform_commands  # noqa: F401  (registers them)
from maitred.engine import instance as bench

DAY = Path(__file__).parent / "data" / "small-bimodal.json"


def test_migrate_import_and_export_a_day(database_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"DATABASE_URL": database_url}
    migrated = runner.invoke(app, ["migrate"], env=env)
    assert migrated.exit_code == 0, migrated.output
    assert "schema up to date" in migrated.output

    imported = runner.invoke(app, ["import", str(DAY), "--restaurant-name", "Le Test",
                                   "--date", "2030-05-17"], env=env)
    assert imported.exit_code == 0, imported.output
    assert "as restaurant 1 (49 bookings)" in imported.output

    out = tmp_path / "day.json"
    exported = runner.invoke(app, ["export", "1", "--date", "2030-05-17", "--out", str(out)],
                             env=env)
    assert exported.exit_code == 0, exported.output
    day = bench.parse(json.loads(out.read_text()))
    assert day.raw["restaurant"]["name"] == "Le Test"
    assert len(day.bookings) == 49
    assert len(day.floor.tables) == 12


def test_a_broken_file_is_one_line_and_exit_status_two(
    database_url: str, tmp_path: Path,
) -> None:
    broken = tmp_path / "broken.json"
    doc = json.loads(DAY.read_text())
    del doc["restaurant"]["tables"][0]["max_party"]
    broken.write_text(json.dumps(doc))
    result = CliRunner().invoke(app, ["import", str(broken)],
                                env={"DATABASE_URL": database_url})
    assert result.exit_code == 2
    assert "restaurant.tables[0].max_party" in result.output
    assert "Traceback" not in result.output
