"""Named SQL queries, loaded once from the ``.sql`` files of this folder.

A file holds several queries, each introduced by ``-- name: NAME`` and followed by optional
comment lines (its documentation) and the SQL. Parameters use psycopg's server-side
named placeholders, ``%(booking_id)s``. A query is addressed as ``"FILE.NAME"``
(``query("bookings.get")``), so two files may use the same short names.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import LiteralString

FOLDER = Path(__file__).parent
_NAME = re.compile(r"^--\s*name:\s*([A-Za-z_][A-Za-z0-9_]*)\s*$", re.MULTILINE)


class QueryNotFound(KeyError):
    """No query of that name in store/queries/."""


def parse(text: str, prefix: str) -> dict[str, LiteralString]:
    """The queries of one file, keyed ``prefix.name``."""
    found: dict[str, LiteralString] = {}
    parts = _NAME.split(text)
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        key = f"{prefix}.{name}"
        if key in found:
            raise ValueError(f"query {key} defined twice")
        sql = "\n".join(
            line for line in body.strip().splitlines() if not line.lstrip().startswith("--")
        ).strip()
        # The text comes from our own package files, never from a request: it is as
        # trusted as a literal in the code, which is what LiteralString stands for.
        found[key] = sql  # type: ignore[assignment,unused-ignore]
    return found


@functools.cache
def _all() -> dict[str, LiteralString]:
    queries: dict[str, LiteralString] = {}
    for path in sorted(FOLDER.glob("*.sql")):
        queries.update(parse(path.read_text(encoding="utf-8"), path.stem))
    return queries


def query(key: str) -> LiteralString:
    """The SQL of query ``FILE.NAME``."""
    try:
        return _all()[key]
    except KeyError:
        raise QueryNotFound(key) from None
