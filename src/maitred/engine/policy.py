"""A restaurant's allocation rules, as the engine sees them.

Feature flags and per-restaurant settings arrive here already merged (settings default,
restaurant override), so the engine never reads configuration itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# (largest party, minutes at the table): a table of two turns faster than a table of ten.
DEFAULT_TURN_TIMES: tuple[tuple[int, int], ...] = ((2, 90), (4, 105), (6, 120), (8, 135), (99, 150))


@dataclass(frozen=True, slots=True)
class Policy:
    """Rules for seating one restaurant's parties.

    - ``merges_enabled``: tables may be pushed together at all (explicit combinations and,
      with ``derive_combinations``, derived ones). Off: every party sits at one table.
    - ``derive_combinations``: besides the combinations listed on the floor, any connected
      set of 2..``max_tables_per_combination`` adjacent tables in one zone may be joined. The
      benchmark format forbids this (listed combinations are the only joins), restaurants
      usually want it.
    - ``require_adjacency``: a derived combination must be connected in the adjacency graph.
      Off, any same-zone set qualifies (a room where every table can be carried anywhere).
    - ``seats_lost_per_join``: a derived combination seats the sum of its tables minus this
      for every join, because the table ends that touch lose their chairs.
    - ``buffer_minutes``: turnover time (clearing and resetting) after every booking.
    - ``service_periods``: the minutes a party may occupy a table; empty means no limit.
    """

    buffer_minutes: int = 0
    merges_enabled: bool = True
    derive_combinations: bool = True
    require_adjacency: bool = True
    max_tables_per_combination: int = 3
    seats_lost_per_join: int = 2
    turn_times: tuple[tuple[int, int], ...] = DEFAULT_TURN_TIMES
    service_periods: tuple[tuple[int, int], ...] = field(default=())
    hold_ttl_seconds: int = 180
    optimizer_threshold: float = 0.10

    def __post_init__(self) -> None:
        if self.buffer_minutes < 0:
            raise ValueError("buffer_minutes must be >= 0")
        if not 2 <= self.max_tables_per_combination <= 4:
            raise ValueError("max_tables_per_combination must be between 2 and 4")
        if self.seats_lost_per_join < 0:
            raise ValueError("seats_lost_per_join must be >= 0")
        if not self.turn_times:
            raise ValueError("turn_times must not be empty")

    def turn_time(self, party_size: int) -> int:
        """Minutes a party of this size usually stays (the largest bracket covers the rest)."""
        for largest, minutes in self.turn_times:
            if party_size <= largest:
                return minutes
        return self.turn_times[-1][1]

    def within_service(self, start: int, end: int) -> bool:
        """Whether the meal [start, end) lies inside one service period."""
        if not self.service_periods:
            return True
        return any(open_ <= start and end <= close for open_, close in self.service_periods)
