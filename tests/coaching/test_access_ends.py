"""Access ends when the reason ends: after a mentorship ends its coach keeps a
summary (first name, period, milestones' titles and dates), reads no contact
details, needs, notes or meetings, and adds nothing — through the API and the
pages alike. While it runs, the coach sees the learner's phone number only with
the learner's consent. Coordinators keep seeing everything."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.constants import ConsentPurpose, ConsentVia
from accounts.roles import COORDINATOR, LEARNER
from accounts.services import record_consent
from coaching import services
from coaching.models import CoachNote, Meeting, Milestone

from ..calendars.conftest import make_meeting, make_mentorship
from ..factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2031, 3, 12, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def ended():
    """A mentorship with a meeting held, a note and a milestone, then ended by the coach."""
    with time_machine.travel(NOW - dt.timedelta(days=30), tick=False):
        learner = UserFactory(roles=[LEARNER], full_name="Lina Lernende",
                              email="lina@example.org", phone="+4971311234567")  # fmt: skip
        mentorship = make_mentorship(learner=learner)
        record_consent(person=learner, purpose=ConsentPurpose.SHARE_PHONE_WITH_COACH,
                       given=True, via=ConsentVia.PROFILE)  # fmt: skip
        make_meeting(mentorship, days=2, place="Bei Lina zu Hause, Hauptstraße 5")
        services.add_note(mentorship=mentorship, author=mentorship.coach, text="Sucht Nachtdienst")
        services.record_milestone(mentorship=mentorship, by=mentorship.coach, kind="interview",
                                  occurred_on=timezone.localdate(), note="Bei Pflegeheim Sonne")  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        services.end_mentorship(mentorship=mentorship, by=mentorship.coach, reason="job_found")
    mentorship.refresh_from_db()
    return mentorship


def url(mentorship, tail=""):
    return f"/api/v1/coaching/mentorships/{mentorship.pk}/{tail}"


def test_while_running_the_coach_sees_contact_and_the_phone_only_with_consent(as_user):
    learner = UserFactory(roles=[LEARNER], full_name="Lina Lernende", phone="+4971311234567")
    mentorship = make_mentorship(learner=learner)
    coach = as_user(mentorship.coach)
    seen = coach.get(url(mentorship)).json()
    assert seen["summary_only"] is False
    assert seen["learner"] == {"id": learner.pk, "name": "Lina Lernende",
                               "email": learner.email, "phone": ""}  # fmt: skip
    assert coach.get("/api/v1/coaching/mentorships/").json()["results"][0]["learner"]["phone"] == ""
    record_consent(person=learner, purpose=ConsentPurpose.SHARE_PHONE_WITH_COACH, given=True,
                   via=ConsentVia.API)  # fmt: skip
    assert coach.get(url(mentorship)).json()["learner"]["phone"] == "+4971311234567"
    page = _page(mentorship.coach, f"/mentorships/{mentorship.pk}/")
    assert "+4971311234567" in page and learner.email in page
    record_consent(person=learner, purpose=ConsentPurpose.SHARE_PHONE_WITH_COACH, given=False,
                   via=ConsentVia.API)  # fmt: skip
    assert coach.get(url(mentorship)).json()["learner"]["phone"] == ""
    assert "+4971311234567" not in _page(mentorship.coach, f"/mentorships/{mentorship.pk}/")
    # the office sees the number whatever the consent says (it registers people by phone)
    office = as_user(UserFactory(roles=[COORDINATOR]))
    assert office.get(url(mentorship)).json()["learner"]["phone"] == "+4971311234567"


def test_after_the_end_the_coach_gets_the_summary_through_the_api(ended, as_user):
    coach = as_user(ended.coach)
    seen = coach.get(url(ended)).json()
    assert seen["summary_only"] is True
    assert seen["learner"] == {"id": ended.learner_id, "name": "Lina", "email": None, "phone": ""}
    assert seen["upcoming_meetings"] == []
    assert seen["started_at"] and seen["ended_at"] and seen["end_reason"] == "job_found"
    listed = coach.get("/api/v1/coaching/mentorships/").json()["results"]
    assert [row["learner"]["email"] for row in listed] == [None]
    milestones = coach.get(url(ended, "milestones/")).json()
    assert [(m["kind"], m["note"]) for m in milestones] == [("interview", "")]
    for tail in ("notes/", "meetings/"):
        refused = coach.get(url(ended, tail))
        assert refused.status_code == 409, tail
        assert refused.json()["error"]["code"] == "mentorship_ended"


def test_after_the_end_the_coach_adds_and_changes_nothing(ended, as_user):
    coach = as_user(ended.coach)
    milestone = Milestone.objects.get(mentorship=ended)
    note = CoachNote.objects.get(mentorship=ended)
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        start = (timezone.now() + dt.timedelta(days=1)).isoformat()
        end = (timezone.now() + dt.timedelta(days=1, hours=1)).isoformat()
        attempts = [
            coach.post(url(ended, "milestones/"),
                       {"kind": "job_started", "occurred_on": str(timezone.localdate())},
                       format="json"),
            coach.post(url(ended, "meetings/"),
                       {"starts_at": start, "ends_at": end, "place": "Rathaus"}, format="json"),
            coach.post(url(ended, "notes/"), {"text": "Noch etwas"}, format="json"),
            coach.patch(url(ended, f"milestones/{milestone.pk}/"), {"kind": "job_offer"},
                        format="json"),
            coach.delete(url(ended, f"milestones/{milestone.pk}/")),
            coach.patch(url(ended, f"notes/{note.pk}/"), {"text": "Anders"}, format="json"),
        ]  # fmt: skip
    for response in attempts:
        assert response.status_code == 409, response.json()
        assert response.json()["error"]["code"] == "mentorship_ended"
    assert Milestone.objects.filter(mentorship=ended).count() == 1
    assert CoachNote.objects.filter(mentorship=ended).count() == 1
    assert Meeting.objects.filter(mentorship=ended).count() == 1
    milestone.refresh_from_db()
    assert milestone.kind == "interview"


def test_the_office_still_reads_everything_and_corrects_milestones(ended, as_user):
    office = as_user(UserFactory(roles=[COORDINATOR]))
    seen = office.get(url(ended)).json()
    assert seen["summary_only"] is False and seen["learner"]["email"] == "lina@example.org"
    assert office.get(url(ended, "notes/")).json()[0]["text"] == "Sucht Nachtdienst"
    assert office.get(url(ended, "milestones/")).json()[0]["note"] == "Bei Pflegeheim Sonne"
    milestone = Milestone.objects.get(mentorship=ended)
    with time_machine.travel(NOW, tick=False):
        fixed = office.patch(url(ended, f"milestones/{milestone.pk}/"), {"kind": "job_offer"},
                             format="json")  # fmt: skip
    assert fixed.status_code == 200, fixed.json()


def _page(user, path, status=200):
    browser = Client()
    browser.force_login(user)
    response = browser.get(path)
    assert response.status_code == status
    return response.content.decode()


def test_after_the_end_the_pages_show_the_coach_the_summary_without_forms(ended):
    page = _page(ended.coach, f"/mentorships/{ended.pk}/")
    assert "<h1>Lina</h1>" in page and "Lernende" not in page
    for secret in ("lina@example.org", "+4971311234567", "Sucht Nachtdienst", "Hauptstraße 5",
                   "Bei Pflegeheim Sonne", "Haus der Pflege"):  # fmt: skip
        assert secret not in page, secret
    main = page.split("<main", 1)[1].split("</main>")[0]
    for form in ("<form", "meetings/new/", f"/mentorships/{ended.pk}/end/", "/notes/"):
        assert form not in main, form
    assert "Vorstellungsgespräch" in main  # the milestone's title (the coach reads German)
    mentees = _page(ended.coach, "/coach/mentees/")
    assert "Lina" in mentees and "Lina Lernende" not in mentees


def test_after_the_end_the_forms_are_gone_and_posting_adds_nothing(ended):
    browser = Client()
    browser.force_login(ended.coach)
    note = CoachNote.objects.get(mentorship=ended)
    milestone = Milestone.objects.get(mentorship=ended)
    meeting = Meeting.objects.get(mentorship=ended)
    for path in (f"/mentorships/{ended.pk}/notes/{note.pk}/",
                 f"/mentorships/{ended.pk}/milestones/{milestone.pk}/",
                 f"/mentorships/{ended.pk}/meetings/new/", f"/mentorships/{ended.pk}/end/",
                 f"/meetings/{meeting.pk}/move/", f"/meetings/{meeting.pk}/cancel/"):  # fmt: skip
        assert browser.get(path).status_code == 404, path
    assert browser.post(f"/mentorships/{ended.pk}/notes/", {"text": "Noch"}).status_code == 404
    with time_machine.travel(NOW, tick=False):
        browser.post(f"/mentorships/{ended.pk}/milestones/",
                     {"kind": "job_started", "occurred_on": "2031-03-12"})  # fmt: skip
    # the office still opens them
    office = Client()
    office.force_login(UserFactory(roles=[COORDINATOR]))
    assert office.get(f"/mentorships/{ended.pk}/milestones/{milestone.pk}/").status_code == 200
    assert CoachNote.objects.filter(mentorship=ended).count() == 1
    assert Milestone.objects.filter(mentorship=ended).count() == 1
