"""``maitred staff``: the operator's way in: a first account, a role, a token.

The API lets staff manage each other once someone is in; these commands are how the
person running the installation gets the first admin (or a superuser) and a token for
them, and how a lost token is replaced without the API. Each command is one transaction
and prints one line; the token is printed once and never stored in clear.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from maitred.cli import app
from maitred.config import Settings
from maitred.errors import MaitredError
from maitred.services import staff
from maitred.store import schema, server
from maitred.store.auth import ROLES, Role, StaffRepository
from maitred.store.db import Database

team = typer.Typer(help="Staff accounts, roles and tokens (for the operator).",
                   no_args_is_help=True)
app.add_typer(team, name="staff")

DataDir = Annotated[Path | None, typer.Option(
    "--data-dir", help="Folder of the embedded PostgreSQL (default: per-user data folder). "
    "Ignored when DATABASE_URL is set.")]


@team.command("add")
def add(
    email: Annotated[str, typer.Argument(help="Their email: the account's unique name.")],
    name: Annotated[str, typer.Option(help="Their name, as colleagues see it.")],
    restaurant: Annotated[int | None, typer.Option(
        help="Put them on this restaurant's team (with --role).")] = None,
    role: Annotated[str, typer.Option(help="host, manager or admin.")] = "admin",
    superuser: Annotated[bool, typer.Option(
        help="Admin of every restaurant (the person running maitred).")] = False,
    data_dir: DataDir = None,
) -> None:
    """Create a staff account (or find it), optionally on a team, and print a token."""
    if role not in ROLES:
        typer.echo("error: --role must be host, manager or admin", err=True)
        raise typer.Exit(2)
    checked: Role = role  # narrowed by the check above

    def work(db: Database) -> str:
        with db.uow(actor="cli") as tx:
            found = StaffRepository(tx.conn).by_email(email)
            user = found or staff.create_staff(tx, email, name, is_superuser=superuser)
            if restaurant is not None:
                tx.restaurants.get(restaurant)  # a clear "restaurant N not found"
                staff.grant(tx, restaurant, email, checked)
            token = staff.issue_token(tx, user.id, "cli").token
        where = f", {checked} of restaurant {restaurant}" if restaurant is not None else ""
        return f"staff {user.id} <{user.email}>{where}; token: {token}"

    typer.echo(_run(data_dir, work))


@team.command("token")
def token(
    email: Annotated[str, typer.Argument(help="Whose token.")],
    label: Annotated[str, typer.Option(help="What it is for (a device).")] = "cli",
    data_dir: DataDir = None,
) -> None:
    """Issue a new token for an existing staff member (their old ones keep working)."""
    def work(db: Database) -> str:
        with db.uow(actor="cli") as tx:
            user = StaffRepository(tx.conn).by_email(email)
            if user is None:
                raise MaitredError(f"no staff member with email {email}")
            return f"token for {user.email}: {staff.issue_token(tx, user.id, label).token}"

    typer.echo(_run(data_dir, work))


def _run(data_dir: Path | None, work: Callable[[Database], str]) -> str:
    settings = Settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    try:
        with server.running(settings) as url:
            schema.migrate(url)
            with Database(url, min_size=1, max_size=1) as db:
                return work(db)
    except MaitredError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(2) from None
