"""Feasible pairs and their scores for a whole instance, vectorised.

``encode`` turns the input into numpy arrays once: per request and per coach
the place index, programme bits, language bit masks (one bit per language a
coach speaks, German aside, in uint64 words), availability as a 0/1 matrix
over the 30-minute slots anyone uses, goal/skill bit masks, and so on.
``feasible_arcs`` then walks the requests in chunks; for each chunk it
evaluates the constraints on a ``chunk x coaches`` grid (the weekly overlap of
every pair in the chunk is one float32 matrix product, exact for counts of
slots), keeps the surviving pairs as flat index arrays, drops pairs a coach
declined before, and scores what is left. No Python code runs per pair, and
no structure ever spans all requests times all coaches.

Everything here mirrors ``pairs.py`` operation for operation (same float
formulas, same distances from ``geo.distance_matrix``), so the vectorised
scores equal ``score_pair``'s exactly; the tests check that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .availability import SLOT_MINUTES, mask_words, slot_mask, slot_matrix
from .geo import distance_matrix
from .pairs import (
    AVAILABILITY_FULL_MINUTES,
    AVAILABILITY_MAX,
    DISTANCE_MAX,
    DISTANCE_ONLINE,
    GERMAN,
    LANGUAGE_GERMAN_WORKS,
    LANGUAGE_POINTS,
    LOAD_MAX,
    SKILLS_MAX,
    learner_languages,
    needs_helper_language,
)
from .types import (
    GENDERS,
    LANGUAGE_LEVELS,
    PROGRAMMES,
    CoachInput,
    MatchingInput,
    RequestInput,
)

# Cells (requests x coaches) evaluated at once: bounds the temporary arrays to
# a few tens of MB whatever the instance size.
CHUNK_CELLS = 1 << 21

_GOOD = LANGUAGE_LEVELS.index("good")
_FLUENT = LANGUAGE_LEVELS.index("fluent")


@dataclass(slots=True)
class Encoded:
    """The instance as arrays; requests and coaches sorted by id."""

    requests: tuple[RequestInput, ...]
    coaches: tuple[CoachInput, ...]
    min_overlap: int
    dist: np.ndarray  # (places, places) km
    # requests (n)
    r_place: np.ndarray
    r_prog: np.ndarray  # uint8 programme bit
    r_needs_lang: np.ndarray  # bool: German below B1
    r_lang: np.ndarray  # (n, lw) uint64 language bits
    r_online: np.ndarray
    r_pref: np.ndarray  # int8 gender code, -1 = none
    r_slots: np.ndarray  # (n, used slots) float32 0/1
    r_goals: np.ndarray  # (n, gw) uint64 goal bits
    r_n_goals: np.ndarray  # int64
    # coaches (m)
    c_place: np.ndarray
    c_prog: np.ndarray  # uint8 programme bits
    c_lang_any: np.ndarray  # (m, lw) uint64: speaks at any level
    c_lang_good: np.ndarray  # … at good or better
    c_lang_fluent: np.ndarray  # … at fluent or native
    c_online: np.ndarray
    c_gender: np.ndarray  # int8, -1 = not given
    c_slots: np.ndarray  # (m, used slots) float32 0/1
    c_skills: np.ndarray  # (m, gw) uint64, over the requests' goal vocabulary
    c_radius: np.ndarray  # float64 km
    c_free: np.ndarray  # int64 capacity - load
    c_active: np.ndarray
    c_load_points: np.ndarray  # int64, the score's load part
    excluded: np.ndarray  # sorted int64 keys request_index * m + coach_index

    @property
    def n(self) -> int:
        return len(self.requests)

    @property
    def m(self) -> int:
        return len(self.coaches)


def _bits(items: list[set[str]], vocabulary: dict[str, int]) -> np.ndarray:
    words = max(1, (len(vocabulary) + 63) // 64)
    masks = []
    for item in items:
        mask = 0
        for word in item:
            bit = vocabulary.get(word)
            if bit is not None:
                mask |= 1 << bit
        masks.append(mask)
    return mask_words(masks, words)


def _unique_ids(kind: str, ids: list[int]) -> None:
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate {kind} ids in the matching input")


def encode(data: MatchingInput) -> Encoded:
    requests = tuple(sorted(data.requests, key=lambda r: r.id))
    coaches = tuple(sorted(data.coaches, key=lambda c: c.id))
    _unique_ids("request", [r.id for r in requests])
    _unique_ids("coach", [c.id for c in coaches])
    places = sorted(data.places, key=lambda p: p.id)
    _unique_ids("place", [p.id for p in places])
    place_index = {p.id: i for i, p in enumerate(places)}

    def place_of(kind: str, ident: int, municipality: int) -> int:
        try:
            return place_index[municipality]
        except KeyError:
            raise ValueError(
                f"{kind} {ident}: municipality {municipality} is not among the input's places"
            ) from None

    prog_bit = {p: 1 << i for i, p in enumerate(PROGRAMMES)}
    gender_code = {g: i for i, g in enumerate(GENDERS)}

    # Only languages some coach speaks can ever be shared.
    coach_langs = sorted({code for c in coaches for code, _ in c.languages if code != GERMAN})
    lang_vocab = {code: i for i, code in enumerate(coach_langs)}
    goal_vocab = {g: i for i, g in enumerate(sorted({g for r in requests for g in r.goals}))}

    def coach_langs_at(coach: CoachInput, min_level: int) -> set[str]:
        return {
            code
            for code, level in coach.languages
            if code != GERMAN and LANGUAGE_LEVELS.index(level) >= min_level
        }

    c_capacity = np.array([c.capacity for c in coaches], dtype=np.int64)
    c_load = np.array([c.load for c in coaches], dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        load_points = np.rint(LOAD_MAX * (1 - c_load / c_capacity))
    load_points = np.where(c_capacity > 0, np.clip(load_points, 0, LOAD_MAX), 0).astype(np.int64)

    # Only slots that some request and some coach both use can overlap.
    r_slots = slot_matrix([slot_mask(r.availability) for r in requests])
    c_slots = slot_matrix([slot_mask(c.availability) for c in coaches])
    used = r_slots.any(axis=0) & c_slots.any(axis=0)

    m = len(coaches)
    r_index = {r.id: i for i, r in enumerate(requests)}
    c_index = {c.id: j for j, c in enumerate(coaches)}
    excluded = sorted(
        r_index[rid] * m + c_index[cid]
        for rid, cid in data.excluded_pairs
        if rid in r_index and cid in c_index
    )

    return Encoded(
        requests=requests,
        coaches=coaches,
        min_overlap=data.min_overlap_minutes,
        dist=distance_matrix(places),
        r_place=np.array(
            [place_of("request", r.id, r.municipality) for r in requests], dtype=np.intp
        ),
        r_prog=np.array([prog_bit[r.programme] for r in requests], dtype=np.uint8),
        r_needs_lang=np.array([needs_helper_language(r) for r in requests], dtype=bool),
        r_lang=_bits([learner_languages(r) for r in requests], lang_vocab),
        r_online=np.array([r.online_ok for r in requests], dtype=bool),
        r_pref=np.array(
            [gender_code.get(r.gender_preference, -1) for r in requests], dtype=np.int8
        ),
        r_slots=np.ascontiguousarray(r_slots[:, used], dtype=np.float32),
        r_goals=_bits([set(r.goals) for r in requests], goal_vocab),
        r_n_goals=np.array([len(set(r.goals)) for r in requests], dtype=np.int64),
        c_place=np.array([place_of("coach", c.id, c.municipality) for c in coaches], dtype=np.intp),
        c_prog=np.array(
            [sum(prog_bit[p] for p in set(c.programmes)) for c in coaches], dtype=np.uint8
        ),
        c_lang_any=_bits([coach_langs_at(c, 0) for c in coaches], lang_vocab),
        c_lang_good=_bits([coach_langs_at(c, _GOOD) for c in coaches], lang_vocab),
        c_lang_fluent=_bits([coach_langs_at(c, _FLUENT) for c in coaches], lang_vocab),
        c_online=np.array([c.online_ok for c in coaches], dtype=bool),
        c_gender=np.array([gender_code.get(c.gender, -1) for c in coaches], dtype=np.int8),
        c_slots=np.ascontiguousarray(c_slots[:, used], dtype=np.float32),
        c_skills=_bits([set(c.skills) for c in coaches], goal_vocab),
        c_radius=np.array([c.travel_radius_km for c in coaches], dtype=np.float64),
        c_free=c_capacity - c_load,
        c_active=np.array([c.active for c in coaches], dtype=bool),
        c_load_points=load_points,
        excluded=np.array(excluded, dtype=np.int64),
    )


def _any_shared(r_words: np.ndarray, c_words: np.ndarray) -> np.ndarray:
    """``(len(r), len(c))`` bool: the two bit sets intersect."""
    out = np.zeros((r_words.shape[0], c_words.shape[0]), dtype=bool)
    for w in range(r_words.shape[1]):
        out |= (r_words[:, w, None] & c_words[None, :, w]) != 0
    return out


def _pair_any(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise for paired rows of two ``(k, words)`` arrays: do they intersect."""
    return np.any((a & b) != 0, axis=1)


