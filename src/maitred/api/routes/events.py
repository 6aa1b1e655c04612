"""The live event feed as server-sent events: ``GET /api/restaurants/{id}/events``.

Every screen on the floor keeps this open and redraws what an event names. Each message
carries ``id:`` = the event's sequence number and ``event:`` = its kind
(``booking.created``, ``hold.expired``...), with the event as JSON in ``data:``. A client
that reconnects sends ``Last-Event-ID`` (browsers do so by themselves) and gets exactly the
events after it: none missed, none twice. A comment line (``: ping``) every so often keeps
proxies from closing a quiet connection. Staff of the restaurant only (any role); another
restaurant's feed is a 404 like everything else of it. A browser's EventSource, which
cannot send an Authorization header, passes the token as ``?access_token=``
(:mod:`maitred.api.stream_auth`).

A client that does not ask for ``text/event-stream`` (a script, a poller behind a proxy
that buffers streams) gets one JSON page instead: the events after ``Last-Event-ID``, at
most 500, and ``lastSeq`` to resume from.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from maitred.api.deps import DB
from maitred.api.schemas import Model
from maitred.api.stream_auth import StreamScope
from maitred.services import events
from maitred.store.records import Event

router = APIRouter(prefix="/api/restaurants/{restaurant_id}", tags=["events"])

# Seconds between keep-alive comments on a quiet feed (app.state.event_ping_seconds
# overrides it, so a test need not wait fifteen seconds to see one).
PING_SECONDS = 15.0


class EventMessage(Model):
    """One change, as the ``data:`` of a server-sent message and in a JSON page."""

    restaurant_id: int
    seq: int
    kind: str
    booking_id: int | None
    payload: dict[str, Any]
    actor: str | None
    correlation_id: str | None
    created_at: datetime


class EventPage(Model):
    events: list[EventMessage]
    last_seq: int               # send it back as Last-Event-ID for the next page


@router.get(
    "/events", summary="Live event feed (server-sent events)", response_model=EventPage,
    responses={200: {
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
        "description": "With `Accept: text/event-stream`: one message per event, `id:` = "
                       "its sequence number, `data:` = the event as JSON. Otherwise one "
                       "JSON page of the events after Last-Event-ID."}},
)
async def feed(
    request: Request, scope: StreamScope, db: DB,
    last_event_id: Annotated[int | None, Header(
        alias="Last-Event-ID", ge=0, le=2**63 - 1,
        description="Resume after this sequence number (what the client saw last).")] = None,
) -> Response | EventPage:
    async def read(after: int, limit: int) -> list[Event]:
        def in_thread() -> list[Event]:
            with scope.uow(db) as tx:
                return tx.events.since(scope.restaurant_id, after, limit)
        return await run_in_threadpool(in_thread)

    if "text/event-stream" not in request.headers.get("accept", ""):
        page = await read(last_event_id or 0, events.PAGE)
        return EventPage(events=[EventMessage.model_validate(e) for e in page],
                         last_seq=page[-1].seq if page else last_event_id or 0)

    ping = float(getattr(request.app.state, "event_ping_seconds", PING_SECONDS))
    watched = events.watch(events.feed_of(db), scope.restaurant_id, last_event_id or 0, read,
                           ping_seconds=ping)
    return StreamingResponse(
        _messages(watched), media_type="text/event-stream",
        # No proxy buffering or caching: a feed that arrives late is a wrong screen.
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


async def _messages(watched: AsyncIterator[Event | None]) -> AsyncIterator[str]:
    # The retry hint first: a dropped browser reconnects after a second, not three.
    yield "retry: 1000\n\n"
    async for event in watched:
        if event is None:
            yield ": ping\n\n"
            continue
        data = json.dumps(events.as_message(event), separators=(",", ":"), default=str)
        yield f"id: {event.seq}\nevent: {event.kind}\ndata: {data}\n\n"
