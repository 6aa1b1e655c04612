"""What the API accepts and returns: Pydantic models at the edge only, in camelCase.

Services and the store speak dataclasses with snake_case fields; these models are the
JSON contract a booking widget or the host stand codes against, and the OpenAPI document
is generated from them. ``*In`` models are request bodies (unknown fields are refused, so
a typo like ``partysize`` is a 422 naming it instead of being ignored); ``*Patch`` models
change only the fields sent; the others are answers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

# Database ids are bigints; anything larger can only be a mistake, and must be a 422, not a
# database overflow.
MAX_ID = 2**63 - 1
Role = Literal["host", "manager", "admin"]
Label = Annotated[str, Field(min_length=1, max_length=64)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
PartySize = Annotated[int, Field(ge=1, le=500)]
Tag = Annotated[str, Field(min_length=1, max_length=32)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Position = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]
Coordinate = Annotated[float, Field(ge=-1e6, le=1e6)]
Size = Annotated[float, Field(gt=0, le=1e6)]
Version = Annotated[int, Field(ge=1, le=2**31 - 1)]
FIRST_YEAR, LAST_YEAR = 2000, 2999


def _bookable_year(value: datetime) -> datetime:
    # Far enough ahead for any reservation book, near enough that a window's end exists.
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"must be between the years {FIRST_YEAR} and {LAST_YEAR}")
    return value


BookingTime = Annotated[AwareDatetime, AfterValidator(_bookable_year), Field(
    description="With a UTC offset (2025-06-13T19:30:00+02:00); years 2000 to 2999.")]


class Model(BaseModel):
    """camelCase on the wire, snake_case in Python; built from records by attribute."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True,
                              from_attributes=True)


class In(Model):
    # NaN and infinity are not positions on a floor plan (nor valid JSON to store).
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True,
                              extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


# -- staff ----------------------------------------------------------------------------------

class Membership(Model):
    restaurant_id: int
    role: Role


class Me(Model):
    id: int
    email: str
    name: str
    is_superuser: bool
    memberships: list[Membership]


class TokenIn(In):
    label: Annotated[str, Field(max_length=100)] = ""


class IssuedToken(Model):
    id: int
    token: str = Field(description="The bearer token. Shown once: store it now.")


class Token(Model):
    id: int
    label: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class MemberIn(In):
    email: Annotated[str, Field(min_length=3, max_length=254)]
    role: Role
    name: Annotated[str, Field(max_length=200)] | None = Field(
        default=None, description="Required when the person has no account yet.")


class Member(Model):
    staff_id: int
    email: str
    name: str
    role: Role


# -- restaurants and policy -----------------------------------------------------------------

class RestaurantIn(In):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = "UTC"
    slot_minutes: Annotated[int, Field(ge=1, le=120)] = 15


class RestaurantPatch(In):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    timezone: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    slot_minutes: Annotated[int, Field(ge=1, le=120)] | None = None


class Restaurant(Model):
    id: int
    name: str
    timezone: str
    slot_minutes: int
    policy_version: int
    created_at: datetime
    updated_at: datetime


class PolicyIn(In):
    """The restaurant's overrides of the defaults, replaced as a whole (snake_case keys)."""

    policy: dict[str, Any] = Field(
        description="Overrides by key (buffer_minutes, hold_ttl_seconds, merges_enabled, "
                    "require_adjacency, max_tables_per_combination, ...).")
    expected_version: Version | None = Field(
        default=None, description="Refuse with 409 if the policy changed since this version.")


class Policy(Model):
    restaurant_id: int
    policy: dict[str, Any] = Field(description="Only what this restaurant overrides.")
    effective: dict[str, Any] = Field(description="Defaults merged with the overrides.")
    policy_version: int


# -- the floor ------------------------------------------------------------------------------

class ZoneIn(In):
    code: Code
    name: Annotated[str, Field(max_length=100)] = ""
    position: Position = 0


class ZonePatch(In):
    code: Code | None = None
    name: Annotated[str, Field(max_length=100)] | None = None
    position: Position | None = None


class Zone(Model):
    id: int
    code: str
    name: str
    position: int


class TableIn(In):
    zone_id: Id
    label: Label
    min_party: PartySize = 1
    max_party: PartySize
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    pos_x: Coordinate = 0
    pos_y: Coordinate = 0
    width: Size = 1
    height: Size = 1
    shape: Literal["rect", "round"] = "rect"
    active: bool = True
    blocked: bool = False


