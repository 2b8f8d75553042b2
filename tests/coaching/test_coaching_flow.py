"""Coaching end to end through the API: profile → request → matching run →
approval → the coach accepts or declines → meetings, notes, milestones → end."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.models import AccessLog
from accounts.roles import COACH, LEARNER
from coaching import constants, matching
from coaching.constants import ProposalStatus, RequestStatus
from coaching.models import CoachingRequest, CoachProfile, MatchProposal, Meeting, Mentorship
from notifications.models import Notification

from ..factories import UserFactory, make_coach, municipality

pytestmark = pytest.mark.django_db


def request_payload(**overrides):
    payload = {
        "programme": "jobcoaching",
        "goals": ["cv", "interview"],
        "languages": ["ar"],
        "german_level": "A2",
        "municipality": municipality("Bad Rappenau").pk,
        "availability": [{"weekday": 1, "start": "09:00", "end": "11:00"}],
        "online_ok": False,
    }
    payload.update(overrides)
    return payload


def ask(client, **overrides):
    response = client.post(
        "/api/v1/coaching/requests/", request_payload(**overrides), format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def run_matching(client):
    response = client.post("/api/v1/coaching/matching-runs/", {}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


# --- Profiles and requests --------------------------------------------------------------------


def test_engine_and_django_agree_on_the_choice_values():
    assert tuple(constants.Programme.values) == matching.PROGRAMMES
    assert tuple(constants.GermanLevel.values) == matching.GERMAN_LEVELS
    assert tuple(constants.LanguageLevel.values) == matching.LANGUAGE_LEVELS
    assert tuple(constants.Gender.values) == matching.GENDERS
    assert set(constants.Goal.values) == set(matching.GOALS)
    assert {v for v, _ in constants.SKILL_CHOICES} == set(matching.SKILLS)


def test_coach_writes_own_profile_but_not_the_onboarding_checks(as_user):
    coach = UserFactory(roles=[COACH])
    body = {
        "programmes": ["jobcoaching", "care_language"],
        "languages": [{"code": "tr", "level": "native"}],
        "municipality": municipality("Eppingen").pk,
        "travel_radius_km": 25,
        "online_ok": True,
        "availability": [{"weekday": 2, "start": "17:00", "end": "19:30"}],
        "capacity": 3,
        "skills": ["interview", "trades"],
        "gender": "female",
        "is_active": True,
        "volunteer_agreement_signed": True,
        "police_certificate_seen_on": "2026-01-01",
    }
    response = as_user(coach).put("/api/v1/coaching/coach-profile/", body, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["volunteer_agreement_signed"] is False
    assert data["onboarding_complete"] is False
    assert data["availability"] == [{"weekday": 2, "start": "17:00", "end": "19:30"}]
    assert as_user(coach).get("/api/v1/coaching/coach-profile/").json()["capacity"] == 3


def test_invalid_profile_is_refused_with_field_messages(as_user):
    coach = UserFactory(roles=[COACH])
    body = {"programmes": ["knitting"], "languages": [{"code": "xx", "level": "fluent"}],
            "municipality": municipality().pk,
            "availability": [{"weekday": 8, "start": "10:00", "end": "09:00"}]}  # fmt: skip
    response = as_user(coach).put("/api/v1/coaching/coach-profile/", body, format="json")
    assert response.status_code == 400
    assert {"programmes", "languages", "availability"} <= set(response.json()["error"]["fields"])
    assert not CoachProfile.objects.exists()


def test_learner_asks_for_a_coach_and_sees_only_own_requests(as_user, learner, other_learner):
    mine = ask(as_user(learner))
    ask(as_user(other_learner))
    listed = as_user(learner).get("/api/v1/coaching/requests/").json()
    assert [r["id"] for r in listed["results"]] == [mine["id"]]
    assert mine["status"] == "open"
    assert mine["learner"] == learner.pk


def test_coordinator_enters_a_request_for_a_learner(as_user, learner, coordinator):
    created = ask(as_user(coordinator), learner=learner.pk)
    request = CoachingRequest.objects.get(pk=created["id"])
    assert request.learner == learner
    assert request.created_by == coordinator


def test_care_coaching_needs_the_care_facility(as_user, learner):
    response = as_user(learner).post(
        "/api/v1/coaching/requests/", request_payload(programme="care_language"), format="json"
    )
    assert response.status_code == 400
    assert "care_facility" in response.json()["error"]["fields"]


def test_second_active_request_in_the_same_programme_is_a_conflict(as_user, learner):
    ask(as_user(learner))
    response = as_user(learner).post("/api/v1/coaching/requests/", request_payload(), format="json")
    assert response.status_code == 409
    assert CoachingRequest.objects.count() == 1


# --- Matching, approval, answers -----------------------------------------------------------------


def test_matching_run_proposes_with_reasons_and_explains_the_unmatched(as_user, coordinator):
    coach = make_coach(name="Samira Coach")
    learner_ar, learner_ti = UserFactory(roles=[LEARNER]), UserFactory(roles=[LEARNER])
    ask(as_user(learner_ar))
    ti_request = ask(as_user(learner_ti), languages=["ti"], german_level="none")
    coordinator.preferred_language = "en"
    coordinator.save()

    run = run_matching(as_user(coordinator))

    assert run["totals"]["matched"] == 1
    assert run["totals"]["unmatched"] == 1
    assert run["totals"]["unmatched_rate"] == 0.5
    proposal = run["proposals"][0]
    assert proposal["coach"] == coach.pk
    assert proposal["status"] == "proposed"
    assert 0 < proposal["score"] <= 100
    assert sum(p["points"] for p in proposal["score_parts"]) == proposal["score"]
    assert any("Arabic" in line for line in proposal["explanation"])
    unmatched = run["unmatched"][0]
    assert unmatched["request"] == ti_request["id"]
    texts = " ".join(r["text"] for r in unmatched["reasons"])
    assert "Tigrinya" in texts
    assert CoachingRequest.objects.get(pk=ti_request["id"]).status == RequestStatus.OPEN
    listed = as_user(coordinator).get(f"/api/v1/coaching/matching-runs/{run['id']}/").json()
    assert listed["proposals"][0]["id"] == proposal["id"]


def test_coach_sees_a_proposal_only_after_approval_and_accepts_it(as_user, learner, coordinator):
    coach = make_coach()
    ask(as_user(learner))
    proposal_id = run_matching(as_user(coordinator))["proposals"][0]["id"]

    assert as_user(coach).get("/api/v1/coaching/proposals/").json()["count"] == 0
    assert (
        as_user(coach).post(f"/api/v1/coaching/proposals/{proposal_id}/accept/").status_code == 404
    )

    approved = as_user(coordinator).post(f"/api/v1/coaching/proposals/{proposal_id}/approve/")
    assert approved.json()["status"] == "approved"
    seen = as_user(coach).get("/api/v1/coaching/proposals/").json()["results"][0]
    assert "email" not in seen["request"]
    assert (
        Notification.objects.filter(recipient=coach, kind="match_proposed", channel="inbox").count()
        == 1
    )

    accepted = as_user(coach).post(f"/api/v1/coaching/proposals/{proposal_id}/accept/")
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["learner"]["email"] == learner.email
    assert CoachingRequest.objects.get().status == RequestStatus.MATCHED
    mine = as_user(learner).get("/api/v1/coaching/mentorships/").json()["results"]
    assert mine[0]["coach"]["id"] == coach.pk
    assert Notification.objects.filter(recipient=learner, kind="match_accepted").exists()


def test_declined_coach_is_never_proposed_for_that_request_again(as_user, learner, coordinator):
    coach = make_coach()
    ask(as_user(learner))
    proposal_id = run_matching(as_user(coordinator))["proposals"][0]["id"]
    as_user(coordinator).post(f"/api/v1/coaching/proposals/{proposal_id}/approve/")

    no_reason = as_user(coach).post(f"/api/v1/coaching/proposals/{proposal_id}/decline/",
                                    {"reason": "  "}, format="json")  # fmt: skip
    assert no_reason.status_code == 400
    declined = as_user(coach).post(f"/api/v1/coaching/proposals/{proposal_id}/decline/",
                                   {"reason": "Keine Zeit mehr"}, format="json")  # fmt: skip
    assert declined.json()["status"] == "declined"
    assert CoachingRequest.objects.get().status == RequestStatus.OPEN

    rerun = run_matching(as_user(coordinator))
    assert rerun["proposals"] == []
    codes = [r["code"] for r in rerun["unmatched"][0]["reasons"]]
    assert "declined_before" in codes


def test_unanswered_proposal_expires_after_seven_days(as_user, learner, coordinator):
    from coaching.tasks import expire_stale_proposals

    make_coach()
    ask(as_user(learner))
    proposal_id = run_matching(as_user(coordinator))["proposals"][0]["id"]
    as_user(coordinator).post(f"/api/v1/coaching/proposals/{proposal_id}/approve/")
    with time_machine.travel(timezone.now() + dt.timedelta(days=6)):
        assert expire_stale_proposals.apply().get() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=7, hours=1)):
        assert expire_stale_proposals.apply().get() == 1
    assert MatchProposal.objects.get().status == ProposalStatus.EXPIRED
    assert CoachingRequest.objects.get().status == RequestStatus.OPEN


def test_a_new_run_supersedes_unapproved_proposals(as_user, learner, coordinator):
    make_coach()
    ask(as_user(learner))
    first = run_matching(as_user(coordinator))["proposals"][0]["id"]
    second = run_matching(as_user(coordinator))["proposals"][0]["id"]
    assert MatchProposal.objects.get(pk=first).status == ProposalStatus.SUPERSEDED
    assert MatchProposal.objects.get(pk=second).status == ProposalStatus.PROPOSED


def test_coach_capacity_is_respected_across_runs(as_user, coordinator):
    coach = make_coach(capacity=1)
    first, second = UserFactory(roles=[LEARNER]), UserFactory(roles=[LEARNER])
    ask(as_user(first))
    proposal_id = run_matching(as_user(coordinator))["proposals"][0]["id"]
    as_user(coordinator).post(f"/api/v1/coaching/proposals/{proposal_id}/approve/")
    as_user(coach).post(f"/api/v1/coaching/proposals/{proposal_id}/accept/")
    ask(as_user(second))
    rerun = run_matching(as_user(coordinator))
    assert rerun["proposals"] == []
    assert "at_capacity" in [r["code"] for r in rerun["unmatched"][0]["reasons"]]


def test_manual_proposal_names_broken_rules_and_needs_an_override(as_user, learner, coordinator):
    far_coach = make_coach(municipality=municipality("Wüstenrot"), travel_radius_km=5)
    request = ask(as_user(learner))
    coordinator.preferred_language = "en"
    coordinator.save()
    body = {"request": request["id"], "coach": far_coach.coach_profile.pk}
    refused = as_user(coordinator).post("/api/v1/coaching/proposals/", body, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "constraints_violated"
    assert "Too far" in str(refused.json()["error"]["fields"]["coach"])
    assert not MatchProposal.objects.exists()

    forced = as_user(coordinator).post("/api/v1/coaching/proposals/", {**body, "override": True},
                                       format="json")  # fmt: skip
    assert forced.status_code == 201, forced.json()
    assert forced.json()["status"] == "approved"
    assert forced.json()["overridden_rules"][0]["code"] == "too_far"
    assert forced.json()["warnings"]


# --- Mentorship: meetings, notes, milestones, end ----------------------------------------------------


@pytest.fixture
def mentorship(as_user, learner, coordinator):
    coach = make_coach()
    ask(as_user(learner))
    proposal_id = run_matching(as_user(coordinator))["proposals"][0]["id"]
    as_user(coordinator).post(f"/api/v1/coaching/proposals/{proposal_id}/approve/")
    as_user(coach).post(f"/api/v1/coaching/proposals/{proposal_id}/accept/")
    return Mentorship.objects.get(coach=coach)


def test_coach_schedules_moves_and_cancels_a_meeting(as_user, mentorship, learner):
    coach = mentorship.coach
    start = timezone.now() + dt.timedelta(days=3)
    url = f"/api/v1/coaching/mentorships/{mentorship.pk}/meetings/"
    created = as_user(coach).post(url, {"starts_at": start.isoformat(),
                                        "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
                                        "place": "Rathaus Bad Rappenau"}, format="json")  # fmt: skip
    assert created.status_code == 201, created.json()
    meeting_id = created.json()["id"]
    assert Notification.objects.filter(recipient=learner, kind="meeting_scheduled").exists()
    assert as_user(learner).get(url).json()[0]["id"] == meeting_id

    later = start + dt.timedelta(days=1)
    moved = as_user(coach).post(f"/api/v1/coaching/meetings/{meeting_id}/move/",
                                {"starts_at": later.isoformat(),
                                 "ends_at": (later + dt.timedelta(hours=1)).isoformat()},
                                format="json")  # fmt: skip
    assert moved.json()["sequence"] == 1
    cancelled = as_user(coach).post(f"/api/v1/coaching/meetings/{meeting_id}/cancel/")
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["sequence"] == 2
    kinds = set(Notification.objects.filter(recipient=learner).values_list("kind", flat=True))
    assert {"meeting_scheduled", "meeting_changed", "meeting_cancelled"} <= kinds


def test_meeting_in_the_past_or_backwards_is_refused(as_user, mentorship):
    url = f"/api/v1/coaching/mentorships/{mentorship.pk}/meetings/"
    past = timezone.now() - dt.timedelta(days=1)
    response = as_user(mentorship.coach).post(url, {"starts_at": past.isoformat(),
                                                    "ends_at": timezone.now().isoformat(),
                                                    "place": "x"}, format="json")  # fmt: skip
    assert response.status_code == 400
    assert not Meeting.objects.exists()


def test_notes_are_for_coach_and_coordinators_and_coordinator_reads_are_logged(
    as_user, mentorship, learner, coordinator
):
    url = f"/api/v1/coaching/mentorships/{mentorship.pk}/notes/"
    added = as_user(mentorship.coach).post(url, {"text": "Lebenslauf fertig."}, format="json")
    assert added.status_code == 201
    assert as_user(learner).get(url).status_code == 403
    assert as_user(mentorship.coach).get(url).json()[0]["text"] == "Lebenslauf fertig."
    assert not AccessLog.objects.exists()
    assert as_user(coordinator).get(url).status_code == 200
    log = AccessLog.objects.get()
    assert (log.actor, log.subject, log.what) == (coordinator, learner, "coach_notes")


def test_milestones_are_recorded_by_the_coach_and_seen_by_the_learner(as_user, mentorship, learner):
    url = f"/api/v1/coaching/mentorships/{mentorship.pk}/milestones/"
    today = timezone.localdate().isoformat()
    created = as_user(mentorship.coach).post(url, {"kind": "application_sent", "occurred_on": today},
                                             format="json")  # fmt: skip
    assert created.status_code == 201
    assert as_user(learner).post(url, {"kind": "interview", "occurred_on": today},
                                 format="json").status_code == 403  # fmt: skip
    assert [m["kind"] for m in as_user(learner).get(url).json()] == ["application_sent"]


def test_ending_a_mentorship_closes_the_request_and_cancels_future_meetings(
    as_user, mentorship, coordinator
):
    start = timezone.now() + dt.timedelta(days=2)
    as_user(mentorship.coach).post(
        f"/api/v1/coaching/mentorships/{mentorship.pk}/meetings/",
        {"starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
         "online_link": "https://meet.example.org/x"},
        format="json",
    )  # fmt: skip
    ended = as_user(mentorship.coach).post(
        f"/api/v1/coaching/mentorships/{mentorship.pk}/end/", {"reason": "job_found"}, format="json"
    )
    assert ended.status_code == 200
    assert ended.json()["end_reason"] == "job_found"
    assert CoachingRequest.objects.get().status == RequestStatus.CLOSED
    assert set(Meeting.objects.values_list("status", flat=True)) == {"cancelled"}
    figures = as_user(coordinator).get("/api/v1/coaching/figures/").json()
    assert figures["ended"] == 1
    assert figures["early_endings"] == 0


def test_coaching_lists_run_a_constant_number_of_queries(as_user, coordinator,
                                                         django_assert_max_num_queries):  # fmt: skip
    for index in range(2):
        make_coach(name=f"Coach {index}", capacity=3)
    for _ in range(2):
        ask(as_user(UserFactory(roles=[LEARNER])))
    run_matching(as_user(coordinator))
    client = as_user(coordinator)
    with django_assert_max_num_queries(8) as small:
        client.get("/api/v1/coaching/proposals/")
        client.get("/api/v1/coaching/requests/")
    baseline = len(small.captured_queries)
    for _ in range(4):
        ask(as_user(UserFactory(roles=[LEARNER])))
    run_matching(as_user(coordinator))
    with django_assert_max_num_queries(baseline):
        client.get("/api/v1/coaching/proposals/")
        client.get("/api/v1/coaching/requests/")
