"""Settings: how one maitred process is configured, read from the environment at the edge.

``Settings()`` is built by the command that starts a process (``serve``, ``migrate``,
``worker``...) and passed down; nothing reads the environment at import time, so tests
build their own ``Settings(database_url=...)`` without touching ``os.environ``.

Feature flags here are *defaults*: a restaurant's policy may override each of them (a
manager switches merges off for their terrace-less winter floor without a deploy).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """The per-user folder the embedded PostgreSQL keeps its data in, reused across runs."""
    return platformdirs.user_data_path("maitred", appauthor=False) / "pg"


class Settings(BaseSettings):
    """Everything a maitred process needs to know that is not in the database."""

    model_config = SettingsConfigDict(
        env_prefix="MAITRED_", populate_by_name=True, extra="ignore", frozen=True
    )

    # Without a URL, maitred starts its own PostgreSQL in ``data_dir``.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "database_url")
    )
    data_dir: Path = Field(default_factory=default_data_dir)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    pool_min_size: int = Field(default=1, ge=0)
    pool_max_size: int = Field(default=10, ge=1)

    # A staff member's hold keeps tables for this long without a confirm (three minutes is
    # enough to talk a guest through the options at the host stand).
    hold_ttl_seconds: int = Field(default=180, ge=5)

    # The periodic optimizer re-plans the upcoming days this often (read when a worker
    # starts: cron schedules are fixed when the jobs are registered).
    optimizer_every_minutes: int = Field(default=10, ge=1, le=60)

    manual_assignment_session_enabled: bool = Field(
        default=True,
        validation_alias=AliasChoices(
            "FEATURE_MANUAL_ASSIGNMENT_SESSION_ENABLED", "manual_assignment_session_enabled"
        ),
    )
    combination_planner: bool = Field(
        default=True,
        validation_alias=AliasChoices("FEATURE_COMBINATION_PLANNER", "combination_planner"),
    )
    allocator_merges_enabled: bool = Field(
        default=True,
        validation_alias=AliasChoices(
            "FEATURE_ALLOCATOR_MERGES_ENABLED", "allocator_merges_enabled"
        ),
    )
    allocator_require_adjacency: bool = Field(
        default=True,
        validation_alias=AliasChoices(
            "FEATURE_ALLOCATOR_REQUIRE_ADJACENCY", "allocator_require_adjacency"
        ),
    )
    # The kill switch: off, bookings stay ``pending`` for staff to seat by hand.
    auto_assignment_enabled: bool = Field(
        default=True,
        validation_alias=AliasChoices(
            "FEATURE_AUTO_ASSIGNMENT_ENABLED", "auto_assignment_enabled"
        ),
    )

    # Where the pipeline's per-booking locks live: PostgreSQL advisory locks (nothing to
    # run), or Redis at REDIS_URL (with fencing tokens) for deployments that run it.
    lock_backend: Literal["postgres", "redis"] = "postgres"
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "redis_url"))

    # Deposit-paid webhook: the shared secret the payment provider signs with, and how old
    # a signed request may be before it is refused as a possible replay.
    payment_webhook_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("PAYMENT_WEBHOOK_SECRET", "payment_webhook_secret"),
    )
    payment_webhook_tolerance_seconds: int = Field(default=300, ge=1)

    def feature_flags(self) -> dict[str, bool]:
        """The flag defaults a restaurant's policy overrides, by policy key."""
        return {
            "manual_assignment_session_enabled": self.manual_assignment_session_enabled,
            "combination_planner": self.combination_planner,
            "merges_enabled": self.allocator_merges_enabled,
            "require_adjacency": self.allocator_require_adjacency,
            "auto_assignment_enabled": self.auto_assignment_enabled,
        }