class TablePatch(In):
    zone_id: Id | None = None
    label: Label | None = None
    min_party: PartySize | None = None
    max_party: PartySize | None = None
    tags: list[Tag] | None = Field(default=None, max_length=20)
    pos_x: Coordinate | None = None
    pos_y: Coordinate | None = None
    width: Size | None = None
    height: Size | None = None
    shape: Literal["rect", "round"] | None = None
    active: bool | None = None
    blocked: bool | None = None
    expected_version: Version | None = None


class Table(Model):
    id: int
    zone_id: int
    label: str
    min_party: int
    max_party: int
    tags: list[str]
    pos_x: float
    pos_y: float
    width: float
    height: float
    shape: str
    active: bool
    blocked: bool
    version: int


class AdjacencyIn(In):
    table_ids: list[Id] = Field(min_length=2, max_length=2,
                                description="The two tables that can be pushed together.")


class Adjacency(Model):
    table_ids: list[int] = Field(description="Smaller id first: each pair is stored once.")


class CombinationIn(In):
    code: Code
    table_ids: list[Id] = Field(min_length=2, max_length=4)
    min_party: PartySize = 1
    max_party: PartySize
    active: bool = True


class CombinationPatch(In):
    code: Code | None = None
    min_party: PartySize | None = None
    max_party: PartySize | None = None
    active: bool | None = None


class Combination(Model):
    id: int
    code: str
    table_ids: list[int]
    min_party: int
    max_party: int
    active: bool


# -- bookings -------------------------------------------------------------------------------

class GuestIn(In):
    name: Annotated[str, Field(max_length=200)] = ""
    phone: Annotated[str, Field(max_length=40)] | None = None
    email: Annotated[str, Field(max_length=254)] | None = None


class BookingIn(In):
    party_size: PartySize
    start_at: BookingTime
    duration_minutes: Annotated[int, Field(ge=1, le=24 * 60)] | None = Field(
        default=None, description="Defaults to the restaurant's turn time for the party size.")
    source: Literal["online", "phone", "walk_in", "staff"] = "staff"
    guest: GuestIn | None = None
    zone_preference_id: Id | None = None
    tags_preference: list[Tag] = Field(default_factory=list, max_length=20)
    notes: Annotated[str, Field(max_length=2000)] = ""
    reference: Annotated[str, Field(min_length=1, max_length=100)] | None = None


class BookingPatch(In):
    expected_version: Version = Field(
        description="The version you read; a booking changed since is a 409.")
    party_size: PartySize | None = None
    start_at: BookingTime | None = None
    duration_minutes: Annotated[int, Field(ge=1, le=24 * 60)] | None = None
    zone_preference_id: Id | None = Field(
        default=None, description="null clears the preference; absent leaves it.")
    tags_preference: list[Tag] | None = Field(default=None, max_length=20)
    notes: Annotated[str, Field(max_length=2000)] | None = None
    locked: bool | None = Field(default=None,
                                description="Pin the booking to its tables (never moved).")


class CancelIn(In):
    expected_version: Version = Field(
        description="The version you read; a booking changed since is a 409.")
    reason: Annotated[str, Field(max_length=500)] = ""


class Booking(Model):
    id: int
    reference: str | None
    guest_id: int | None
    party_size: int
    start_at: datetime
    end_at: datetime
    duration_minutes: int
    state: str
    status: str
    version: int
    source: str
    zone_preference_id: int | None
    tags_preference: list[str]
    notes: str
    locked: bool
    assigned_at: datetime | None
    assignment_strategy: str | None
    table_ids: list[int] = Field(default_factory=list,
                                 description="The tables it is assigned to (none yet: empty).")
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None


class BookingDay(Model):
    date: date
    bookings: list[Booking]


# -- service --------------------------------------------------------------------------------

class FieldProblem(Model):
    field: str
    in_: str = Field(alias="in", description="body, query, path or header")
    message: str


class Problem(BaseModel):
    """An error (RFC 9457). Besides these, the fields a client needs to act on it
    (``tableId``, ``otherBookingId``, ``freeAt``, ``expected``, ``current``...)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="Stable: /problems/<code>, e.g. /problems/table-unavailable")
    title: str
    status: int
    detail: str = Field(description="For people: what went wrong and what to do.")
    instance: str | None = None
    field: str | None = Field(default=None, description="The bad field, as you named it.")
    errors: list[FieldProblem] | None = None


class Health(Model):
    status: Literal["ok"]
    database: Literal["ok"]
    # The automatic pipeline's circuit breaker around the database (issue 5).
    breaker: Literal["closed", "open", "half-open"] = "closed"
