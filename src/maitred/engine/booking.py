"""A party asking for a table, and the window of time it holds one."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, order=True)
class Window:
    """Half-open interval [start, end) in minutes from the day's origin."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"empty window [{self.start}, {self.end})")

    def overlaps(self, other: Window) -> bool:
        # Half-open: a party leaving at 20:00 and one arriving at 20:00 do not clash.
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class Booking:
    """One party: who, how many, when, for how long, and what they would like.

    ``locked_tables`` pins the party to exactly those tables (staff decided by hand, or the
    guests are already seated); the engine never moves a locked booking.
    """

    id: str
    party_size: int
    start: int
    duration: int
    zone_preference: str | None = None
    tags_preference: frozenset[str] = field(default=frozenset())
    created_seq: int = 0
    locked_tables: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.party_size < 1:
            raise ValueError(f"booking {self.id}: party_size must be >= 1")
        if self.duration < 1:
            raise ValueError(f"booking {self.id}: duration must be >= 1 minute")

    def window(self, buffer_minutes: int = 0) -> Window:
        """The time this booking keeps its tables: the meal plus the turnover buffer."""
        return Window(self.start, self.start + self.duration + buffer_minutes)

    @property
    def has_preference(self) -> bool:
        return self.zone_preference is not None or bool(self.tags_preference)
