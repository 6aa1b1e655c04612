"""``maitred bench staleness``: an answer's age is measured from the first committed change
it misses, with PostgreSQL's own commit times; and the command runs end to end.

These tests need a server with ``track_commit_timestamp = on`` (a restart-only setting),
so they start their own embedded PostgreSQL once for the module instead of using the
shared test server.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from maitred.bench import staleness
from maitred.cli import _register, app
from maitred.store.db import Database


@pytest.fixture(scope="module")
def commit_timed_url() -> Iterator[str]:
    with staleness.commit_timed_server(throwaway=True) as url:
        yield url


def test_age_runs_from_the_commit_of_the_first_change_an_answer_misses(
    commit_timed_url: str,
) -> None:
    with Database(commit_timed_url, min_size=1, max_size=2) as db:
        with db.uow() as tx:
            restaurant = tx.restaurants.create("Ages", timezone="Europe/Paris").id
            before = tx.events.last_seq(restaurant)
        windows = []
        for code in ("a", "b", "c"):  # one committed change each
            started = time.time()
            with db.uow() as tx:
                tx.zones.create(restaurant, code, code.upper())
            windows.append((started, time.time()))
            time.sleep(0.02)
        commits = staleness.commit_times(db, restaurant, after=before)
    first, second, third = before + 1, before + 2, before + 3
    assert sorted(commits) == [first, second, third]
    # The database's commit times, on the same clock as ours: inside each transaction's
    # wall-clock window (a millisecond of slack for the clocks' rounding).
    for seq, (started, ended) in zip((first, second, third), windows, strict=True):
        assert started - 0.001 <= commits[seq] <= ended + 0.001
    assert commits[first] < commits[second] < commits[third]

    def served(received: float, sequence: int) -> staleness.Served:
        return staleness.Served(received, sequence, reported_age_ms=0.0, latency=0.0)

    # Reflecting every change: current, age 0, however late it is received.
    assert staleness.age_of(served(commits[third] + 5, third), commits) == 0.0
    # Missing the second change, received 250 ms after it committed.
    assert staleness.age_of(served(commits[second] + 0.25, first), commits) == pytest.approx(0.25)
    # Received before the change it lacks committed: it was current when served.
    assert staleness.age_of(served(commits[second] - 0.001, first), commits) == 0.0
    # Missing two changes: the age runs from the first one missed, not the latest.
    late = served(commits[third] + 0.1, first)
    assert staleness.age_of(late, commits) == pytest.approx(commits[third] + 0.1
                                                            - commits[second])
    assert staleness.ages([late, served(commits[third], third)], commits)[1] == 0.0


def test_the_command_measures_a_short_run_and_writes_its_section(
    commit_timed_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", commit_timed_url)
    out = tmp_path / "benchmarks.md"
    out.write_text("# Benchmarks\n\n<!-- other:start -->\nkept\n<!-- other:end -->\n")
    _register()
    result = CliRunner().invoke(app, [
        "bench", "staleness", "--seconds", "1.5", "--staff", "1", "--readers", "2",
        "--booking-rate", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "kept" in text
    section = text.split("<!-- staleness:start -->", 1)[1].split("<!-- staleness:end -->")[0]
    row = next(line for line in section.splitlines() if line.startswith("| ")
               and line.split("|")[1].strip().isdigit())
    answers = int(row.split("|")[1])
    assert answers > 0
    max_ms = float(row.split("|")[5])
    assert 0 <= max_ms <= staleness.LIMIT_MAX_MS
    assert "bookings posted" in section
