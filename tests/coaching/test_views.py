"""The coaching pages through Django's test client: each form does what the
service does, shows refusals on the field they concern and changes nothing
then, and list pages cost the same number of queries for 3 items as for 12."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.models import AccessLog
from accounts.roles import COACH, COORDINATOR, LEARNER
from coaching import services
from coaching.constants import MeetingStatus, ProposalStatus, RequestStatus
from coaching.models import (
    CoachingRequest,
    CoachNote,
    CoachProfile,
    MatchingRun,
    MatchProposal,
    Meeting,
    Mentorship,
    Milestone,
)
from notifications.models import Notification

from ..factories import UserFactory, make_coach, municipality

pytestmark = pytest.mark.django_db


def person(*roles, **fields):
    return UserFactory(roles=list(roles), preferred_language="en", **fields)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def request_form(**overrides) -> dict:
    data = {
        "programme": "jobcoaching",
        "goals": ["cv"],
        "languages": ["ar"],
        "german_level": "A2",
        "municipality": municipality("Bad Rappenau").pk,
        "slot_0_day": "1",
        "slot_0_start": "09:00",
        "slot_0_end": "11:00",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def open_request(learner=None, **fields) -> CoachingRequest:
    learner = learner or person(LEARNER)
    values = {
        "programme": "jobcoaching", "languages": ["ar"], "german_level": "A2",
        "municipality": municipality("Bad Rappenau"),
        "availability": [{"weekday": 1, "start": "09:00", "end": "11:00"}],
    }  # fmt: skip
    values.update(fields)
    return CoachingRequest.objects.create(learner=learner, created_by=learner, **values)


def approved_proposal(coach, request=None) -> MatchProposal:
    request = request or open_request()
    request.status = RequestStatus.PROPOSED
    request.save()
    return MatchProposal.objects.create(
        request=request, coach=coach, status=ProposalStatus.APPROVED, score=70,
        score_parts=[{"name": "language", "points": 30, "maximum": 30,
                      "facts": {"shared": ["ar"], "best_level": "fluent"}}],
        expires_at=timezone.now() + dt.timedelta(days=7),
    )  # fmt: skip


def mentorship_for(coach, learner=None) -> Mentorship:
    learner = learner or person(LEARNER)
    request = open_request(learner, status=RequestStatus.MATCHED)
    return Mentorship.objects.create(request=request, coach=coach, learner=learner)


def meeting_form(days=4, start="10:00", end="11:00", place="Rathaus Bad Rappenau") -> dict:
    day = timezone.localdate() + dt.timedelta(days=days)
    return {"date": day.isoformat(), "start": start, "end": end, "place": place}


# --- Learners ---------------------------------------------------------------------------------


def test_learner_asks_for_a_coach_and_then_sees_that_we_look_for_one():
    learner = person(LEARNER)
    client = client_for(learner)
    assert b'name="programme"' in client.get("/coaching/").content  # the first step

    response = client.post("/coaching/", request_form(), follow=True)

    request = CoachingRequest.objects.get()
    assert (request.learner, request.created_by) == (learner, learner)
    assert request.availability == [{"weekday": 1, "start": "09:00", "end": "11:00"}]
    assert request.languages == ["ar"]
    page = response.content.decode()
    assert "Waiting for a coach" in page
    # One request under way per programme: the form now offers the other one.
    assert "Ask for a coach in another programme" in page
    assert response.context["form"]["programme"].initial == "care_language"


def test_learner_with_a_request_in_every_programme_sees_no_form():
    learner = person(LEARNER)
    open_request(learner)
    open_request(learner, programme="care_language", care_facility="Haus der Pflege")
    page = client_for(learner).get("/coaching/").content.decode()
    assert page.count("Waiting for a coach") == 2
    assert 'name="programme"' not in page and 'name="slot_0_day"' not in page


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"languages": None}, "languages"),
        ({"slot_0_start": "12:00", "slot_0_end": "10:00"}, "slot_0_end"),
        ({"programme": "knitting"}, "programme"),
        ({"slot_0_day": "", "slot_0_start": "", "slot_0_end": ""}, "slot_0_day"),
        ({"programme": "care_language"}, "care_facility"),
    ],
    ids=["no language", "ends before it starts", "unknown programme", "no time", "no facility"],
)
def test_bad_request_input_is_shown_on_its_field_and_creates_nothing(overrides, field):
    response = client_for(person(LEARNER)).post("/coaching/", request_form(**overrides))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert b'class="error-summary"' in response.content
    assert not CoachingRequest.objects.exists()


def test_no_language_is_fine_for_a_learner_with_good_german():
    client_for(person(LEARNER)).post("/coaching/", request_form(languages=None, german_level="B1"))
    assert CoachingRequest.objects.get().languages == []


def test_learner_withdraws_a_request_that_has_no_coach_yet():
    learner = person(LEARNER)
    request = open_request(learner)
    response = client_for(learner).post(f"/coaching/requests/{request.pk}/close/")
    assert response["Location"] == "/coaching/"
    request.refresh_from_db()
    assert request.status == RequestStatus.CLOSED


def test_learner_with_a_coach_sees_the_coach_and_the_next_meeting_but_no_notes():
    learner = person(LEARNER)
    coach = make_coach(name="Samira Haddad")
    mentorship = mentorship_for(coach, learner)
    start = timezone.now() + dt.timedelta(days=2)
    Meeting.objects.create(mentorship=mentorship, starts_at=start,
                           ends_at=start + dt.timedelta(hours=1), place="Stadtbücherei")  # fmt: skip
    CoachNote.objects.create(mentorship=mentorship, author=coach, text="Private remark")
    Milestone.objects.create(mentorship=mentorship, kind="application_sent",
                             occurred_on=timezone.localdate())  # fmt: skip
    client = client_for(learner)

    page = client.get("/coaching/").content.decode()

    assert "Samira Haddad" in page
    assert coach.email in page
    assert "Stadtbücherei" in page
    assert "Application sent" in page
    assert "Private remark" not in page
    assert client.get(f"/mentorships/{mentorship.pk}/").status_code == 403


# --- Coaches: proposals -------------------------------------------------------------------------


def test_coach_sees_the_needs_the_reasons_and_the_first_name_but_no_contact():
    coach = make_coach()
    coach.preferred_language = "en"
    coach.save()
    learner = person(LEARNER, full_name="Amal Unique-Name", phone="0171 555")
    proposal = approved_proposal(coach, open_request(learner))

    page = client_for(coach).get("/coach/proposals/").content.decode()

    assert f"/coach/proposals/{proposal.pk}/accept/" in page
    assert "Speaks Arabic (fluent)" in page
    assert "Bad Rappenau" in page
    assert "<dd>Amal</dd>" in page
    assert "Unique-Name" not in page and learner.email not in page and "0171" not in page


def test_decline_without_a_reason_is_refused_and_changes_nothing():
    coach = make_coach()
    proposal = approved_proposal(coach)
    response = client_for(coach).post(f"/coach/proposals/{proposal.pk}/decline/", {"reason": " "})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    assert proposal.request.status == RequestStatus.PROPOSED


def test_decline_with_a_reason_reopens_the_request():
    coach = make_coach()
    proposal = approved_proposal(coach)
    response = client_for(coach).post(
        f"/coach/proposals/{proposal.pk}/decline/", {"reason": "Keine Zeit mehr"}
    )
    assert response["Location"] == "/coach/proposals/"
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decline_reason) == ("declined", "Keine Zeit mehr")
    assert proposal.request.status == RequestStatus.OPEN


def test_accept_begins_the_mentorship_and_opens_it():
    coach = make_coach()
    proposal = approved_proposal(coach)
    response = client_for(coach).post(f"/coach/proposals/{proposal.pk}/accept/")
    mentorship = Mentorship.objects.get()
    assert response["Location"] == f"/mentorships/{mentorship.pk}/"
    assert mentorship.coach == coach
    assert mentorship.request.status == RequestStatus.MATCHED
    assert (
        proposal.request.learner.email
        in client_for(coach).get(response["Location"]).content.decode()
    )


def test_expired_proposal_cannot_be_accepted():
    coach = make_coach()
    proposal = approved_proposal(coach)
    MatchProposal.objects.filter(pk=proposal.pk).update(expires_at=timezone.now())
    response = client_for(coach).post(f"/coach/proposals/{proposal.pk}/accept/", follow=True)
    assert not Mentorship.objects.exists()
    assert b"message--error" in response.content


# --- Coaches: mentorships ------------------------------------------------------------------------


def test_coach_schedules_a_meeting_and_the_learner_is_invited():
    coach = make_coach()
    mentorship = mentorship_for(coach)
    client = client_for(coach)

    response = client.post(f"/mentorships/{mentorship.pk}/meetings/new/", meeting_form())

    assert response["Location"] == f"/mentorships/{mentorship.pk}/"
    meeting = Meeting.objects.get()
    local_start = timezone.localtime(meeting.starts_at)
    assert (local_start.hour, local_start.minute) == (10, 0)
    assert meeting.place == "Rathaus Bad Rappenau"
    assert Notification.objects.filter(
        recipient=mentorship.learner, kind="meeting_scheduled"
    ).exists()
    # The office organizes; the coach is an attendee and gets the invitation too.
    assert Notification.objects.filter(recipient=coach, kind="meeting_scheduled").exists()
    assert "Rathaus Bad Rappenau" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (meeting_form(start="11:00", end="10:00"), "end"),
        (meeting_form(days=-2), "start"),
        (meeting_form(place=""), "place"),
    ],
    ids=["ends before it starts", "in the past", "nowhere"],
)
def test_meeting_refused_by_the_service_is_shown_on_its_field(form, field):
    coach = make_coach()
    mentorship = mentorship_for(coach)
    response = client_for(coach).post(f"/mentorships/{mentorship.pk}/meetings/new/", form)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Meeting.objects.exists()
    assert not Notification.objects.exists()


def test_coach_moves_and_cancels_a_meeting():
    coach = make_coach()
    mentorship = mentorship_for(coach)
    start = timezone.now() + dt.timedelta(days=2)
    meeting = Meeting.objects.create(mentorship=mentorship, starts_at=start,
                                     ends_at=start + dt.timedelta(hours=1), place="Rathaus")  # fmt: skip
    client = client_for(coach)
    assert b'value="Rathaus"' in client.get(f"/meetings/{meeting.pk}/move/").content

    client.post(f"/meetings/{meeting.pk}/move/", meeting_form(days=6, start="15:00", end="16:30"))
    meeting.refresh_from_db()
    assert timezone.localtime(meeting.starts_at).date() == timezone.localdate() + dt.timedelta(6)
    assert meeting.sequence == 1
    assert Notification.objects.filter(
        recipient=mentorship.learner, kind="meeting_changed"
    ).exists()

    client.post(f"/meetings/{meeting.pk}/cancel/")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert Notification.objects.filter(
        recipient=mentorship.learner, kind="meeting_cancelled"
    ).exists()


def test_coach_adds_a_note_and_an_empty_note_is_refused():
    coach = make_coach()
    mentorship = mentorship_for(coach)
    client = client_for(coach)
    empty = client.post(f"/mentorships/{mentorship.pk}/notes/", {"text": "   "})
    assert "text" in empty.context["note_form"].errors
    assert not CoachNote.objects.exists()

    client.post(f"/mentorships/{mentorship.pk}/notes/", {"text": "CV angefangen."})
    assert CoachNote.objects.get().author == coach
    assert "CV angefangen." in client.get(f"/mentorships/{mentorship.pk}/").content.decode()
    # The coach's own notes are not an access (reading the mentee on the page is one).
    assert not AccessLog.objects.filter(what="coach_notes").exists()
    assert AccessLog.objects.filter(actor=coach, what="mentee").exists()


def test_coordinator_reads_notes_only_on_purpose_and_that_is_logged():
    coach = make_coach()
    mentorship = mentorship_for(coach)
    CoachNote.objects.create(mentorship=mentorship, author=coach, text="Sensitive detail")
    coordinator = person(COORDINATOR)
    client = client_for(coordinator)

    overview = client.get(f"/mentorships/{mentorship.pk}/").content.decode()
    assert "Sensitive detail" not in overview
    assert not AccessLog.objects.filter(what="coach_notes").exists()

    page = client.get(f"/mentorships/{mentorship.pk}/?notes=show").content.decode()
    assert "Sensitive detail" in page
    log = AccessLog.objects.get(what="coach_notes")
    assert (log.actor, log.subject) == (coordinator, mentorship.learner)


def test_coach_records_a_milestone_but_not_in_the_future():
    coach = make_coach()
    mentorship = mentorship_for(coach)
    client = client_for(coach)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    future = client.post(f"/mentorships/{mentorship.pk}/milestones/",
                         {"kind": "interview", "occurred_on": tomorrow})  # fmt: skip
    assert "occurred_on" in future.context["milestone_form"].errors
    assert not Milestone.objects.exists()
    client.post(f"/mentorships/{mentorship.pk}/milestones/",
                {"kind": "interview", "occurred_on": timezone.localdate().isoformat()})  # fmt: skip
    assert Milestone.objects.get().recorded_by == coach


def test_coach_ends_the_mentorship_with_a_reason():
    coach = make_coach()
    mentorship = mentorship_for(coach)
    client = client_for(coach)
    assert "reason" in client.post(f"/mentorships/{mentorship.pk}/end/", {}).context["form"].errors
    client.post(f"/mentorships/{mentorship.pk}/end/", {"reason": "job_found"})
    mentorship.refresh_from_db()
    assert (mentorship.is_active, mentorship.end_reason) == (False, "job_found")
    assert b"/notes/" not in client.get(f"/mentorships/{mentorship.pk}/").content


def test_other_coach_cannot_see_or_touch_a_mentorship():
    mentorship = mentorship_for(make_coach())
    stranger = client_for(make_coach(name="Stranger"))
    assert stranger.get(f"/mentorships/{mentorship.pk}/").status_code == 404
    assert stranger.post(f"/mentorships/{mentorship.pk}/notes/", {"text": "x"}).status_code == 404
    assert not CoachNote.objects.exists()


# --- Coaches: profile ------------------------------------------------------------------------------


def profile_form(**overrides) -> dict:
    data = {
        "programmes": ["jobcoaching", "care_language"], "lang_0_code": "tr",
        "lang_0_level": "native", "lang_1_code": "en", "lang_1_level": "good",
        "municipality": municipality("Eppingen").pk, "travel_radius_km": "25",
        "online_ok": "on", "capacity": "3", "skills": ["interview", "trades"],
        "gender": "female", "is_active": "on", "slot_0_day": "2", "slot_0_start": "17:00",
        "slot_0_end": "19:30", "police_certificate_seen_on": "2026-01-01",
        "volunteer_agreement_signed": "on",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_coach_saves_own_profile_but_not_the_onboarding_checks():
    coach = person(COACH)
    client = client_for(coach)
    assert client.get("/coach/profile/").status_code == 200

    response = client.post("/coach/profile/", profile_form())

    assert response["Location"] == "/coach/profile/"
    profile = CoachProfile.objects.get(user=coach)
    assert profile.languages == [{"code": "tr", "level": "native"}, {"code": "en", "level": "good"}]
    assert profile.availability == [{"weekday": 2, "start": "17:00", "end": "19:30"}]
    assert (profile.capacity, profile.travel_radius_km, profile.online_ok) == (3, 25, True)
    assert profile.police_certificate_seen_on is None
    assert profile.volunteer_agreement_signed is False
    page = client.get("/coach/profile/").content.decode()
    assert 'value="17:00"' in page
    assert "not seen yet" in page


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"slot_0_end": "16:00"}, "slot_0_end"),
        ({"lang_0_code": "", "lang_0_level": "", "lang_1_code": "", "lang_1_level": ""},
         "lang_0_code"),
        ({"lang_1_code": "tr"}, "lang_1_code"),
        ({"programmes": []}, "programmes"),
        ({"capacity": "50"}, "capacity"),
    ],
    ids=["ends before it starts", "no language", "language twice", "no programme", "too many"],
)  # fmt: skip
def test_bad_profile_input_is_shown_on_its_field_and_saves_nothing(overrides, field):
    response = client_for(person(COACH)).post("/coach/profile/", profile_form(**overrides))
    assert field in response.context["form"].errors
    assert not CoachProfile.objects.exists()


# --- Coordinators ---------------------------------------------------------------------------------


def test_coordinator_runs_matching_and_the_run_page_explains_the_results():
    coach = make_coach(name="Samira Coach")
    request = open_request()
    stranded = open_request(languages=["ti"], german_level="none")
    client = client_for(person(COORDINATOR))

    response = client.post("/manage/coaching/run/", {"programme": ""})

    run = MatchingRun.objects.get()
    assert response["Location"] == f"/manage/coaching/runs/{run.pk}/"
    page = client.get(response["Location"]).content.decode()
    proposal = MatchProposal.objects.get(run=run)
    assert (proposal.request, proposal.coach) == (request, coach)
    assert "Samira Coach" in page
    assert "Speaks Arabic" in page
    assert f"/manage/coaching/proposals/{proposal.pk}/approve/" in page
    assert "No active coach speaks Tigrinya" in page
    assert stranded.learner.get_full_name() in page


def test_requests_page_shows_why_requests_stayed_unmatched():
    make_coach()
    stranded = open_request(languages=["ti"], german_level="none")
    coordinator = person(COORDINATOR)
    services.start_matching_run(by=coordinator)
    page = client_for(coordinator).get("/manage/coaching/").content.decode()
    assert stranded.learner.get_full_name() in page
    assert "No active coach speaks Tigrinya" in page


def test_coordinator_approves_a_proposal_and_the_coach_is_told():
    coach = make_coach()
    open_request()
    coordinator = person(COORDINATOR)
    run = services.start_matching_run(by=coordinator)
    proposal = run.proposals.get()
    client = client_for(coordinator)

    response = client.post(f"/manage/coaching/proposals/{proposal.pk}/approve/",
                           {"next": f"/manage/coaching/runs/{run.pk}/"})  # fmt: skip

    assert response["Location"] == f"/manage/coaching/runs/{run.pk}/"
    proposal.refresh_from_db()
    assert (proposal.status, proposal.approved_by) == (ProposalStatus.APPROVED, coordinator)
    assert Notification.objects.filter(recipient=coach, kind="match_proposed").exists()
    assert "Waiting for the coach" in client.get(response["Location"]).content.decode()


def test_approve_ignores_a_next_address_off_the_site():
    make_coach()
    open_request()
    coordinator = person(COORDINATOR)
    run = services.start_matching_run(by=coordinator)
    response = client_for(coordinator).post(
        f"/manage/coaching/proposals/{run.proposals.get().pk}/approve/",
        {"next": "https://evil.example/"},
    )
    assert response["Location"] == f"/manage/coaching/runs/{run.pk}/"


def test_approve_all_approves_every_waiting_proposal_of_the_run():
    make_coach(capacity=5)
    open_request(), open_request()
    coordinator = person(COORDINATOR)
    run = services.start_matching_run(by=coordinator)
    client_for(coordinator).post(f"/manage/coaching/runs/{run.pk}/approve/")
    assert set(run.proposals.values_list("status", flat=True)) == {ProposalStatus.APPROVED}
    assert run.proposals.count() == 2


def test_manual_proposal_shows_broken_rules_and_needs_the_override():
    far_coach = make_coach(name="Far Coach", municipality=municipality("Wüstenrot"),
                           travel_radius_km=5)  # fmt: skip
    request = open_request()
    client = client_for(person(COORDINATOR))
    url = f"/manage/coaching/requests/{request.pk}/propose/"
    assert b'name="override"' not in client.get(url).content

    refused = client.post(url, {"coach": far_coach.coach_profile.pk})

    page = refused.content.decode()
    assert "Too far for the coach" in page
    assert 'name="override"' in page
    assert not MatchProposal.objects.exists()
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN

    done = client.post(url, {"coach": far_coach.coach_profile.pk, "override": "on"})

    assert done["Location"] == "/manage/coaching/"
    proposal = MatchProposal.objects.get()
    assert proposal.overridden_rules == ["too_far"]
    assert proposal.status == ProposalStatus.APPROVED


def test_manual_proposal_that_breaks_nothing_goes_straight_to_the_coach():
    coach = make_coach()
    request = open_request()
    client_for(person(COORDINATOR)).post(
        f"/manage/coaching/requests/{request.pk}/propose/", {"coach": coach.coach_profile.pk}
    )
    proposal = MatchProposal.objects.get()
    assert (proposal.coach, proposal.overridden_rules) == (coach, [])


# --- Bounded queries -----------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_mentees_page_costs_the_same_for_3_and_12_mentees():
    coach = make_coach(capacity=20)
    client = client_for(coach)

    def add(n):
        for _ in range(n):
            mentorship = mentorship_for(coach)
            start = timezone.now() + dt.timedelta(days=1)
            Meeting.objects.create(mentorship=mentorship, starts_at=start,
                                   ends_at=start + dt.timedelta(hours=1), place="Rathaus")  # fmt: skip

    add(3)
    few = count_queries(client, "/coach/mentees/")
    add(9)
    assert count_queries(client, "/coach/mentees/") == few


def test_proposals_page_costs_the_same_for_3_and_12_proposals():
    coach = make_coach(capacity=20)
    client = client_for(coach)
    for _ in range(3):
        approved_proposal(coach)
    few = count_queries(client, "/coach/proposals/")
    for _ in range(9):
        approved_proposal(coach)
    assert count_queries(client, "/coach/proposals/") == few


def test_requests_page_costs_the_same_for_3_and_12_of_everything():
    coordinator = person(COORDINATOR)
    client = client_for(coordinator)
    coach = make_coach(capacity=30)

    def add(n):
        for _ in range(n):
            open_request(languages=["ti"], german_level="none")  # stays unmatched
            MatchProposal.objects.create(request=open_request(status="proposed"), coach=coach)
            approved_proposal(coach)
        services.start_matching_run(by=coordinator)

    add(3)
    few = count_queries(client, "/manage/coaching/")
    add(9)
    assert count_queries(client, "/manage/coaching/") == few


def test_run_page_costs_the_same_for_3_and_12_proposals():
    coordinator = person(COORDINATOR)
    client = client_for(coordinator)
    make_coach(capacity=30)
    for _ in range(3):
        open_request()
        open_request(languages=["ti"], german_level="none")
    few_run = services.start_matching_run(by=coordinator)
    few = count_queries(client, f"/manage/coaching/runs/{few_run.pk}/")
    for _ in range(9):
        open_request()
        open_request(languages=["ti"], german_level="none")
    many_run = services.start_matching_run(by=coordinator)
    assert many_run.proposals.count() == 12
    assert count_queries(client, f"/manage/coaching/runs/{many_run.pk}/") == few


def test_rows_posted_beyond_the_shown_ones_are_kept():
    """A phone browser may send more rows than the page showed (e.g. after a refresh)."""
    coach = person(COACH)
    extra = {"slot_6_day": "5", "slot_6_start": "10:00", "slot_6_end": "12:00"}
    client_for(coach).post("/coach/profile/", profile_form(**extra))
    assert CoachProfile.objects.get(user=coach).availability == [
        {"weekday": 2, "start": "17:00", "end": "19:30"},
        {"weekday": 5, "start": "10:00", "end": "12:00"},
    ]


def test_approve_with_htmx_answers_the_updated_card_only():
    make_coach()
    open_request()
    coordinator = person(COORDINATOR)
    run = services.start_matching_run(by=coordinator)
    proposal = run.proposals.get()
    url = f"/manage/coaching/proposals/{proposal.pk}/approve/"

    response = client_for(coordinator).post(url, headers={"HX-Request": "true"})

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<li class="card" id="proposal-')
    assert "Waiting for the coach" in page and url not in page
    again = client_for(coordinator).post(url, headers={"HX-Request": "true"}).content.decode()
    assert 'role="alert"' in again  # already approved: said in the card, nothing changes


def test_date_fields_keep_their_value_in_german_for_the_browser_date_picker():
    """<input type=date> only understands YYYY-MM-DD; a German 30.03.2027 shows empty."""
    from coaching.forms import MeetingForm, MilestoneForm

    with translation.override("de"):
        milestone = str(MilestoneForm()["occurred_on"])
        meeting = str(MeetingForm(initial={"date": dt.date(2027, 3, 30)})["date"])
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in milestone
    assert 'value="2027-03-30"' in meeting


def test_propose_by_hand_offers_only_active_people_with_the_coach_role():
    from accounts.models import User
    from coaching.selectors import coach_choices

    active = make_coach(name="Aktive Coachin")
    left = make_coach(name="Ausgeschieden")
    User.objects.filter(pk=left.pk).update(is_active=False)
    former = make_coach(name="Keine Rolle mehr")
    former.groups.clear()
    assert [profile.user for profile in coach_choices()] == [active]
