"""``maitred bench optimize``: days first seated online, then improved by the bounded re-plan.

For each chosen instance of ``../shared/bench/instances`` (the 60-table ``large-*`` days by
default) the day is seated in online mode (bookings in creation order, each accepted or
refused on arrival), then :func:`maitred.engine.replan.replan` — the very re-plan the
optimizer service applies — changes at most ``max_moves`` bookings. The result is checked
by the shared checker and set against the offline plan of the same day (the whole day
known at once, no move budget, no promise kept). The ``optimize`` section of
``docs/benchmarks.md`` is rewritten between its markers.

The re-plan never drops a party the online host accepted (a promise); ``ceiling`` is the
re-plan's own proven bound (LP relaxation of the bounded problem): the most covers any
plan within the move budget that keeps every promise could seat.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from maitred.bench import report
from maitred.bench.engine import SHARED, _cpu_model, _load_checker, _results
from maitred.engine import day, replan
from maitred.engine.instance import parse, plan_document

REPO = Path(__file__).resolve().parents[3]
DEFAULT_PATTERNS = ("large-",)
DEFAULT_MAX_MOVES = 20
DEFAULT_TIME_LIMIT = 10.0
TARGET_RATIO = 0.99


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    tables: int
    bookings: int
    online: int
    after: int
    offline: int
    ceiling: int | None
    ceiling_any: int | None          # the same ceiling with no move budget at all
    reference: int | None
    moves: int
    seconds: float
    status: str
    problems: tuple[str, ...]

    @property
    def ratio(self) -> float:
        return self.after / self.offline if self.offline else 1.0


def chosen(folder: Path, patterns: Sequence[str]) -> list[Path]:
    """Instance files whose name starts with (or, with ``*``, matches) a pattern."""
    paths = []
    for path in sorted(folder.glob("*.json")):
        if any(path.match(f"{p}.json") if "*" in p else path.stem.startswith(p)
               for p in patterns):
            paths.append(path)
    return paths


def measure(path: Path, max_moves: int, time_limit: float,
            offline_limit: float | None) -> Row:
    """One instance: online, then the bounded re-plan, then offline for comparison."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    instance = parse(raw, path.stem)
    floor, bookings, policy = instance.floor, instance.bookings, instance.policy
    online = day.assign_day(floor, bookings, policy, mode="online")
    began = time.perf_counter()
    found = replan.replan(floor, bookings, policy, online.assignments, max_moves=max_moves,
                          time_limit=time_limit)
    seconds = time.perf_counter() - began
    any_moves = replan.ceiling(floor, bookings, policy, online.assignments,
                               max_moves=len(bookings))
    offline = day.assign_day(floor, bookings, policy, mode="offline",
                             time_limit=offline_limit)
    checker = _load_checker(SHARED / "validate.py")
    unseated = [b.id for b in bookings if b.id not in found.assignments]
    problems = list(checker.validate(raw, plan_document(found.assignments, unseated)))
    dropped = sorted(set(online.assignments) - set(found.assignments))
    if dropped:
        problems.append(f"promised parties dropped: {dropped[:5]}")
    if len(found.moved) > max_moves:
        problems.append(f"{len(found.moved)} moves, more than {max_moves}")
    reference = _results(SHARED / "results" / "reference.json").get(path.stem, {})
    return Row(path.stem, len(floor.tables), len(bookings),
               int(online.stats["covers_seated"]), found.covers_after,
               int(offline.stats["covers_seated"]), found.covers_bound, any_moves,
               reference.get("covers"), len(found.moved), round(seconds, 2), found.status,
               tuple(problems))


def run(folder: Path | None, patterns: Sequence[str], max_moves: int, time_limit: float,
        offline_limit: float | None, out: Path | None,
        echo: Callable[[str], None] = print) -> int:
    """Run the benchmark; 0 when every plan is valid, 1 otherwise (2: no instance)."""
    paths = chosen(folder or SHARED / "instances", patterns)
    if not paths:
        echo(f"no instance matches {', '.join(patterns)} in {folder or SHARED / 'instances'}")
        return 2
    rows = []
    for path in paths:
        row = measure(path, max_moves, time_limit, offline_limit)
        rows.append(row)
        echo(f"{row.name:28s} online {row.online:4d}  after {row.after:4d} "
             f"({row.moves} moves, {row.seconds:.2f} s)  offline {row.offline:4d}  "
             f"after/offline {row.ratio:.3f}  ceiling {row.ceiling} "
             f"(any moves {row.ceiling_any})  "
             f"{'valid' if not row.problems else 'INVALID: ' + '; '.join(row.problems[:3])}")
    target = out or REPO / "docs" / "benchmarks.md"
    report.write_section(target, "optimize", section(rows, max_moves, time_limit))
    echo(f"wrote the optimize section of {target}")
    return 0 if all(not r.problems for r in rows) else 1


def section(rows: Sequence[Row], max_moves: int, time_limit: float) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Optimizer: online days improved by the bounded re-plan (`maitred bench optimize`)",
        "",
        f"Measured {now} on {_cpu_model()}, {os.cpu_count()} cores (shared), Python "
        f"{platform.python_version()}. Each day is seated online, then re-planned by "
        f"`maitred.engine.replan` (the optimizer's re-plan) with at most {max_moves} moves "
        f"and {time_limit:g} s; offline is `assign_day` offline with its default budget. "
        "Every re-planned day is checked by `../shared/bench/validate.py`. No party the "
        "online host accepted is dropped; *ceiling* is the re-plan's proven bound for that "
        "rule and move budget (LP relaxation), so after/ceiling shows how much of what is "
        "reachable the re-plan found; *ceiling, any moves* is the same bound with no move "
        "budget: where it is below offline too, the promises, not the 20 moves, keep the "
        "day from the offline plan (which may refuse any party).",
        "",
        "| instance | tables | online covers | after-optimize covers | offline covers | "
        "ratio after/offline | ceiling | after/ceiling | ceiling, any moves | reference | "
        "moves | seconds | valid |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        ceiling = f"{r.ceiling}" if r.ceiling is not None else "-"
        reached = f"{r.after / r.ceiling:.3f}" if r.ceiling else "-"
        lines.append(
            f"| {r.name} | {r.tables} | {r.online} | {r.after} | {r.offline} | "
            f"{r.ratio:.3f} | {ceiling} | {reached} | "
            f"{r.ceiling_any if r.ceiling_any is not None else '-'} | "
            f"{r.reference if r.reference is not None else '-'} | {r.moves} | "
            f"{r.seconds:.2f} | {'yes' if not r.problems else 'NO'} |")
    if rows:
        met = sum(1 for r in rows if r.ratio >= TARGET_RATIO)
        lines += ["", f"Within 1% of offline: {met} of {len(rows)}; mean after/offline "
                  f"{sum(r.ratio for r in rows) / len(rows):.4f} (online alone "
                  f"{sum(r.online / r.offline for r in rows if r.offline) / len(rows):.4f}); "
                  f"most moves {max(r.moves for r in rows)}; slowest re-plan "
                  f"{max(r.seconds for r in rows):.2f} s."]
    return "\n".join(lines)
