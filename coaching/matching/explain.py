"""Why a request stayed unmatched, counted over the coaches.

For every unmatched request the coaches run through the hard constraints as a
funnel, in this order:

1. programme: ``no_coach_in_programme`` (count 0, the only reason then) when
   nobody offers the request's programme;
2. ``no_active_coach``: paused or not yet onboarded
   (facts: ``in_programme``, how many coaches offer the programme);
3. ``no_common_language``: only when the learner's German is below B1
   (facts: ``languages``, the learner's codes);
4. ``too_far``: outside the coach's radius and not both online
   (facts: ``nearest_km`` among them, the learner's ``online_ok``);
5. ``gender_preference`` (facts: ``preference``);
6. ``no_shared_time``: less than the minimum weekly overlap
   (facts: ``best_minutes`` among them, ``required_minutes``);
7. ``declined_before``: the coach declined this request in an earlier run;
8. ``at_capacity``: would fit but has no free place at all (facts:
   ``within_km``, the largest travel radius among them, and ``max_km``, the
   farthest of them from the learner);
9. ``taken_by_other_requests``: feasible coaches whose free places all went to
   other requests in this run.

Each reason's ``count`` is the number of coaches that passed every earlier
filter and failed this one; filters that removed nobody are left out. So the
reasons read as a funnel ("800 without a common language, 40 too far, 3 at
capacity") and the last reason is where the candidates ran out. The order
puts the filters a coordinator cannot change (programme, activity, language,
geography) before the ones that depend on this week's schedule and load.

Computed with the same masks as the arcs (``candidates.reach_and_prefilter``),
in chunks of requests x all coaches.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .candidates import CHUNK_CELLS, Encoded, declined, overlap_grid, reach_and_prefilter
from .pairs import learner_languages
from .types import RequestInput, Unmatched, UnmatchedReason

CHAIN = (
    "no_coach_in_programme",
    "no_active_coach",
    "no_common_language",
    "too_far",
    "gender_preference",
    "no_shared_time",
    "declined_before",
    "at_capacity",
    "taken_by_other_requests",
)


def unmatched_reasons(enc: Encoded, request_indices: np.ndarray) -> list[Unmatched]:
    """Reasons for the given (sorted) request indices, in the same order."""
    out: list[Unmatched] = []
    if request_indices.size == 0:
        return out
    cols = np.arange(enc.m)
    coach_slots_t = np.ascontiguousarray(enc.c_slots.T)
    step = max(1, CHUNK_CELLS // max(enc.m, 1))
    for start in range(0, request_indices.size, step):
        out.extend(_chunk(enc, request_indices[start : start + step], cols, coach_slots_t))
    return out


def _chunk(
    enc: Encoded, rows: np.ndarray, cols: np.ndarray, coach_slots_t: np.ndarray
) -> list[Unmatched]:
    grid = reach_and_prefilter(enc, rows, cols)
    km = grid["km"]
    cand = grid["programme"].copy()
    in_programme = cand.sum(axis=1)
    counts: dict[str, np.ndarray] = {}

    def drop(code: str, passed: np.ndarray) -> np.ndarray:
        fail = cand & ~passed
        counts[code] = fail.sum(axis=1)
        cand[...] = cand & passed
        return fail

    drop("no_active_coach", enc.c_active[None, :])
    drop("no_common_language", grid["language"])
    fail = drop("too_far", grid["reach"])
    nearest_km = np.where(fail, km, np.inf).min(axis=1, initial=np.inf)
    drop("gender_preference", grid["gender"])

    minutes = overlap_grid(enc, rows, coach_slots_t)
    fail = drop("no_shared_time", minutes >= enc.min_overlap)
    best_minutes = np.where(fail, minutes, 0).max(axis=1, initial=0)

    gi, gj = np.nonzero(cand)
    was_declined = np.zeros(cand.shape, dtype=bool)
    was_declined[gi, gj] = declined(enc, rows[gi], cols[gj])
    drop("declined_before", ~was_declined)

    fail = drop("at_capacity", (enc.c_free > 0)[None, :])
    radius = np.broadcast_to(enc.c_radius[None, :], cand.shape)
    within_km = np.where(fail, radius, -np.inf).max(axis=1, initial=-np.inf)
    max_km = np.where(fail, km, -np.inf).max(axis=1, initial=-np.inf)
    counts["taken_by_other_requests"] = cand.sum(axis=1)

    def facts(code: str, k: int, request: RequestInput) -> dict[str, Any]:
        if code == "no_active_coach":
            return {"in_programme": int(in_programme[k])}
        if code == "no_common_language":
            return {"languages": sorted(learner_languages(request))}
        if code == "too_far":
            return {"nearest_km": round(float(nearest_km[k]), 1), "online_ok": request.online_ok}
        if code == "gender_preference":
            return {"preference": request.gender_preference}
        if code == "no_shared_time":
            return {"best_minutes": int(best_minutes[k]), "required_minutes": enc.min_overlap}
        if code == "at_capacity":
            return {"within_km": float(within_km[k]), "max_km": round(float(max_km[k]), 1)}
        return {}

    result = []
    for k, index in enumerate(rows.tolist()):
        request = enc.requests[index]
        if in_programme[k] == 0:
            reasons = [
                UnmatchedReason("no_coach_in_programme", 0, {"programme": request.programme})
            ]
        else:
            reasons = [
                UnmatchedReason(code, int(counts[code][k]), facts(code, k, request))
                for code in CHAIN[1:]
                if counts[code][k]
            ]
        result.append(Unmatched(request.id, tuple(reasons)))
    return result
