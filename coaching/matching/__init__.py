"""The matching engine: learners' coaching requests to volunteer coaches.

Plain Python, numpy and OR-Tools over the dataclasses in ``types`` — no Django
import anywhere here, so the engine is tested and benchmarked alone. The
coaching service translates models into a ``MatchingInput`` and stores the
``MatchingResult``.

- ``solve``: the optimal matching (min-cost flow): as many requests matched
  as possible, then the highest total score; deterministic.
- ``solve_greedy``: the baseline the optimum is compared with.
- ``check_pair`` / ``score_pair``: one pair's violated hard constraints and
  its score with parts, e.g. for a coordinator's manual proposal.

Modules: ``pairs`` (the rules for one pair, readable), ``candidates`` (the
same rules vectorised over all pairs), ``explain`` (reasons for unmatched
requests), ``solver``, ``availability`` (30-minute slots), ``geo``.
"""

from .availability import weekly_minutes
from .pairs import check_pair, helper_languages, needs_helper_language_at, score_pair
from .solver import solve, solve_greedy
from .types import (
    GENDERS,
    GERMAN_LEVELS,
    GOALS,
    LANGUAGE_LEVELS,
    MIN_OVERLAP_MINUTES,
    PROGRAMMES,
    SKILLS,
    CoachInput,
    MatchingInput,
    MatchingResult,
    Place,
    Proposal,
    RequestInput,
    ScorePart,
    TimeRange,
    Unmatched,
    UnmatchedReason,
)

__all__ = [
    "GENDERS",
    "GERMAN_LEVELS",
    "GOALS",
    "LANGUAGE_LEVELS",
    "MIN_OVERLAP_MINUTES",
    "PROGRAMMES",
    "SKILLS",
    "CoachInput",
    "MatchingInput",
    "MatchingResult",
    "Place",
    "Proposal",
    "RequestInput",
    "ScorePart",
    "TimeRange",
    "Unmatched",
    "UnmatchedReason",
    "check_pair",
    "helper_languages",
    "needs_helper_language_at",
    "score_pair",
    "solve",
    "solve_greedy",
    "weekly_minutes",
]
