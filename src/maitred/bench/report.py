"""docs/benchmarks.md is shared: each benchmark owns one marked section of it."""

from __future__ import annotations

from pathlib import Path


def write_section(path: Path, name: str, text: str) -> None:
    """Replace (or append) the text between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``.

    Every other section is left as it is, so running one benchmark never erases another's
    figures.
    """
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{text}\n{end}"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if start in old and end in old:
        head, rest = old.split(start, 1)
        _, tail = rest.split(end, 1)
        new = f"{head}{block}{tail}"
    else:
        new = f"{old.rstrip()}\n\n{block}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new, encoding="utf-8")
