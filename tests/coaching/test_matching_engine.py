"""The matching engine alone: plain data in, proposals and reasons out.

No database: these tests build ``coaching.matching`` dataclasses directly.
Unit tests pin each hard constraint, each score part and each unmatched
reason; hypothesis properties check on random instances that the optimal
solver never breaks a constraint or a capacity, never does worse than the
greedy baseline, equals brute force on small instances, and that the
vectorised candidate generation agrees with the one-pair rules exactly.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coaching import matching
from coaching.matching import (
    GENDERS,
    GERMAN_LEVELS,
    LANGUAGE_LEVELS,
    PROGRAMMES,
    CoachInput,
    MatchingInput,
    MatchingResult,
    Place,
    RequestInput,
    TimeRange,
    check_pair,
    score_pair,
    solve,
    solve_greedy,
)
from coaching.matching import solver as solver_module
from coaching.matching.availability import overlap_minutes, slot_mask
from coaching.matching.candidates import encode, feasible_arcs
from coaching.matching.explain import CHAIN
from coaching.matching.geo import distance_km

ROOT = Path(__file__).resolve().parents[2]

# Three municipalities on one meridian: 1 and 2 are ~10 km apart, 3 is ~50 km away.
HOME = Place(1, 49.0, 9.0)
NEAR = Place(2, 49.09, 9.0)
FAR = Place(3, 49.45, 9.0)
PLACES = (HOME, NEAR, FAR)
KM_NEAR = distance_km(HOME.latitude, HOME.longitude, NEAR.latitude, NEAR.longitude)
KM_FAR = distance_km(HOME.latitude, HOME.longitude, FAR.latitude, FAR.longitude)

MONDAY_MORNING = (TimeRange(0, 9 * 60, 13 * 60),)  # 4 hours


def request(id: int = 1, **changes) -> RequestInput:
    fields = {
        "id": id,
        "programme": "jobcoaching",
        "languages": ("ar",),
        "german_level": "A1",
        "municipality": HOME.id,
        "availability": MONDAY_MORNING,
        "online_ok": False,
        "gender_preference": "",
        "goals": ("cv",),
    }
    fields.update(changes)
    return RequestInput(**fields)


def coach(id: int = 10, **changes) -> CoachInput:
    fields = {
        "id": id,
        "programmes": ("jobcoaching",),
        "languages": (("de", "native"), ("ar", "native")),
        "municipality": HOME.id,
        "travel_radius_km": 20.0,
        "online_ok": False,
        "availability": MONDAY_MORNING,
        "capacity": 2,
        "load": 0,
        "skills": ("cv",),
        "gender": "female",
        "active": True,
    }
    fields.update(changes)
    return CoachInput(**fields)


def instance(requests=(), coaches=(), **changes) -> MatchingInput:
    return MatchingInput(requests=tuple(requests), coaches=tuple(coaches), places=PLACES, **changes)


def pair_codes(r: RequestInput, c: CoachInput, **changes) -> tuple[str, ...]:
    return check_pair(instance([r], [c], **changes), r, c)


def parts_of(r: RequestInput, c: CoachInput) -> dict[str, matching.ScorePart]:
    total, parts = score_pair(instance([r], [c]), r, c)
    assert total == sum(p.points for p in parts)
    return {p.name: p for p in parts}


def reasons_of(result: MatchingResult, request_id: int = 1) -> dict[str, matching.UnmatchedReason]:
    (entry,) = [u for u in result.unmatched if u.request_id == request_id]
    return {reason.code: reason for reason in entry.reasons}


# --- the package stands alone ------------------------------------------------------------


def test_importing_the_engine_does_not_import_django():
    code = "import sys, coaching.matching; assert 'django' not in sys.modules, 'django imported'"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_package_exports_the_documented_interface():
    expected = {
        "TimeRange",
        "Place",
        "RequestInput",
        "CoachInput",
        "MatchingInput",
        "ScorePart",
        "Proposal",
        "UnmatchedReason",
        "Unmatched",
        "MatchingResult",
        "solve",
        "solve_greedy",
        "check_pair",
        "score_pair",
        "PROGRAMMES",
        "GOALS",
        "SKILLS",
        "LANGUAGE_LEVELS",
        "GERMAN_LEVELS",
        "GENDERS",
    }
    assert expected <= set(matching.__all__)
    assert all(hasattr(matching, name) for name in expected)


# --- availability: 30-minute slots -------------------------------------------------------


def test_overlap_widens_ranges_to_whole_half_hour_slots():
    # 9:15-10:00 occupies the slots 9:00-9:30 and 9:30-10:00.
    assert overlap_minutes([TimeRange(0, 555, 600)], [TimeRange(0, 540, 600)]) == 60
    # 9:10-9:20 still occupies one whole slot.
    assert overlap_minutes([TimeRange(0, 550, 560)], [TimeRange(0, 540, 570)]) == 30
    # Touching ranges share nothing: 9:00-10:00 and 10:00-11:00.
    assert overlap_minutes([TimeRange(0, 540, 600)], [TimeRange(0, 600, 660)]) == 0


def test_overlapping_ranges_on_one_side_are_not_counted_twice():
    coach_side = [TimeRange(2, 9 * 60, 11 * 60), TimeRange(2, 10 * 60, 12 * 60)]
    learner_side = [TimeRange(2, 9 * 60, 12 * 60)]
    assert overlap_minutes(learner_side, coach_side) == 180


def test_overlap_only_counts_the_same_weekday():
    assert overlap_minutes([TimeRange(0, 540, 720)], [TimeRange(1, 540, 720)]) == 0


def test_slot_mask_covers_the_whole_week():
    whole_week = [TimeRange(d, 0, 1440) for d in range(7)]
    assert slot_mask(whole_week) == (1 << 336) - 1
    assert overlap_minutes(whole_week, [TimeRange(6, 1410, 1440)]) == 30


@pytest.mark.parametrize(
    ("weekday", "start", "end"), [(7, 0, 60), (-1, 0, 60), (0, 60, 60), (0, 120, 60), (0, 0, 1441)]
)
def test_time_range_refuses_impossible_values(weekday, start, end):
    with pytest.raises(ValueError):
        TimeRange(weekday, start, end)


def test_inputs_refuse_unknown_levels_and_programmes():
    with pytest.raises(ValueError, match="german_level"):
        request(german_level="B3")
    with pytest.raises(ValueError, match="programme"):
        request(programme="sports")
    with pytest.raises(ValueError, match="language level"):
        coach(languages=(("ar", "perfect"),))
    with pytest.raises(ValueError, match="capacity"):
        coach(capacity=-1)


# --- hard constraints --------------------------------------------------------------------


def test_a_pair_meeting_every_rule_has_no_violation():
    assert pair_codes(request(), coach()) == ()


def test_programme_must_match():
    assert pair_codes(request(programme="care_language"), coach()) == ("programme",)
    assert pair_codes(request(), coach(programmes=("care_language", "jobcoaching"))) == ()


def test_inactive_coach_is_never_feasible():
    assert pair_codes(request(), coach(active=False)) == ("inactive",)


def test_coach_needs_a_free_place():
    assert pair_codes(request(), coach(capacity=2, load=2)) == ("no_capacity",)
    assert pair_codes(request(), coach(capacity=0, load=0)) == ("no_capacity",)
    assert pair_codes(request(), coach(capacity=2, load=1)) == ()


def test_weekly_overlap_must_reach_the_minimum():
    half_hour = (TimeRange(0, 12 * 60 + 30, 14 * 60),)
    one_hour = (TimeRange(0, 12 * 60, 14 * 60),)
    assert pair_codes(request(), coach(availability=half_hour)) == ("no_shared_time",)
    assert pair_codes(request(), coach(availability=one_hour)) == ()
    assert pair_codes(request(), coach(availability=one_hour), min_overlap_minutes=90) == (
        "no_shared_time",
    )


@pytest.mark.parametrize("level", ["none", "A1", "A2"])
def test_learner_below_b1_needs_a_common_language_other_than_german(level):
    r = request(german_level=level, languages=("ti", "de"))
    assert pair_codes(r, coach()) == ("no_common_language",)
    assert pair_codes(r, coach(languages=(("ti", "basic"),))) == ()


@pytest.mark.parametrize("level", ["B1", "B2", "C1"])
def test_learner_from_b1_needs_no_helper_language(level):
    assert pair_codes(request(german_level=level, languages=("ti",)), coach()) == ()


def test_distance_must_be_within_the_coach_radius_unless_both_go_online():
    far = request(municipality=FAR.id)
    assert pair_codes(far, coach(travel_radius_km=20)) == ("too_far",)
    assert pair_codes(far, coach(travel_radius_km=KM_FAR + 0.01)) == ()
    assert pair_codes(request(municipality=FAR.id, online_ok=True), coach()) == ("too_far",)
    assert pair_codes(far, coach(online_ok=True)) == ("too_far",)
    assert pair_codes(request(municipality=FAR.id, online_ok=True), coach(online_ok=True)) == ()


def test_gender_preference_is_honoured():
    wants_male = request(gender_preference="male")
    assert pair_codes(wants_male, coach(gender="female")) == ("gender_preference",)
    assert pair_codes(wants_male, coach(gender="")) == ("gender_preference",)
    assert pair_codes(wants_male, coach(gender="male")) == ()
    assert pair_codes(request(gender_preference=""), coach(gender="")) == ()


def test_a_coach_who_declined_is_not_proposed_again():
    assert pair_codes(request(), coach(), excluded_pairs=frozenset({(1, 10)})) == (
        "declined_before",
    )
    assert pair_codes(request(), coach(), excluded_pairs=frozenset({(1, 11)})) == ()


def test_check_pair_reports_every_violation_in_order():
    r = request(
        programme="care_language",
        municipality=FAR.id,
        gender_preference="male",
        languages=("ti",),
    )
    c = coach(active=False, load=2, availability=(TimeRange(4, 0, 60),))
    assert pair_codes(r, c, excluded_pairs=frozenset({(1, 10)})) == (
        "programme",
        "inactive",
        "no_capacity",
        "no_shared_time",
        "no_common_language",
        "too_far",
        "gender_preference",
        "declined_before",
    )


@pytest.mark.parametrize(
    ("r", "c", "changes"),
    [
        (request(programme="care_language"), coach(), {}),
        (request(), coach(active=False), {}),
        (request(), coach(load=2), {}),
        (request(), coach(availability=(TimeRange(3, 0, 600),)), {}),
        (request(languages=("ti",)), coach(), {}),
        (request(municipality=FAR.id), coach(), {}),
        (request(gender_preference="male"), coach(), {}),
        (request(), coach(), {"excluded_pairs": frozenset({(1, 10)})}),
    ],
)
def test_solvers_never_propose_an_infeasible_pair(r, c, changes):
    for engine in (solve, solve_greedy):
        result = engine(instance([r], [c], **changes))
        assert result.proposals == ()
        assert [u.request_id for u in result.unmatched] == [1]


# --- score parts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "points"), [("native", 30), ("fluent", 30), ("good", 22), ("basic", 12)]
)
def test_language_points_follow_the_coach_level_in_the_best_shared_language(level, points):
    part = parts_of(request(languages=("ar", "fa")), coach(languages=(("fa", level),)))["language"]
    assert (part.points, part.maximum) == (points, 30)
    assert part.facts == {"shared": ["fa"], "best_level": level}


def test_language_takes_the_best_of_several_shared_languages():
    c = coach(languages=(("ar", "basic"), ("en", "fluent"), ("de", "native")))
    part = parts_of(request(languages=("ar", "en", "de")), c)["language"]
    assert part.points == 30
    assert part.facts == {"shared": ["ar", "en"], "best_level": "fluent"}


def test_learner_from_b1_without_shared_language_gets_german_points():
    part = parts_of(request(german_level="B1", languages=("ti",)), coach())["language"]
    assert part.points == 15
    assert part.facts == {"shared": [], "best_level": None}


def test_a_weak_shared_language_never_scores_below_german_alone():
    c = coach(languages=(("ti", "basic"),))
    assert parts_of(request(german_level="B2", languages=("ti",)), c)["language"].points == 15
    assert parts_of(request(german_level="A2", languages=("ti",)), c)["language"].points == 12


def test_distance_points_fall_with_the_share_of_the_radius_used():
    same_place = parts_of(request(), coach())["distance"]
    assert same_place.points == 25
    assert same_place.facts == {"km": 0.0, "radius_km": 20.0, "online_only": False}
    near = parts_of(request(municipality=NEAR.id), coach(travel_radius_km=20.0))["distance"]
    assert near.points == round(25 * (1 - KM_NEAR / 20.0))
    assert near.facts["km"] == round(KM_NEAR, 1)


def test_distance_beyond_radius_scores_the_online_value_when_both_go_online():
    part = parts_of(
        request(municipality=FAR.id, online_ok=True), coach(online_ok=True, travel_radius_km=10)
    )["distance"]
    assert part.points == 8
    assert part.facts == {"km": round(KM_FAR, 1), "radius_km": 10, "online_only": True}


def test_distance_near_the_edge_of_the_radius_is_never_worth_less_than_going_online():
    r = request(municipality=NEAR.id, online_ok=True)
    at_edge = coach(travel_radius_km=KM_NEAR + 0.1, online_ok=True)
    assert parts_of(r, at_edge)["distance"].points == 8
    assert parts_of(r, coach(travel_radius_km=KM_NEAR + 0.1))["distance"].points == 0


def test_a_radius_below_one_km_counts_as_one():
    part = parts_of(request(), coach(travel_radius_km=0))["distance"]
    assert part.points == 25


@pytest.mark.parametrize(("hours", "points"), [(1, 5), (2, 10), (3, 15), (4, 20), (6, 20)])
def test_availability_points_grow_up_to_four_hours(hours, points):
    week = (TimeRange(0, 8 * 60, 8 * 60 + hours * 60),)
    part = parts_of(request(availability=week), coach(availability=week))["availability"]
    assert (part.points, part.facts) == (points, {"minutes": hours * 60})


def test_skills_points_are_the_share_of_goals_covered():
    r = request(goals=("cv", "interview", "care"))
    part = parts_of(r, coach(skills=("care", "office")))["skills"]
    assert part.points == 5
    assert part.facts == {"covered": ["care"], "wanted": ["care", "cv", "interview"]}
    assert parts_of(request(goals=()), coach(skills=()))["skills"].points == 15


@pytest.mark.parametrize(("load", "points"), [(0, 10), (1, 8), (2, 5), (3, 2)])
def test_load_points_prefer_coaches_with_room(load, points):
    part = parts_of(request(), coach(capacity=4, load=load))["load"]
    assert (part.points, part.facts) == (points, {"load": load, "capacity": 4})


def test_score_is_the_sum_of_five_json_ready_parts_within_their_maxima():
    total, parts = score_pair(instance(), request(), coach())
    assert [p.name for p in parts] == ["language", "distance", "availability", "skills", "load"]
    assert sum(p.maximum for p in parts) == 100
    assert total == 100
    json.dumps([dataclasses.asdict(p) for p in parts])


def test_score_pair_works_for_an_infeasible_manual_proposal():
    r = request(languages=("ti",), municipality=FAR.id)
    total, parts = score_pair(instance(), r, coach(capacity=0))
    by_name = {p.name: p.points for p in parts}
    assert by_name["language"] == 0
    assert by_name["distance"] == 0
    assert by_name["load"] == 0
    assert total == sum(by_name.values())


def test_unknown_municipality_is_a_clear_error():
    with pytest.raises(ValueError, match="municipality 99"):
        solve(instance([request(municipality=99)], [coach()]))
    with pytest.raises(ValueError, match="municipality 99"):
        check_pair(instance(), request(municipality=99), coach())


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="duplicate request"):
        solve(instance([request(1), request(1)], [coach()]))


# --- solving -----------------------------------------------------------------------------


def test_optimum_matches_more_requests_before_a_higher_score():
    # Request 1 fits both coaches but coach 10 better; request 2 only fits coach 10.
    r1 = request(1)
    r2 = request(2, languages=("ti",))
    c10 = coach(10, capacity=1, languages=(("ar", "native"), ("ti", "good")))
    c11 = coach(11, capacity=1, languages=(("ar", "basic"),), municipality=NEAR.id)
    data = instance([r1, r2], [c10, c11])
    optimal = solve(data)
    assert {(p.request_id, p.coach_id) for p in optimal.proposals} == {(1, 11), (2, 10)}
    greedy = solve_greedy(data)
    assert {(p.request_id, p.coach_id) for p in greedy.proposals} == {(1, 10)}
    assert optimal.totals["matched"] == 2 and greedy.totals["matched"] == 1


def test_optimum_maximises_the_total_score_among_maximal_matchings():
    # Every pair scores 100 except request 2 with coach 11 (no "care" skill): 85.
    # Greedy takes (1, 10) first and ends at 185; the optimum crosses over for 200.
    r1, r2 = request(1, goals=("cv",)), request(2, goals=("care",))
    c10 = coach(10, capacity=1, skills=("cv", "care"))
    c11 = coach(11, capacity=1, skills=("cv",))
    data = instance([r1, r2], [c10, c11])
    optimal, greedy = solve(data), solve_greedy(data)
    assert {(p.request_id, p.coach_id) for p in optimal.proposals} == {(1, 11), (2, 10)}
    assert optimal.totals["total_score"] == 200
    assert {(p.request_id, p.coach_id) for p in greedy.proposals} == {(1, 10), (2, 11)}
    assert greedy.totals["total_score"] == 185


def test_no_coach_gets_more_than_their_free_places():
    requests = [request(i) for i in range(1, 8)]
    coaches = [coach(10, capacity=3, load=1), coach(11, capacity=1), coach(12, capacity=2, load=2)]
    result = solve(instance(requests, coaches))
    per_coach = {c: sum(p.coach_id == c for p in result.proposals) for c in (10, 11, 12)}
    assert per_coach == {10: 2, 11: 1, 12: 0}
    assert result.totals["matched"] == 3


def test_proposal_carries_its_score_parts():
    result = solve(instance([request()], [coach()]))
    (proposal,) = result.proposals
    assert (proposal.request_id, proposal.coach_id, proposal.score) == (1, 10, 100)
    assert [p.name for p in proposal.parts] == [
        "language",
        "distance",
        "availability",
        "skills",
        "load",
    ]


def test_empty_input_gives_an_empty_result():
    for engine in (solve, solve_greedy):
        result = engine(instance())
        assert result.proposals == () and result.unmatched == ()
        assert result.totals == {
            "requests": 0,
            "coaches": 0,
            "feasible_pairs": 0,
            "matched": 0,
            "unmatched": 0,
            "total_score": 0,
            "coach_load": {
                "coaches_used": 0,
                "mean_utilisation": 0.0,
                "max_utilisation": 0.0,
                "min_utilisation": 0.0,
            },
        }


def test_totals_report_coach_utilisation_over_active_coaches_with_capacity():
    requests = [request(i) for i in range(1, 4)]
    coaches = [
        coach(10, capacity=4, load=1),
        coach(11, capacity=2, load=0, availability=(TimeRange(5, 0, 60),)),  # no shared time
        coach(12, capacity=3, active=False),
        coach(13, capacity=0),
    ]
    totals = solve(instance(requests, coaches)).totals
    assert totals["matched"] == 3
    assert totals["coach_load"] == {
        "coaches_used": 1,
        "mean_utilisation": 0.5,  # (4/4 + 0/2) / 2
        "max_utilisation": 1.0,
        "min_utilisation": 0.0,
    }
    json.dumps(totals)


def test_same_input_gives_the_same_result():
    data = random_district_instance(seed=7, n_requests=60, n_coaches=15)
    first = solve(data)
    assert solve(data) == first
    assert first.proposals  # the instance is not trivial


def test_input_order_does_not_change_the_result():
    data = random_district_instance(seed=11, n_requests=60, n_coaches=15)
    rng = random.Random(3)
    shuffled = dataclasses.replace(
        data,
        requests=tuple(rng.sample(data.requests, len(data.requests))),
        coaches=tuple(rng.sample(data.coaches, len(data.coaches))),
        places=tuple(rng.sample(data.places, len(data.places))),
    )
    assert solve(shuffled) == solve(data)
    assert solve_greedy(shuffled) == solve_greedy(data)


def test_a_solver_failure_raises_a_clear_error(monkeypatch):
    real = solver_module.min_cost_flow.SimpleMinCostFlow

    class Failing(real):  # type: ignore[misc, valid-type]
        def solve(self):
            return self.INFEASIBLE

    monkeypatch.setattr(solver_module.min_cost_flow, "SimpleMinCostFlow", Failing)
    with pytest.raises(RuntimeError, match="did not find an optimal matching"):
        solve(instance([request()], [coach()]))


# --- why a request stayed unmatched --------------------------------------------------------


def test_reason_when_nobody_offers_the_programme():
    result = solve(instance([request(programme="care_language")], [coach(), coach(11)]))
    (entry,) = result.unmatched
    assert [(r.code, r.count) for r in entry.reasons] == [("no_coach_in_programme", 0)]
    assert entry.reasons[0].facts == {"programme": "care_language"}


def test_reason_when_every_coach_in_the_programme_is_paused():
    result = solve(instance([request()], [coach(10, active=False), coach(11, active=False)]))
    (entry,) = result.unmatched
    assert [(r.code, r.count) for r in entry.reasons] == [("no_active_coach", 2)]


def test_reason_when_no_active_coach_speaks_the_learners_language():
    coaches = [coach(10), coach(11, languages=(("en", "fluent"),)), coach(12, active=False)]
    r = request(languages=("ti",), german_level="none")
    reasons = reasons_of(solve(instance([r], coaches)))
    assert list(reasons) == ["no_active_coach", "no_common_language"]
    assert reasons["no_common_language"].count == 2
    assert reasons["no_common_language"].facts == {"languages": ["ti"]}


def test_reason_when_every_coach_is_too_far():
    coaches = [coach(10, municipality=FAR.id), coach(11, municipality=NEAR.id, travel_radius_km=5)]
    reasons = reasons_of(solve(instance([request()], coaches)))
    assert list(reasons) == ["too_far"]
    assert reasons["too_far"].count == 2
    assert reasons["too_far"].facts == {"nearest_km": round(KM_NEAR, 1), "online_ok": False}


def test_reason_when_no_time_slot_is_shared():
    evening = (TimeRange(0, 18 * 60, 19 * 60 + 30), TimeRange(0, 12 * 60 + 30, 13 * 60))
    reasons = reasons_of(solve(instance([request()], [coach(availability=evening)])))
    assert list(reasons) == ["no_shared_time"]
    assert reasons["no_shared_time"].facts == {"best_minutes": 30, "required_minutes": 60}


def test_reason_when_the_gender_preference_cannot_be_met():
    r = request(gender_preference="male")
    reasons = reasons_of(solve(instance([r], [coach(10), coach(11)])))
    assert [(code, x.count) for code, x in reasons.items()] == [("gender_preference", 2)]
    assert reasons["gender_preference"].facts == {"preference": "male"}


def test_reason_when_the_only_fitting_coach_declined_before():
    data = instance([request()], [coach()], excluded_pairs=frozenset({(1, 10)}))
    reasons = reasons_of(solve(data))
    assert [(code, x.count) for code, x in reasons.items()] == [("declined_before", 1)]


def test_reason_when_every_fitting_coach_is_at_capacity():
    coaches = [
        coach(10, capacity=2, load=2, travel_radius_km=25),
        coach(11, capacity=1, load=1, municipality=NEAR.id, travel_radius_km=15),
        coach(12, capacity=3, load=3, travel_radius_km=10),
    ]
    reasons = reasons_of(solve(instance([request()], coaches)))
    assert list(reasons) == ["at_capacity"]
    assert reasons["at_capacity"].count == 3
    assert reasons["at_capacity"].facts == {"within_km": 25.0, "max_km": round(KM_NEAR, 1)}


def test_reason_when_the_free_places_went_to_other_requests():
    data = instance([request(1), request(2)], [coach(capacity=1)])
    result = solve(data)
    (proposal,) = result.proposals
    (entry,) = result.unmatched
    assert {proposal.request_id, entry.request_id} == {1, 2}
    reasons = reasons_of(result, request_id=entry.request_id)
    assert [(code, x.count) for code, x in reasons.items()] == [("taken_by_other_requests", 1)]


def test_reasons_read_as_a_funnel_in_chain_order():
    r = request(languages=("ti",), german_level="A1")
    coaches = [
        coach(10, active=False),
        coach(11),  # no Tigrinya
        coach(12, languages=(("ti", "good"),), municipality=FAR.id),
        coach(
            13,
            languages=(("ti", "good"),),
            municipality=FAR.id,
            travel_radius_km=60,
            capacity=1,
            load=1,
        ),
        coach(14, languages=(("ti", "good"),), capacity=1, load=1),
        coach(15, programmes=("care_language",)),
    ]
    result = solve(instance([r], coaches))
    (entry,) = result.unmatched
    assert [(x.code, x.count) for x in entry.reasons] == [
        ("no_active_coach", 1),
        ("no_common_language", 1),
        ("too_far", 1),
        ("at_capacity", 2),
    ]
    # Every coach in the programme is accounted for exactly once.
    assert sum(x.count for x in entry.reasons) == 5


# --- properties on random instances --------------------------------------------------------

LANGS = ("ar", "uk", "ti", "en", "de")
SMALL_PLACES = (
    Place(1, 49.00, 9.00),
    Place(2, 49.05, 9.05),
    Place(3, 49.15, 9.10),
    Place(4, 49.40, 9.20),
)
GOAL_WORDS = ("cv", "interview", "care", "it")


@st.composite
def time_ranges(draw, long: bool = False):
    """Mornings on Monday or Tuesday, so that random pairs often overlap."""
    weekday = draw(st.integers(0, 1))
    start = draw(st.integers(16, 22)) * 30 + draw(st.sampled_from((0, 0, 10, 15)))
    lengths = (120, 180, 240, 300) if long else (20, 30, 45, 60, 90, 120, 240)
    return TimeRange(weekday, start, start + draw(st.sampled_from(lengths)))


def requests_strategy(ident: int, dense: bool):
    return st.builds(
        RequestInput,
        id=st.just(ident),
        programme=st.sampled_from(PROGRAMMES),
        languages=st.lists(st.sampled_from(LANGS), min_size=1, max_size=2).map(tuple),
        german_level=st.sampled_from(GERMAN_LEVELS[2:] if dense else GERMAN_LEVELS),
        municipality=st.sampled_from([p.id for p in SMALL_PLACES]),
        availability=st.lists(time_ranges(), min_size=1, max_size=3).map(tuple),
        online_ok=st.booleans(),
        gender_preference=st.sampled_from(("",) * (12 if dense else 4) + GENDERS),
        goals=st.lists(st.sampled_from(GOAL_WORDS), max_size=3).map(tuple),
    )


@st.composite
def coaches_strategy(draw, ident: int, max_free: int, dense: bool):
    capacity = draw(st.integers(1 if dense else 0, 4))
    load = draw(st.integers(max(0, capacity - max_free), capacity))
    both = (PROGRAMMES,) * (4 if dense else 1)
    return CoachInput(
        id=ident,
        programmes=draw(st.sampled_from(((PROGRAMMES[0],), (PROGRAMMES[1],), *both))),
        languages=tuple(
            draw(
                st.lists(
                    st.tuples(st.sampled_from(LANGS), st.sampled_from(LANGUAGE_LEVELS)),
                    min_size=1,
                    max_size=3,
                )
            )
        ),
        municipality=draw(st.sampled_from([p.id for p in SMALL_PLACES])),
        travel_radius_km=draw(st.sampled_from((0.0, 5.0, 10.0, 25.0, 40.0, 60.0)[dense * 3 :])),
        online_ok=draw(st.booleans()),
        availability=tuple(draw(st.lists(time_ranges(long=True), min_size=int(dense), max_size=3))),
        capacity=capacity,
        load=load,
        skills=tuple(draw(st.lists(st.sampled_from(GOAL_WORDS), max_size=3))),
        gender=draw(st.sampled_from(("", *GENDERS))),
        active=draw(st.sampled_from((True,) * (9 if dense else 3) + (False,))),
    )


@st.composite
def instances(
    draw, max_requests: int = 30, max_coaches: int = 10, max_free: int = 4, dense: bool = False
):
    """Random instances over four places. ``dense`` makes most pairs feasible
    (German from A2, wide radii, coaches in both programmes), so that small
    instances have real choices to make."""
    n = draw(st.integers(2 if dense else 0, max_requests))
    m = draw(st.integers(1 if dense else 0, max_coaches))
    # Ids in a random order and not contiguous, so nothing relies on either.
    request_ids = draw(st.permutations(range(100, 100 + 3 * n, 3))) if n else []
    coach_ids = draw(st.permutations(range(500, 500 + 7 * m, 7))) if m else []
    requests = [draw(requests_strategy(i, dense)) for i in request_ids]
    coaches = [draw(coaches_strategy(i, max_free, dense)) for i in coach_ids]
    all_pairs = [(r, c) for r in request_ids for c in coach_ids]
    excluded = draw(st.sets(st.sampled_from(all_pairs), max_size=5)) if all_pairs else set()
    return MatchingInput(
        requests=tuple(requests),
        coaches=tuple(coaches),
        places=SMALL_PLACES,
        excluded_pairs=frozenset(excluded),
        min_overlap_minutes=draw(st.sampled_from((30, 60) if dense else (30, 60, 90))),
    )


# Sparse instances exercise every rule; dense ones give the solver choices.
any_instance = instances() | instances(dense=True)

PROPERTY_SETTINGS = settings(
    deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)


def feasible_pairs(data: MatchingInput) -> dict[tuple[int, int], int]:
    """Every feasible pair and its score, from the one-pair rules."""
    return {
        (r.id, c.id): score_pair(data, r, c)[0]
        for r in data.requests
        for c in data.coaches
        if not check_pair(data, r, c)
    }


def objective(result: MatchingResult) -> tuple[int, int]:
    return (result.totals["matched"], result.totals["total_score"])


@PROPERTY_SETTINGS
@given(any_instance)
def test_property_vectorised_candidates_equal_the_one_pair_rules(data):
    enc = encode(data)
    ri, ci, scores = feasible_arcs(enc)
    vectorised = {
        (enc.requests[r].id, enc.coaches[c].id): s
        for r, c, s in zip(ri.tolist(), ci.tolist(), scores.tolist(), strict=True)
    }
    assert vectorised == feasible_pairs(data)


@PROPERTY_SETTINGS
@given(any_instance)
def test_property_proposals_are_feasible_and_respect_capacity(data):
    result = solve(data)
    requests = {r.id: r for r in data.requests}
    coaches = {c.id: c for c in data.coaches}
    proposed = [p.request_id for p in result.proposals]
    assert len(proposed) == len(set(proposed))
    assert proposed == sorted(proposed)
    for p in result.proposals:
        r, c = requests[p.request_id], coaches[p.coach_id]
        assert check_pair(data, r, c) == ()
        assert (p.score, p.parts) == score_pair(data, r, c)
    for c in data.coaches:
        assert sum(p.coach_id == c.id for p in result.proposals) <= max(c.capacity - c.load, 0)
    unmatched = [u.request_id for u in result.unmatched]
    assert unmatched == sorted(unmatched)
    assert sorted(proposed + unmatched) == sorted(requests)


@PROPERTY_SETTINGS
@given(any_instance)
def test_property_optimum_is_never_worse_than_greedy(data):
    greedy = solve_greedy(data)
    optimal = solve(data)
    assert objective(optimal) >= objective(greedy)
    assert optimal.totals["feasible_pairs"] == greedy.totals["feasible_pairs"]


def brute_force(data: MatchingInput) -> tuple[int, int]:
    pairs = feasible_pairs(data)
    free = {c.id: c.capacity - c.load for c in data.coaches}
    options = [
        [None, *[c.id for c in data.coaches if (r.id, c.id) in pairs]] for r in data.requests
    ]
    best = (0, 0)
    for choice in itertools.product(*options):
        used = [c for c in choice if c is not None]
        if any(used.count(c) > free[c] for c in set(used)):
            continue
        score = sum(
            pairs[(r.id, c)] for r, c in zip(data.requests, choice, strict=True) if c is not None
        )
        best = max(best, (len(used), score))
    return best


@settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_requests=6, max_coaches=3, max_free=2, dense=True))
def test_property_optimum_equals_brute_force_on_small_instances(data):
    assert objective(solve(data)) == brute_force(data)


@PROPERTY_SETTINGS
@given(any_instance)
def test_property_totals_agree_with_proposals(data):
    result = solve(data)
    totals = result.totals
    assert totals["requests"] == len(data.requests)
    assert totals["coaches"] == len(data.coaches)
    assert totals["matched"] == len(result.proposals)
    assert totals["unmatched"] == len(result.unmatched)
    assert totals["matched"] + totals["unmatched"] == totals["requests"]
    assert totals["total_score"] == sum(p.score for p in result.proposals)
    assert totals["feasible_pairs"] == len(feasible_pairs(data))
    used = {p.coach_id for p in result.proposals}
    assert totals["coach_load"]["coaches_used"] == len(used)
    counted = [c for c in data.coaches if c.active and c.capacity > 0]
    if counted:
        new = {c.id: sum(p.coach_id == c.id for p in result.proposals) for c in counted}
        utilisation = [(c.load + new[c.id]) / c.capacity for c in counted]
        load = totals["coach_load"]
        assert load["max_utilisation"] == round(max(utilisation), 3)
        assert load["min_utilisation"] == round(min(utilisation), 3)
        assert load["mean_utilisation"] == pytest.approx(np.mean(utilisation), abs=6e-4)
    json.dumps(totals)


@PROPERTY_SETTINGS
@given(any_instance)
def test_property_unmatched_reasons_account_for_every_coach_in_the_programme(data):
    result = solve(data)
    pairs = feasible_pairs(data)
    requests = {r.id: r for r in data.requests}
    for entry in result.unmatched:
        r = requests[entry.request_id]
        codes = [x.code for x in entry.reasons]
        assert codes == [code for code in CHAIN if code in codes]  # chain order, no repeats
        in_programme = sum(r.programme in c.programmes for c in data.coaches)
        if in_programme == 0:
            assert [(x.code, x.count) for x in entry.reasons] == [("no_coach_in_programme", 0)]
            continue
        assert all(x.count > 0 for x in entry.reasons)
        assert sum(x.count for x in entry.reasons) == in_programme
        # Feasible coaches of an unmatched request are all full after an optimal run.
        feasible = sum((r.id, c.id) in pairs for c in data.coaches)
        taken = [x.count for x in entry.reasons if x.code == "taken_by_other_requests"]
        assert taken == ([feasible] if feasible else [])
        json.dumps([dataclasses.asdict(x) for x in entry.reasons])


@settings(deadline=None, max_examples=40)
@given(any_instance, st.randoms(use_true_random=False))
def test_property_input_order_never_changes_the_result(data, rng):
    shuffled = dataclasses.replace(
        data,
        requests=tuple(rng.sample(data.requests, len(data.requests))),
        coaches=tuple(rng.sample(data.coaches, len(data.coaches))),
    )
    assert solve(shuffled) == solve(data)


# --- a bigger, district-like instance for the determinism tests ----------------------------


def random_district_instance(seed: int, n_requests: int, n_coaches: int) -> MatchingInput:
    rng = random.Random(seed)
    places = tuple(
        Place(i, 49.0 + rng.random() * 0.35, 8.9 + rng.random() * 0.55) for i in range(1, 12)
    )

    def week(k: int) -> tuple[TimeRange, ...]:
        out = []
        for _ in range(k):
            start = rng.randrange(8 * 60, 17 * 60, 15)
            out.append(TimeRange(rng.randrange(5), start, start + rng.choice((60, 120, 180))))
        return tuple(out)

    requests = tuple(
        RequestInput(
            id=i,
            programme=rng.choice(PROGRAMMES),
            languages=tuple(rng.sample(LANGS[:4], rng.randint(1, 2))),
            german_level=rng.choice(GERMAN_LEVELS),
            municipality=rng.choice(places).id,
            availability=week(rng.randint(1, 3)),
            online_ok=rng.random() < 0.4,
            gender_preference=rng.choice(("", "", "", "female")),
            goals=tuple(rng.sample(GOAL_WORDS, rng.randint(0, 2))),
        )
        for i in range(1, n_requests + 1)
    )
    coaches = []
    for j in range(1, n_coaches + 1):
        capacity = rng.randint(1, 5)
        coaches.append(
            CoachInput(
                id=1000 + j,
                programmes=tuple(rng.sample(PROGRAMMES, rng.randint(1, 2))),
                languages=tuple(
                    (code, rng.choice(LANGUAGE_LEVELS))
                    for code in rng.sample(LANGS, rng.randint(1, 3))
                ),
                municipality=rng.choice(places).id,
                travel_radius_km=float(rng.randint(5, 40)),
                online_ok=rng.random() < 0.5,
                availability=week(rng.randint(2, 4)),
                capacity=capacity,
                load=rng.randint(0, capacity - 1),
                skills=tuple(rng.sample(GOAL_WORDS, rng.randint(1, 3))),
                gender=rng.choice(("female", "male", "")),
                active=rng.random() < 0.9,
            )
        )
    return MatchingInput(requests=requests, coaches=tuple(coaches), places=places)
