"""The ``maitred`` command: one Typer app, its commands grouped by what they touch.

Each submodule registers its commands on :data:`app` (or on :data:`bench`); this module
only assembles them. Commands parse arguments, call one service or engine function and
print the result; a bad argument is one clear line and exit status 2, never a traceback.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="maitred",
    help="Table assignment for restaurants: seat more guests, never double-book.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
bench = typer.Typer(help="Measure maitred and write the figures to docs/benchmarks.md.",
                    no_args_is_help=True)
app.add_typer(bench, name="bench")


def _register() -> None:
    # Imported for their side effect of adding commands to ``app`` and ``bench``.
    from maitred.cli import (
        bench_optimize,  # noqa: F401
        bench_pipeline,  # noqa: F401
        bench_sessions,  # noqa: F401
        bench_staleness,  # noqa: F401
        engine,  # noqa: F401
        platform,  # noqa: F401
        serve,  # noqa: F401
        staff,  # noqa: F401
        worker,  # noqa: F401
    )


def main() -> None:
    _register()
    app()
