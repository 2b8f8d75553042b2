"""One request and one coach: the hard constraints and the score, in plain Python.

This is the readable definition of a match. The solver computes the same
numbers for millions of pairs at once with numpy (``candidates.py``); the
tests check that both agree on random instances. A coordinator's manual
proposal is checked here too (``check_pair``), and the parts of every
proposal the solver chooses are built here (``score_pair``).

Scores are integers, the sum of five parts (0-100):

- language (30): best level among the languages both speak, German aside:
  native/fluent 30, good 22, basic 12. A learner with German at B1 or above
  needs no helper language and gets at least 15 (German works).
- distance (25): ``round(25 * (1 - km / max(radius, 1)))`` within the coach's
  radius; beyond it, when both accept online meetings, 8. When both accept
  online the part is never below 8, the value of meeting online.
- availability (20): ``round(20 * min(overlap, 240) / 240)``, four hours or
  more a week is full marks.
- skills (15): share of the request's goals among the coach's skills, all
  15 when the request names no goal.
- load (10): ``round(10 * (1 - load / capacity))``, spreading mentees over
  coaches.

``round`` is Python's (half to even), as numpy's ``rint``, so both paths agree.
"""

from __future__ import annotations

from .availability import overlap_minutes
from .geo import place_distance
from .types import (
    GERMAN_LEVELS,
    LANGUAGE_LEVELS,
    CoachInput,
    MatchingInput,
    Place,
    RequestInput,
    ScorePart,
)

GERMAN = "de"
# Learners below this German level need a common helper language.
HELPER_LANGUAGE_BELOW = GERMAN_LEVELS.index("B1")

LANGUAGE_MAX = 30
LANGUAGE_POINTS = {"native": 30, "fluent": 30, "good": 22, "basic": 12}
LANGUAGE_GERMAN_WORKS = 15  # German B1 or above
DISTANCE_MAX = 25
DISTANCE_ONLINE = 8
AVAILABILITY_MAX = 20
AVAILABILITY_FULL_MINUTES = 240
SKILLS_MAX = 15
LOAD_MAX = 10

# The order check_pair reports violations in.
CONSTRAINT_CODES = (
    "programme",
    "inactive",
    "no_capacity",
    "no_shared_time",
    "no_common_language",
    "too_far",
    "gender_preference",
    "declined_before",
)


def needs_helper_language_at(german_level: str) -> bool:
    """Below B1 a learner and a coach need a language in common besides German."""
    return GERMAN_LEVELS.index(german_level) < HELPER_LANGUAGE_BELOW


def needs_helper_language(request: RequestInput) -> bool:
    return needs_helper_language_at(request.german_level)


def helper_languages(codes) -> set[str]:
    """The languages that count as a common language: any but German."""
    return {code for code in codes if code != GERMAN}


def learner_languages(request: RequestInput) -> set[str]:
    return helper_languages(request.languages)


def shared_languages(request: RequestInput, coach: CoachInput) -> dict[str, str]:
    """Languages both speak, German aside: code -> the coach's best level in it."""
    wanted = learner_languages(request)
    shared: dict[str, str] = {}
    for code, level in coach.languages:
        if code in wanted and (
            code not in shared or LANGUAGE_LEVELS.index(level) > LANGUAGE_LEVELS.index(shared[code])
        ):
            shared[code] = level
    return shared


def reachable(request: RequestInput, coach: CoachInput, km: float) -> bool:
    return km <= coach.travel_radius_km or (request.online_ok and coach.online_ok)


def violations(
    request: RequestInput,
    coach: CoachInput,
    *,
    km: float,
    overlap: int,
    min_overlap: int,
    declined: bool,
) -> tuple[str, ...]:
    """Hard-constraint codes the pair violates, in ``CONSTRAINT_CODES`` order."""
    codes = []
    if request.programme not in coach.programmes:
        codes.append("programme")
    if not coach.active:
        codes.append("inactive")
    if coach.capacity - coach.load <= 0:
        codes.append("no_capacity")
    if overlap < min_overlap:
        codes.append("no_shared_time")
    if needs_helper_language(request) and not shared_languages(request, coach):
        codes.append("no_common_language")
    if not reachable(request, coach, km):
        codes.append("too_far")
    if request.gender_preference and coach.gender != request.gender_preference:
        codes.append("gender_preference")
    if declined:
        codes.append("declined_before")
    return tuple(codes)


