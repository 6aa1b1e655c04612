"""``maitred bench optimize``: the optimize section written from measured rows; bad
options are one line and status 2."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from maitred.bench import optimize as bench_optimize
from maitred.cli import _register, app

_register()
RUNNER = CliRunner()


def test_the_bench_writes_its_section_with_a_row_per_chosen_instance(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    out.write_text("# Benchmarks\n\n<!-- engine:start -->\nkept\n<!-- engine:end -->\n")
    lines: list[str] = []
    status = bench_optimize.run(None, ["small-l1.0-s1"], 5, 1.0, 1.0, out, echo=lines.append)
    assert status == 0, lines
    text = out.read_text()
    assert "kept" in text                      # other sections stay
    assert "<!-- optimize:start -->" in text
    [row] = [line for line in text.splitlines() if line.startswith("| small-l1.0-s1 |")]
    cells = [c.strip() for c in row.strip("|").split("|")]
    online, after, offline = int(cells[2]), int(cells[3]), int(cells[4])
    moves = int(cells[10])
    assert online <= after
    ceiling, any_moves = int(cells[6]), int(cells[8])
    assert after <= ceiling <= any_moves
    assert moves <= 5
    assert float(cells[5]) == round(after / offline, 3)
    assert cells[-1] == "yes"


def test_patterns_choose_instances(tmp_path: Path) -> None:
    folder = bench_optimize.SHARED / "instances"
    large = bench_optimize.chosen(folder, ["large-"])
    assert len(large) == 7
    assert all(p.stem.startswith("large-") for p in large)
    assert [p.stem for p in bench_optimize.chosen(folder, ["*-l0.6-s1"])] == [
        "large-l0.6-s1", "medium-l0.6-s1", "small-l0.6-s1", "xl-l0.6-s1"]
    assert bench_optimize.run(folder, ["nothing-"], 20, 1.0, None, tmp_path / "b.md",
                              echo=lambda _: None) == 2


def test_bad_options_are_one_line_and_status_2(tmp_path: Path) -> None:
    missing = RUNNER.invoke(app, ["bench", "optimize", "--folder", str(tmp_path / "no")])
    assert missing.exit_code == 2
    assert "--folder" in missing.output
    negative = RUNNER.invoke(app, ["bench", "optimize", "--max-moves", "-1"])
    assert negative.exit_code == 2
    empty = RUNNER.invoke(app, ["bench", "optimize", "--instances", " , "])
    assert empty.exit_code == 2
    assert "--instances" in empty.output
