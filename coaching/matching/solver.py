"""Assign requests to coaches: optimally (min-cost flow) or greedily (baseline).

The optimal assignment is a min-cost flow over

    source -> request (capacity 1, cost 0)
    request -> coach  (capacity 1, cost 100 - score; feasible pairs only)
    request -> sink   (capacity 1, cost M: "unmatched")
    coach -> sink     (capacity = free places, cost 0)

with ``n`` units from source to sink. ``M = 100 * (n + 1)`` exceeds any
difference in total score, so the solver first maximises the number of
matched requests, then the total score. Requests and coaches are sorted by
id before anything else, so the graph, and with it the solver's choice among
equally good assignments, depends only on the input's content, not its order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow

from .availability import overlap_minutes
from .candidates import Encoded, encode, feasible_arcs
from .explain import unmatched_reasons
from .geo import place_distance
from .pairs import score_parts
from .types import MatchingInput, MatchingResult, Place, Proposal

MAX_SCORE = 100


def solve(data: MatchingInput) -> MatchingResult:
    """The optimal matching: most requests matched, then highest total score."""
    enc = encode(data)
    ri, ci, scores = feasible_arcs(enc)
    chosen = _min_cost_flow(enc, ri, ci, scores)
    return _result(data, enc, ri[chosen], ci[chosen], feasible_pairs=int(ri.size))


def solve_greedy(data: MatchingInput) -> MatchingResult:
    """Baseline: feasible pairs by score (highest first; ties by request id,
    then coach id), each taken when the request is still free and the coach
    still has room."""
    enc = encode(data)
    ri, ci, scores = feasible_arcs(enc)
    # Indices follow the id order, so sorting by index sorts by id.
    order = np.lexsort((ci, ri, -scores))
    free = enc.c_free.tolist()
    done = [False] * enc.n
    chosen = []
    left = enc.n
    for k, r, c in zip(order.tolist(), ri[order].tolist(), ci[order].tolist(), strict=True):
        if not done[r] and free[c] > 0:
            done[r] = True
            free[c] -= 1
            chosen.append(k)
            left -= 1
            if not left:
                break
    picked = np.array(sorted(chosen), dtype=np.int64)
    return _result(data, enc, ri[picked], ci[picked], feasible_pairs=int(ri.size))


def _min_cost_flow(enc: Encoded, ri: np.ndarray, ci: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Indices into the arc arrays of the pairs in an optimal assignment."""
    n, m = enc.n, enc.m
    if n == 0 or ri.size == 0:
        return np.zeros(0, dtype=np.int64)
    source, sink = 0, n + m + 1
    requests = np.arange(1, n + 1, dtype=np.int32)
    coaches = np.arange(n + 1, n + m + 1, dtype=np.int32)
    unmatched_cost = MAX_SCORE * (n + 1)
    free = np.where(enc.c_active, np.maximum(enc.c_free, 0), 0)

    flow = min_cost_flow.SimpleMinCostFlow()
    # Pair arcs first, so their arc indices are 0 .. len(ri) - 1.
    flow.add_arcs_with_capacity_and_unit_cost(
        (ri + 1).astype(np.int32),
        (ci + n + 1).astype(np.int32),
        np.ones(ri.size, dtype=np.int64),
        (MAX_SCORE - scores).astype(np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate([np.full(n, source, np.int32), requests, coaches]),
        np.concatenate([requests, np.full(n, sink, np.int32), np.full(m, sink, np.int32)]),
        np.concatenate([np.ones(2 * n, np.int64), free.astype(np.int64)]),
        np.concatenate(
            [np.zeros(n, np.int64), np.full(n, unmatched_cost, np.int64), np.zeros(m, np.int64)]
        ),
    )
    flow.set_nodes_supplies(
        np.array([source, sink], dtype=np.int32), np.array([n, -n], dtype=np.int64)
    )
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(
            f"min-cost flow did not find an optimal matching (status {status!r}) "
            f"for {n} requests, {m} coaches, {ri.size} feasible pairs"
        )
    flows = flow.flows(np.arange(ri.size, dtype=np.int32))
    return np.flatnonzero(flows > 0)


def _result(
    data: MatchingInput,
    enc: Encoded,
    ri: np.ndarray,
    ci: np.ndarray,
    *,
    feasible_pairs: int,
) -> MatchingResult:
    places: dict[int, Place] = {p.id: p for p in data.places}
    proposals = []
    new_for_coach = np.zeros(enc.m, dtype=np.int64)
    for r, c in zip(ri.tolist(), ci.tolist(), strict=True):
        request, coach = enc.requests[r], enc.coaches[c]
        km = place_distance(places[request.municipality], places[coach.municipality])
        minutes = overlap_minutes(request.availability, coach.availability)
        score, parts = score_parts(request, coach, km=km, overlap=minutes)
        proposals.append(Proposal(request.id, coach.id, score, parts))
        new_for_coach[c] += 1
    proposals.sort(key=lambda p: p.request_id)

    matched = np.zeros(enc.n, dtype=bool)
    matched[ri] = True
    unmatched = unmatched_reasons(enc, np.flatnonzero(~matched))

    return MatchingResult(
        proposals=tuple(proposals),
        unmatched=tuple(unmatched),
        totals={
            "requests": enc.n,
            "coaches": enc.m,
            "feasible_pairs": feasible_pairs,
            "matched": len(proposals),
            "unmatched": len(unmatched),
            "total_score": sum(p.score for p in proposals),
            "coach_load": _coach_load(enc, new_for_coach),
        },
    )


def _coach_load(enc: Encoded, new_for_coach: np.ndarray) -> dict[str, Any]:
    capacity = np.array([c.capacity for c in enc.coaches], dtype=np.int64)
    load = np.array([c.load for c in enc.coaches], dtype=np.int64)
    counted = enc.c_active & (capacity > 0)
    if not counted.any():
        utilisation = np.zeros(0)
    else:
        utilisation = (load[counted] + new_for_coach[counted]) / capacity[counted]
    return {
        "coaches_used": int((new_for_coach > 0).sum()),
        "mean_utilisation": round(float(utilisation.mean()), 3) if utilisation.size else 0.0,
        "max_utilisation": round(float(utilisation.max()), 3) if utilisation.size else 0.0,
        "min_utilisation": round(float(utilisation.min()), 3) if utilisation.size else 0.0,
    }