def _pair_count(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise popcount of the intersection, int64."""
    return np.bitwise_count(a & b).sum(axis=1, dtype=np.int64)


def reach_and_prefilter(enc: Encoded, rows: np.ndarray, cols: np.ndarray) -> dict[str, np.ndarray]:
    """Programme, language, reach and gender on a ``rows x cols`` grid, plus
    the distances. Kept apart (``explain`` uses them too) so the unmatched
    reasons come from exactly the same masks as the arcs.
    """
    km = enc.dist[enc.r_place[rows][:, None], enc.c_place[cols][None, :]]
    reach = km <= enc.c_radius[cols][None, :]
    reach |= enc.r_online[rows][:, None] & enc.c_online[cols][None, :]
    pref = enc.r_pref[rows][:, None]
    gender = (pref < 0) | (pref == enc.c_gender[cols][None, :])
    language = ~enc.r_needs_lang[rows][:, None] | _any_shared(
        enc.r_lang[rows], enc.c_lang_any[cols]
    )
    programme = (enc.r_prog[rows][:, None] & enc.c_prog[cols][None, :]) != 0
    return {
        "programme": programme,
        "language": language,
        "km": km,
        "reach": reach,
        "gender": gender,
    }


def overlap_grid(enc: Encoded, rows: np.ndarray, coach_slots_t: np.ndarray) -> np.ndarray:
    """Weekly overlap in minutes, ``rows x coaches``, int64; ``coach_slots_t`` is
    ``enc.c_slots[cols].T``. Products of 0/1 float32 matrices count common slots
    exactly (any count up to 2**24 is a float32 integer)."""
    common = enc.r_slots[rows] @ coach_slots_t
    return common.astype(np.int64) * SLOT_MINUTES


def declined(enc: Encoded, ri: np.ndarray, ci: np.ndarray) -> np.ndarray:
    """For paired indices: did this coach decline this request before."""
    if enc.excluded.size == 0:
        return np.zeros(ri.shape, dtype=bool)
    keys = ri.astype(np.int64) * enc.m + ci
    at = np.searchsorted(enc.excluded, keys)
    return enc.excluded[np.minimum(at, enc.excluded.size - 1)] == keys


def feasible_arcs(enc: Encoded) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All feasible pairs as (request index, coach index, score), int arrays
    ordered by request then coach."""
    eligible = np.flatnonzero(enc.c_active & (enc.c_free > 0))
    empty = np.zeros(0, dtype=np.int64)
    if enc.n == 0 or eligible.size == 0:
        return empty, empty, empty
    step = max(1, CHUNK_CELLS // eligible.size)
    coach_slots_t = np.ascontiguousarray(enc.c_slots[eligible].T)
    out_r, out_c, out_s = [], [], []
    for start in range(0, enc.n, step):
        rows = np.arange(start, min(start + step, enc.n))
        grid = reach_and_prefilter(enc, rows, eligible)
        minutes = overlap_grid(enc, rows, coach_slots_t)
        ok = grid["programme"] & grid["reach"] & grid["gender"] & grid["language"]
        ok &= minutes >= enc.min_overlap
        gi, gj = np.nonzero(ok)
        ri, ci = rows[gi], eligible[gj]
        keep = ~declined(enc, ri, ci)
        gi, gj, ri, ci = gi[keep], gj[keep], ri[keep], ci[keep]
        out_r.append(ri)
        out_c.append(ci)
        out_s.append(pair_scores(enc, ri, ci, grid["km"][gi, gj], minutes[gi, gj]))
    return np.concatenate(out_r), np.concatenate(out_c), np.concatenate(out_s)


def pair_scores(
    enc: Encoded, ri: np.ndarray, ci: np.ndarray, km: np.ndarray, minutes: np.ndarray
) -> np.ndarray:
    """The total score of each pair, as ``pairs.score_parts`` computes it."""
    r_lang = enc.r_lang[ri]
    # c_lang_fluent holds fluent and native, which score the same.
    language = np.where(
        _pair_any(r_lang, enc.c_lang_fluent[ci]),
        LANGUAGE_POINTS["fluent"],
        np.where(
            _pair_any(r_lang, enc.c_lang_good[ci]),
            LANGUAGE_POINTS["good"],
            np.where(_pair_any(r_lang, enc.c_lang_any[ci]), LANGUAGE_POINTS["basic"], 0),
        ),
    )
    language = np.where(enc.r_needs_lang[ri], language, np.maximum(language, LANGUAGE_GERMAN_WORKS))

    radius = enc.c_radius[ci]
    within = km <= radius
    both_online = enc.r_online[ri] & enc.c_online[ci]
    distance = np.where(within, np.rint(DISTANCE_MAX * (1 - km / np.maximum(radius, 1.0))), 0)
    distance = np.where(both_online, np.maximum(distance, DISTANCE_ONLINE), distance)

    availability = np.rint(
        AVAILABILITY_MAX
        * np.minimum(minutes, AVAILABILITY_FULL_MINUTES)
        / AVAILABILITY_FULL_MINUTES
    )

    n_goals = enc.r_n_goals[ri]
    covered = _pair_count(enc.r_goals[ri], enc.c_skills[ci])
    skills = np.where(
        n_goals == 0, SKILLS_MAX, np.rint(SKILLS_MAX * covered / np.maximum(n_goals, 1))
    )

    total = language + distance + availability + skills + enc.c_load_points[ci]
    return total.astype(np.int64)
