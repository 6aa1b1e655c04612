"""``maitred staff``: the operator creates the first account and gets a working token."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from maitred.cli import app, staff  # noqa: F401  (registers the staff commands)
from maitred.services import staff as staff_service
from maitred.store.db import Database


def test_an_operator_adds_an_admin_to_a_restaurant_and_the_token_works(
    database_url: str, db: Database,
) -> None:
    with db.uow() as tx:
        bistro = tx.restaurants.create("Bistro")
    runner = CliRunner()
    env = {"DATABASE_URL": database_url}
    added = runner.invoke(app, ["staff", "add", "olga@bistro.test", "--name", "Olga",
                                "--restaurant", str(bistro.id), "--role", "admin"], env=env)
    assert added.exit_code == 0, added.output
    token = re.search(r"token: (mtd_\S+)", added.output)
    assert token is not None
    with db.uow() as tx:
        olga = staff_service.authenticate(tx, token.group(1))
    assert (olga.email, olga.roles) == ("olga@bistro.test", {bistro.id: "admin"})
    again = runner.invoke(app, ["staff", "token", "olga@bistro.test"], env=env)
    assert again.exit_code == 0, again.output
    assert "mtd_" in again.output


def test_a_token_for_an_unknown_person_is_one_clear_error(database_url: str) -> None:
    answer = CliRunner().invoke(app, ["staff", "token", "nobody@bistro.test"],
                                env={"DATABASE_URL": database_url})
    assert answer.exit_code == 2
    assert "no staff member with email nobody@bistro.test" in answer.output
