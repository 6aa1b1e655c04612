"""A few seconds' memory of who a bearer token belongs to, so a busy stand skips the lookup.

Every API request names its staff member by token; looking the token and the person's
roles up costs a database round trip (and, for a synchronous lookup, a hop to a worker
thread). A host stand firing a dozen requests a second asks the same question each time,
so the answer is kept for :data:`TTL_SECONDS`, keyed by the token's sha256 (the token
itself is never kept) and by the database it was read from.

How long a change takes to bite:

- a change made through this process (revoking a token, granting, changing or removing
  a role: :class:`maitred.store.auth.StaffRepository`) empties the cache when its
  statement runs and again when its transaction commits, so it bites at once here;
- a change made elsewhere (another worker process, the CLI, SQL by hand) bites within
  :data:`TTL_SECONDS`: until then this process may still let a revoked token in.

A lookup that started before a change and ends after it is not kept (the generation
check in :meth:`TokenCache.put`), so an answer read just before a commit cannot outlive
it. Unknown tokens are never kept: a stream of made-up tokens cannot fill the cache.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

# Short enough that a token revoked from another process stops working before the person
# holding it can do much; long enough that a busy stand reads its staff row rarely.
TTL_SECONDS = 5.0
MAX_ENTRIES = 4096

V = TypeVar("V")


class TokenCache(Generic[V]):
    """Values by key for ``ttl`` seconds, emptied at once by :meth:`invalidate`."""

    def __init__(self, ttl: float = TTL_SECONDS, *, max_entries: int = MAX_ENTRIES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0
        _ALL.add(self)

    @property
    def generation(self) -> int:
        """Read before a lookup, handed to :meth:`put` after it."""
        return self._generation

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if found[0] <= self.clock():
                del self._entries[key]
                return None
            return found[1]

    def put(self, key: Hashable, value: V, generation: int) -> None:
        """Keep ``value``, unless the cache was invalidated since ``generation`` was read."""
        with self._lock:
            if generation != self._generation:
                return
            self._entries[key] = (self.clock() + self.ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def invalidate(self) -> None:
        """Forget everything (a token or a role changed)."""
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


_ALL: weakref.WeakSet[TokenCache[Any]] = weakref.WeakSet()


def invalidate_all() -> None:
    """Empty every token cache of this process (called when a token or a role changes)."""
    for cache in list(_ALL):
        cache.invalidate()