def score_parts(
    request: RequestInput, coach: CoachInput, *, km: float, overlap: int
) -> tuple[int, tuple[ScorePart, ...]]:
    shared = shared_languages(request, coach)
    best = max(shared.values(), key=LANGUAGE_LEVELS.index) if shared else None
    language = LANGUAGE_POINTS[best] if best else 0
    if not needs_helper_language(request):
        language = max(language, LANGUAGE_GERMAN_WORKS)

    radius = coach.travel_radius_km
    both_online = request.online_ok and coach.online_ok
    within = km <= radius
    distance = round(DISTANCE_MAX * (1 - km / max(radius, 1))) if within else 0
    if both_online:
        distance = max(distance, DISTANCE_ONLINE)

    availability = round(
        AVAILABILITY_MAX * min(overlap, AVAILABILITY_FULL_MINUTES) / AVAILABILITY_FULL_MINUTES
    )

    wanted = set(request.goals)
    covered = wanted & set(coach.skills)
    skills = round(SKILLS_MAX * len(covered) / len(wanted)) if wanted else SKILLS_MAX

    if coach.capacity > 0:
        load = round(LOAD_MAX * (1 - coach.load / coach.capacity))
        load = min(max(load, 0), LOAD_MAX)
    else:
        load = 0

    parts = (
        ScorePart(
            "language",
            language,
            LANGUAGE_MAX,
            {"shared": sorted(shared), "best_level": best},
        ),
        ScorePart(
            "distance",
            distance,
            DISTANCE_MAX,
            {
                "km": round(km, 1),
                "radius_km": radius,
                "online_only": both_online and not within,
            },
        ),
        ScorePart("availability", availability, AVAILABILITY_MAX, {"minutes": overlap}),
        ScorePart(
            "skills",
            skills,
            SKILLS_MAX,
            {"covered": sorted(covered), "wanted": sorted(wanted)},
        ),
        ScorePart("load", load, LOAD_MAX, {"load": coach.load, "capacity": coach.capacity}),
    )
    return sum(p.points for p in parts), parts


def _place(data: MatchingInput, place_id: int) -> Place:
    for place in data.places:
        if place.id == place_id:
            return place
    raise ValueError(f"municipality {place_id} is not among the input's places")


def pair_distance(data: MatchingInput, request: RequestInput, coach: CoachInput) -> float:
    return place_distance(_place(data, request.municipality), _place(data, coach.municipality))


def check_pair(data: MatchingInput, request: RequestInput, coach: CoachInput) -> tuple[str, ...]:
    """The hard constraints this pair violates; empty means feasible.

    For a coordinator's manual proposal: the service shows these as warnings
    when a rule is overridden. Codes, in this order: ``programme``,
    ``inactive``, ``no_capacity``, ``no_shared_time``, ``no_common_language``,
    ``too_far``, ``gender_preference``, ``declined_before``.
    """
    return violations(
        request,
        coach,
        km=pair_distance(data, request, coach),
        overlap=overlap_minutes(request.availability, coach.availability),
        min_overlap=data.min_overlap_minutes,
        declined=(request.id, coach.id) in data.excluded_pairs,
    )


def score_pair(
    data: MatchingInput, request: RequestInput, coach: CoachInput
) -> tuple[int, tuple[ScorePart, ...]]:
    """The pair's score (0-100) and its five parts with the facts behind them.

    Defined for any pair, feasible or not, so a manual proposal can show one.
    """
    return score_parts(
        request,
        coach,
        km=pair_distance(data, request, coach),
        overlap=overlap_minutes(request.availability, coach.availability),
    )
