"""The live event feed over a real server: every committed change, in order, once.

A screen that loses its connection and comes back with ``Last-Event-ID`` must miss
nothing and see nothing twice; the feed's LISTEN connection being killed must not lose an
event either (the table is the truth, the notification only a wake-up).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from tests.http_fixtures import Person, serving

from maitred import bootstrap
from maitred.api import create_app
from maitred.services import events


@dataclass
class Message:
    id: int | None = None
    event: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    comment: str = ""


def messages(answer: httpx.Response) -> Iterator[Message]:
    """The server-sent messages of a streamed answer (pings as comment-only messages)."""
    current = Message()
    seen = False
    for line in answer.iter_lines():
        if line == "":
            if seen:
                yield current
            current, seen = Message(), False
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        seen = True
        if name == "":
            current.comment = value
        elif name == "id":
            current.id = int(value)
        elif name == "event":
            current.event = value
        elif name == "data":
            current.data = json.loads(value)


def take(stream: Iterator[Message], count: int) -> list[Message]:
    """The next ``count`` events (skipping pings and the retry hint)."""
    got: list[Message] = []
    while len(got) < count:
        message = next(stream)
        if message.id is not None:
            got.append(message)
    return got


def last_seq(services: bootstrap.Services, restaurant_id: int) -> int:
    with services.db.uow() as tx:
        return tx.events.last_seq(restaurant_id)


def add_zones(services: bootstrap.Services, restaurant_id: int, codes: list[str]) -> None:
    for code in codes:  # one transaction each: one committed change each
        with services.db.uow() as tx:
            tx.zones.create(restaurant_id, code, code.title())


def open_feed(person: Person, restaurant_id: int, after: int | None = None) -> Any:
    headers = {**person.headers, "Accept": "text/event-stream"}
    if after is not None:
        headers["Last-Event-ID"] = str(after)
    return person.client.stream("GET", f"/api/restaurants/{restaurant_id}/events",
                                headers=headers)


def test_listener_sees_every_committed_change_in_order_across_a_reconnect(
    owner: Person, bistro: int, services: bootstrap.Services,
) -> None:
    before = last_seq(services, bistro)
    seen: list[Message] = []
    with open_feed(owner, bistro) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        stream = messages(answer)
        seen += take(stream, before)
        # Two writers at once: the feed still delivers in sequence order.
        writers = [threading.Thread(target=add_zones, args=(services, bistro,
                                                            [f"{w}z{i}" for i in range(6)]))
                   for w in "ab"]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        seen += take(stream, 12)
    # Disconnected while the restaurant keeps changing.
    add_zones(services, bistro, ["late1", "late2", "late3"])
    with open_feed(owner, bistro, after=seen[-1].id) as answer:
        stream = messages(answer)
        resumed = take(stream, 3)
        assert [m.data["payload"]["code"] for m in resumed] == ["late1", "late2", "late3"]
        seen += resumed
    ids = [m.id for m in seen]
    assert ids == list(range(1, last_seq(services, bistro) + 1))  # none missed, none twice
    assert all(m.data["seq"] == m.id and m.event == m.data["kind"] for m in seen)
    assert [m.event for m in seen[before:before + 12]] == ["zone.created"] * 12


def test_a_killed_listener_connection_is_reopened_and_the_gap_filled(
    owner: Person, bistro: int, services: bootstrap.Services,
) -> None:
    feed = events.feed_of(services.db)
    after = last_seq(services, bistro)
    with open_feed(owner, bistro, after=after) as answer:
        stream = messages(answer)
        next(stream)  # the retry hint: the server is watching now
        assert feed.wait_connected(5)
        first = feed.connections
        with services.db.connection() as conn:
            conn.execute("SELECT pg_terminate_backend(%s)", (feed.backend_pid,))
        add_zones(services, bistro, ["gap1", "gap2"])  # while the listener may be down
        got = take(stream, 2)
        assert [m.id for m in got] == [after + 1, after + 2]
        deadline = time.monotonic() + 5
        while feed.connections == first and time.monotonic() < deadline:
            time.sleep(0.05)
        assert feed.connections == first + 1  # re-established, not given up
        add_zones(services, bistro, ["after"])
        assert [m.data["payload"]["code"] for m in take(stream, 1)] == ["after"]
    # The screen closed: the server stops watching for it.
    deadline = time.monotonic() + 5
    while feed.watchers(bistro) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert feed.watchers(bistro) == 0


def test_feed_is_for_the_restaurants_staff_only(
    owner: Person, bistro: int, person: Any, member: Any, services: bootstrap.Services,
) -> None:
    stranger: Person = person("stranger@elsewhere.test")
    answer = stranger.get(f"/api/restaurants/{bistro}/events")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    anonymous = owner.client.get(f"/api/restaurants/{bistro}/events")
    assert anonymous.status_code == 401
    # A host may watch; another restaurant's changes never show in the Bistro's feed.
    other = owner.post("/api/restaurants", {"name": "Second"}).json()["id"]
    add_zones(services, other, ["elsewhere"])
    add_zones(services, bistro, ["here"])
    host: Person = member("host")
    with open_feed(host, bistro, after=last_seq(services, bistro) - 1) as answer:
        assert answer.status_code == 200
        (only,) = take(messages(answer), 1)
        assert only.data["restaurantId"] == bistro
        assert only.data["payload"]["code"] == "here"


def test_bad_last_event_id_is_refused_naming_the_header(owner: Person, bistro: int) -> None:
    answer = owner.client.get(f"/api/restaurants/{bistro}/events",
                              headers={**owner.headers, "Last-Event-ID": "yesterday",
                                       "Accept": "text/event-stream"})
    assert answer.status_code == 422
    assert answer.json()["field"] == "Last-Event-ID"


def test_a_quiet_feed_sends_keep_alive_pings(
    owner: Person, bistro: int, services: bootstrap.Services,
) -> None:
    app = create_app(services.settings, services)
    app.state.event_ping_seconds = 0.1  # not fifteen seconds: a test waits for three
    with serving(app) as http, open_feed(Person(http, owner.id, owner.token), bistro,
                                         after=last_seq(services, bistro)) as answer:
        stream = messages(answer)
        assert next(stream).comment == ""  # the retry hint
        started = time.monotonic()
        pings = [next(stream) for _ in range(3)]
        assert all(m.comment == "ping" and m.id is None for m in pings)
        assert time.monotonic() - started < 5


def test_a_client_not_asking_for_a_stream_gets_one_json_page_to_resume_from(
    owner: Person, bistro: int, services: bootstrap.Services,
) -> None:
    add_zones(services, bistro, ["one", "two"])
    last = last_seq(services, bistro)
    path = f"/api/restaurants/{bistro}/events"
    page = owner.client.get(path, headers={**owner.headers, "Last-Event-ID": str(last - 2)})
    assert page.status_code == 200
    body = page.json()
    assert [e["seq"] for e in body["events"]] == [last - 1, last]
    assert [e["payload"]["code"] for e in body["events"]] == ["one", "two"]
    assert body["lastSeq"] == last
    empty = owner.client.get(path, headers={**owner.headers, "Last-Event-ID": str(last)})
    assert empty.json() == {"events": [], "lastSeq": last}


def test_a_browser_passes_its_token_in_the_query_with_the_same_checks_as_the_header(
    owner: Person, bistro: int, person: Any, services: bootstrap.Services,
) -> None:
    """EventSource cannot send an Authorization header: ``?access_token=`` stands in."""
    path = f"/api/restaurants/{bistro}/events"
    add_zones(services, bistro, ["query"])
    after = last_seq(services, bistro) - 1
    anonymous = owner.client  # no Authorization header on these requests
    with anonymous.stream("GET", path, params={"access_token": owner.token}, headers={
            "Accept": "text/event-stream", "Last-Event-ID": str(after)}) as answer:
        assert answer.status_code == 200
        (only,) = take(messages(answer), 1)
        assert only.data["payload"]["code"] == "query"
    page = anonymous.get(path, params={"access_token": owner.token},
                         headers={"Last-Event-ID": str(after)})
    assert page.status_code == 200
    assert [e["payload"]["code"] for e in page.json()["events"]] == ["query"]

    wrong = anonymous.get(path, params={"access_token": "mtd_not-a-real-token"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"].startswith("Bearer")
    assert wrong.headers["content-type"].startswith("application/problem+json")
    assert "not-a-real-token" not in wrong.text  # never echoed back
    assert anonymous.get(path).status_code == 401  # neither header nor query

    # A staff member of another restaurant: the Bistro's feed does not exist for them.
    stranger: Person = person("stranger@elsewhere.test")
    assert stranger.post("/api/restaurants", {"name": "Elsewhere"}).status_code == 201
    elsewhere = anonymous.get(path, params={"access_token": stranger.token})
    assert elsewhere.status_code == 404
    assert elsewhere.headers["content-type"].startswith("application/problem+json")

    # The header still works, and when both come it is the header that counts.
    assert owner.get(path).status_code == 200
    assert owner.get(path, params={"access_token": stranger.token}).status_code == 200
    assert stranger.get(path, params={"access_token": owner.token}).status_code == 404


def test_a_revoked_token_in_the_query_is_refused_at_once(
    owner: Person, bistro: int,
) -> None:
    issued = owner.post("/api/me/tokens", {"label": "pass screen"})
    assert issued.status_code == 201, issued.text
    screen = issued.json()
    path = f"/api/restaurants/{bistro}/events"
    params = {"access_token": screen["token"]}
    assert owner.client.get(path, params=params).status_code == 200
    assert owner.delete(f"/api/me/tokens/{screen['id']}").status_code == 204
    assert owner.client.get(path, params=params).status_code == 401
