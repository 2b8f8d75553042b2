"""The engine's vocabulary: plain, immutable data in and out.

The Django service translates models into these dataclasses and stores what
comes back; nothing here knows about the database. Inputs validate the few
values the engine's logic depends on (orderings, time ranges, counts) when
they are built, so a bad value fails loudly at the boundary instead of
silently producing a wrong match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROGRAMMES = ("jobcoaching", "care_language")
# Ordered: the index is the level. Below B1 a learner needs a helper language.
GERMAN_LEVELS = ("none", "A1", "A2", "B1", "B2", "C1")
# A coach's level in a language, ordered.
LANGUAGE_LEVELS = ("basic", "good", "fluent", "native")
GENDERS = ("female", "male", "diverse")
GOALS = (
    "cv",
    "applications",
    "interview",
    "qualification_recognition",
    "workplace_language",
    "employer_contacts",
)
# A request's goals may also name an industry; coaches' skills use the same words.
SKILLS = (
    *GOALS,
    "care",
    "trades",
    "logistics",
    "office",
    "it",
    "gastronomy",
    "retail",
    "cleaning",
    "production",
)

MINUTES_PER_DAY = 1440
# A pair needs at least this much time a week in common (a hard rule).
MIN_OVERLAP_MINUTES = 60


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A weekly recurring time range, ``[start_minute, end_minute)`` on ``weekday``."""

    weekday: int  # 0 = Monday … 6 = Sunday
    start_minute: int  # minutes since midnight
    end_minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0..6, got {self.weekday}")
        if not 0 <= self.start_minute < self.end_minute <= MINUTES_PER_DAY:
            raise ValueError(
                "need 0 <= start_minute < end_minute <= 1440, "
                f"got {self.start_minute}..{self.end_minute}"
            )


@dataclass(frozen=True, slots=True)
class Place:
    id: int
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class RequestInput:
    id: int
    programme: str
    languages: tuple[str, ...]  # ISO 639-1 codes the learner speaks besides German
    german_level: str
    municipality: int  # a Place.id
    availability: tuple[TimeRange, ...]
    online_ok: bool
    gender_preference: str  # "" = no preference
    goals: tuple[str, ...]

    def __post_init__(self) -> None:
        _check_choice("programme", self.programme, PROGRAMMES, self)
        _check_choice("german_level", self.german_level, GERMAN_LEVELS, self)
        if self.gender_preference:
            _check_choice("gender_preference", self.gender_preference, GENDERS, self)


@dataclass(frozen=True, slots=True)
class CoachInput:
    id: int
    programmes: tuple[str, ...]
    languages: tuple[tuple[str, str], ...]  # (ISO 639-1 code, level from LANGUAGE_LEVELS)
    municipality: int  # a Place.id
    travel_radius_km: float
    online_ok: bool
    availability: tuple[TimeRange, ...]
    capacity: int  # max active mentees
    load: int  # active mentees + proposals waiting for this coach's answer
    skills: tuple[str, ...]
    gender: str  # "" = not given
    active: bool  # not paused AND onboarding complete; inactive coaches are never proposed

    def __post_init__(self) -> None:
        for programme in self.programmes:
            _check_choice("programme", programme, PROGRAMMES, self)
        for _code, level in self.languages:
            _check_choice("language level", level, LANGUAGE_LEVELS, self)
        if self.gender:
            _check_choice("gender", self.gender, GENDERS, self)
        if self.capacity < 0 or self.load < 0:
            raise ValueError(f"coach {self.id}: capacity and load must be >= 0")
        if self.travel_radius_km < 0:
            raise ValueError(f"coach {self.id}: travel_radius_km must be >= 0")


@dataclass(frozen=True, slots=True)
class MatchingInput:
    requests: tuple[RequestInput, ...]
    coaches: tuple[CoachInput, ...]
    places: tuple[Place, ...]
    # (request_id, coach_id): this coach declined this request before.
    excluded_pairs: frozenset[tuple[int, int]] = frozenset()
    min_overlap_minutes: int = MIN_OVERLAP_MINUTES


@dataclass(frozen=True, slots=True)
class ScorePart:
    name: str  # "language" | "distance" | "availability" | "skills" | "load"
    points: int
    maximum: int
    facts: dict[str, Any]  # JSON-serialisable plain values


@dataclass(frozen=True, slots=True)
class Proposal:
    request_id: int
    coach_id: int
    score: int  # 0..100, the sum of the parts' points
    parts: tuple[ScorePart, ...]


@dataclass(frozen=True, slots=True)
class UnmatchedReason:
    code: str
    count: int  # coaches removed by this filter (see explain.py for the chain)
    facts: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Unmatched:
    request_id: int
    reasons: tuple[UnmatchedReason, ...]


@dataclass(frozen=True, slots=True)
class MatchingResult:
    proposals: tuple[Proposal, ...]  # sorted by request_id
    unmatched: tuple[Unmatched, ...]  # sorted by request_id
    totals: dict[str, Any] = field(default_factory=dict)


def _check_choice(name: str, value: str, choices: tuple[str, ...], owner: object) -> None:
    if value not in choices:
        kind = type(owner).__name__
        ident = getattr(owner, "id", "?")
        raise ValueError(f"{kind} {ident}: unknown {name} {value!r}, expected one of {choices}")
