"""The few-second memory of token lookups: expiry, invalidation, and no stale refills."""

from __future__ import annotations

from maitred.store.auth_cache import TokenCache, invalidate_all


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_answer_is_kept_for_the_ttl_and_then_read_again() -> None:
    clock = Clock()
    cache: TokenCache[str] = TokenCache(5.0, clock=clock)
    cache.put("token", "anna", cache.generation)
    clock.now += 4.9
    assert cache.get("token") == "anna"
    clock.now += 0.2
    assert cache.get("token") is None
    assert len(cache) == 0


def test_invalidating_forgets_every_answer_of_every_cache() -> None:
    first: TokenCache[str] = TokenCache()
    second: TokenCache[str] = TokenCache()
    first.put("a", "anna", first.generation)
    second.put("b", "bob", second.generation)
    invalidate_all()
    assert first.get("a") is None
    assert second.get("b") is None


def test_a_lookup_that_straddles_a_change_is_not_kept() -> None:
    cache: TokenCache[str] = TokenCache()
    before = cache.generation  # a lookup starts...
    cache.invalidate()  # ...a token is revoked meanwhile...
    cache.put("token", "anna (read before the revocation)", before)  # ...and it ends
    assert cache.get("token") is None
    cache.put("token", "anna", cache.generation)
    assert cache.get("token") == "anna"


def test_the_cache_keeps_at_most_its_size_forgetting_the_oldest() -> None:
    cache: TokenCache[int] = TokenCache(max_entries=2)
    for n in range(3):
        cache.put(n, n, cache.generation)
    assert (cache.get(0), cache.get(1), cache.get(2)) == (None, 1, 2)
