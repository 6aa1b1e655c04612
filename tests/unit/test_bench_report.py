"""Each benchmark rewrites only its own section of docs/benchmarks.md."""

from __future__ import annotations

from pathlib import Path

from maitred.bench import report


def test_rewriting_one_section_keeps_the_others(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    report.write_section(page, "engine", "engine figures v1")
    report.write_section(page, "sessions", "session figures")
    report.write_section(page, "engine", "engine figures v2")
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks")
    assert "engine figures v2" in text
    assert "engine figures v1" not in text
    assert "session figures" in text
    assert text.index("engine:start") < text.index("sessions:start")
