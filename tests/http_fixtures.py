"""HTTP fixtures shared by every test that talks to the real app over the network.

Registered for the whole suite by ``pytest_plugins`` in ``tests/conftest.py``, so the API
tests, the session-route tests and any later HTTP tests use one set without copying it.

One uvicorn server per test run, on a loopback port, serves whichever app the current
test built (starting uvicorn costs a few tenths of a second; building an app costs
milliseconds). Each test gets a fresh migrated database (the shared ``database_url``
fixture), the services the composition root builds on it, and the app over them. Staff
accounts and their first tokens are made through the staff service, as an operator
would; everything else goes through HTTP.

Fixtures:

- ``services`` (function): :class:`maitred.bootstrap.Services` on this test's database.
- ``client`` (function): an ``httpx.Client`` on the app over ``services``.
- ``person`` (function): ``person("ann@bistro.test")`` makes a staff member with a token,
  a :class:`Person` who makes requests as themselves.
- ``owner`` (function): Olga, admin of the Bistro; ``bistro`` (function): its id.
- ``member`` (function): ``member("host")`` adds a new person to the Bistro's team.

Helpers: :class:`Person`, and :func:`serving` for a test that needs its own app (other
settings) served apart, with its lifespan.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from maitred import bootstrap
from maitred.api import create_app
from maitred.config import Settings
from maitred.services import staff
from maitred.store.auth import Role


class Person:
    """A staff member with a token, making requests as themselves."""

    def __init__(self, client: httpx.Client, staff_id: int, token: str) -> None:
        self.client = client
        self.id = staff_id
        self.token = token
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, headers=self.headers, **kwargs)

    def write(
        self, method: str, path: str, json: Any = None, *, key: str | None = None,
    ) -> httpx.Response:
        """A write with a fresh Idempotency-Key unless one is given."""
        headers = {**self.headers, "Idempotency-Key": key or str(uuid.uuid4())}
        return self.client.request(method, path, json=json, headers=headers)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.write("POST", path, json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.write("PATCH", path, json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.write("PUT", path, json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.write("DELETE", path, **kwargs)


@pytest.fixture
def services(database_url: str) -> Iterator[bootstrap.Services]:
    settings = Settings(database_url=database_url, pool_min_size=1, pool_max_size=4)
    built = bootstrap.build(settings, database_url)
    try:
        yield built
    finally:
        built.close()


@contextlib.contextmanager
def serving(app: FastAPI) -> Iterator[httpx.Client]:
    """An HTTP client on ``app``, served meanwhile by a real uvicorn on a loopback port."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start in time"
        time.sleep(0.01)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            yield http
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


class _Switch:
    """One ASGI app slot: a single server for the whole run, a fresh app for each test."""

    def __init__(self) -> None:
        self.app: FastAPI | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.app is not None, "no app is being served"
        await self.app(scope, receive, send)


@pytest.fixture(scope="session")
def _server() -> Iterator[tuple[_Switch, str]]:
    # Starting and stopping uvicorn costs a few tenths of a second; once per run is enough.
    # The apps it serves are built per test (their services are handed in, so they need
    # no lifespan).
    switch = _Switch()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(switch, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30  # generous: the machine may be busy with other runs
    while not server.started:
        assert thread.is_alive(), "the test server stopped while starting"
        assert time.monotonic() < deadline, "the test server did not start in time"
        time.sleep(0.01)
    try:
        yield switch, f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


@pytest.fixture
def client(
    services: bootstrap.Services, _server: tuple[_Switch, str]
) -> Iterator[httpx.Client]:
    """An HTTP client on the app over this test's services."""
    switch, url = _server
    switch.app = create_app(services.settings, services)
    try:
        with httpx.Client(base_url=url, timeout=10) as http:
            yield http
    finally:
        switch.app = None


@pytest.fixture
def person(client: httpx.Client, services: bootstrap.Services) -> Any:
    """``person("ann@bistro.test")``: a new staff member with a token."""
    def make(email: str, name: str = "") -> Person:
        with services.db.uow() as tx:
            user = staff.create_staff(tx, email, name or email.split("@")[0])
            token = staff.issue_token(tx, user.id).token
        return Person(client, user.id, token)

    return make


@pytest.fixture
def owner(person: Any) -> Person:
    """Olga, who opened the Bistro and is its admin."""
    olga: Person = person("olga@bistro.test", "Olga")
    return olga


@pytest.fixture
def bistro(owner: Person) -> int:
    """The Bistro restaurant's id (Europe/Paris), owned by Olga."""
    answer = owner.post("/api/restaurants", {"name": "Bistro", "timezone": "Europe/Paris"})
    assert answer.status_code == 201, answer.text
    restaurant_id: int = answer.json()["id"]
    return restaurant_id


@pytest.fixture
def member(person: Any, owner: Person, bistro: int) -> Any:
    """``member("host")``: a new person on the Bistro's team with that role."""
    counter = iter(range(1, 1000))

    def make(role: Role) -> Person:
        email = f"{role}{next(counter)}@bistro.test"
        who: Person = person(email)
        answer = owner.put(f"/api/restaurants/{bistro}/members", {"email": email, "role": role})
        assert answer.status_code == 200, answer.text
        return who

    return make
