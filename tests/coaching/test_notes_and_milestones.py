"""A coach corrects or deletes their own notes; the coach or the office a milestone."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.roles import COORDINATOR
from coaching import services
from coaching.models import CoachNote, Milestone

from ..calendars.conftest import make_mentorship
from ..factories import UserFactory, make_coach

pytestmark = pytest.mark.django_db


def note_url(mentorship, note):
    return f"/api/v1/coaching/mentorships/{mentorship.pk}/notes/{note.pk}/"


def test_a_coach_rewrites_and_deletes_an_own_note(as_user):
    mentorship = make_mentorship()
    note = services.add_note(mentorship=mentorship, author=mentorship.coach, text="Entwurf")
    coach = as_user(mentorship.coach)
    response = coach.patch(note_url(mentorship, note), {"text": "  Lebenslauf fertig.  "},
                           format="json")  # fmt: skip
    assert response.status_code == 200 and response.json()["text"] == "Lebenslauf fertig."
    assert coach.patch(note_url(mentorship, note), {"text": " "}, format="json").status_code == 400
    note.refresh_from_db()
    assert note.text == "Lebenslauf fertig."  # a refused change changes nothing
    assert coach.delete(note_url(mentorship, note)).status_code == 204
    assert not CoachNote.objects.filter(pk=note.pk).exists()


def test_nobody_else_rewrites_a_coachs_note():
    mentorship = make_mentorship()
    note = services.add_note(mentorship=mentorship, author=mentorship.coach, text="Mein Text")
    office = UserFactory(roles=[COORDINATOR])
    with pytest.raises(services.NotAllowed):
        services.edit_note(note=note, by=office, text="Anders")
    with pytest.raises(services.NotAllowed):
        services.delete_note(note=note, by=make_coach(name="Andere"))
    note.refresh_from_db()
    assert note.text == "Mein Text"


def test_a_milestone_is_corrected_with_the_same_date_rules_and_deleted(as_user):
    mentorship = make_mentorship()
    today = timezone.localdate()
    milestone = services.record_milestone(mentorship=mentorship, by=mentorship.coach,
                                          kind="application_sent", occurred_on=today)  # fmt: skip
    url = f"/api/v1/coaching/mentorships/{mentorship.pk}/milestones/{milestone.pk}/"
    office = as_user(UserFactory(roles=[COORDINATOR]))
    response = office.patch(url, {"kind": "interview"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["kind"] == "interview" and response.json()["occurred_on"] == str(today)
    future = (today + dt.timedelta(days=2)).isoformat()
    refused = office.patch(url, {"occurred_on": future}, format="json")
    assert refused.status_code == 400 and "occurred_on" in refused.json()["error"]["fields"]
    milestone.refresh_from_db()
    assert milestone.occurred_on == today
    assert as_user(mentorship.coach).delete(url).status_code == 204
    assert not Milestone.objects.filter(pk=milestone.pk).exists()


def test_the_coach_changes_a_note_on_the_mentorship_page():
    mentorship = make_mentorship()
    note = services.add_note(mentorship=mentorship, author=mentorship.coach, text="Alt")
    browser = Client()
    browser.force_login(mentorship.coach)
    page = browser.get(f"/mentorships/{mentorship.pk}/").content.decode()
    edit = f"/mentorships/{mentorship.pk}/notes/{note.pk}/"
    assert f'href="{edit}"' in page
    response = browser.post(edit, {"text": "Neu"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.text == "Neu"
    browser.post(edit, {"text": "", "delete": "1"})
    assert not CoachNote.objects.filter(pk=note.pk).exists()
