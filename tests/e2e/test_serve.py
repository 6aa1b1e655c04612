"""``maitred serve --demo`` for real: a subprocess, a free loopback port, a fresh folder.

The one test that runs the command exactly as the README tells a newcomer to: it starts
the embedded PostgreSQL, migrates, loads the demo restaurant, prints a token and serves;
Ctrl-C stops it and the database with it.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

import httpx

MAITRED = Path(sys.executable).with_name("maitred")  # the console script pip installed
START_TIMEOUT_S = 60  # a generous bound for a loaded CI machine; the figure is measured apart
READY_TIMEOUT_S = 30  # from the printed URL to a /healthz that answers 200


def _lines(stream: IO[str], into: queue.Queue[str]) -> None:
    for line in iter(stream.readline, ""):
        into.put(line)
    into.put("")  # the end of the output: the process has exited


def _wait_for(lines: queue.Queue[str], pattern: str, seen: list[str]) -> re.Match[str]:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.1)
        except queue.Empty:
            continue
        if not line:
            break
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match
    raise AssertionError(f"no line matching {pattern!r}; output so far: {''.join(seen)}")


def test_serve_demo_answers_with_the_printed_token_and_stops_cleanly() -> None:
    # Not under pytest's tmp_path: a concurrent pytest run prunes old run folders and could
    # pull the data folder from under the running server.
    folder = Path(tempfile.mkdtemp(prefix="maitred-test-serve-"))
    try:
        _serve_demo_and_stop(folder / "data")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _serve_demo_and_stop(data_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k != "DATABASE_URL" and not k.startswith("MAITRED_")}
    started = time.monotonic()
    with subprocess.Popen(
        [str(MAITRED), "serve", "--demo", "--port", "0", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    ) as process:
        assert process.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        reader = threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True)
        reader.start()
        seen: list[str] = []
        try:
            ready_s = _use_demo(lines, seen, started)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            finally:
                if process.poll() is None:  # pragma: no cover - only when shutdown hangs
                    process.kill()
            reader.join(timeout=5)  # the rest of the output, up to the end of the stream
        while not lines.empty():
            seen.append(lines.get_nowait())
    output = "".join(seen)
    assert process.returncode == 0, output
    assert "the database was shut down cleanly" in output
    assert "row)" not in output  # no result table printed by a migration on a fresh folder
    assert not (data_dir / "pgdata" / "postmaster.pid").exists()  # PostgreSQL is down
    print(f"maitred serve --demo ready in {ready_s:.2f} s")  # noqa: T201


def _use_demo(lines: queue.Queue[str], seen: list[str], started: float) -> float:
    """Wait for the printed token and URL, then use them; returns the ready time."""
    token = _wait_for(lines, r"demo staff token: (mtd_\S+)", seen).group(1)
    url = _wait_for(lines, r"serving on (http://127\.0\.0\.1:\d+)", seen).group(1)
    with httpx.Client(base_url=url, timeout=5) as http:
        wait_until_healthy(http)
        ready_s = time.monotonic() - started
        auth = {"Authorization": f"Bearer {token}"}
        restaurants = http.get("/api/restaurants", headers=auth)
        assert restaurants.status_code == 200
        (demo,) = restaurants.json()
        assert demo["name"] == "Golden Kitchen (medium)"
        today = datetime.now(ZoneInfo(demo["timezone"])).date().isoformat()
        day = http.get(f"/api/restaurants/{demo['id']}/bookings",
                       params={"date": today}, headers=auth).json()
        assert len(day["bookings"]) == 65
        assert http.get("/api/restaurants").status_code == 401
    return ready_s


def wait_until_healthy(http: httpx.Client, timeout_s: float = READY_TIMEOUT_S) -> None:
    """Poll ``/healthz`` until it answers 200; refused connections mean "not yet".

    On a loaded machine the URL can be printed a moment before the socket accepts, so
    one refused connection is no failure; only the deadline is.
    """
    deadline = time.monotonic() + timeout_s
    last = "no answer yet"
    while time.monotonic() < deadline:
        try:
            answer = http.get("/healthz")
        except httpx.TransportError as exc:  # refused, reset, timed out: not up yet
            last = f"{type(exc).__name__}: {exc}"
        else:
            if answer.status_code == 200:
                return
            last = f"status {answer.status_code}: {answer.text[:200]}"
        time.sleep(0.1)
    raise AssertionError(f"/healthz did not answer 200 within {timeout_s:.0f} s ({last})")
