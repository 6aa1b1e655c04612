"""API tests: the real app served by uvicorn on a loopback port, called with httpx.

The fixtures (server, client, services, people, the Bistro) live in
:mod:`tests.http_fixtures`, registered for the whole suite by ``tests/conftest.py``.
``Person`` and ``serving`` are named here too so ``from tests.api.conftest import Person``
keeps working.
"""

from __future__ import annotations

from tests.http_fixtures import Person, serving

__all__ = ["Person", "serving"]
