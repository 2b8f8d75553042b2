"""Meetings and milestones keep to sensible dates, through the API and the
pages alike (the rule is in coaching/services.py): no meeting in the past,
more than MEETING_MAX_DAYS_AHEAD ahead or longer than MEETING_MAX_HOURS; no
milestone in the future or more than MILESTONE_MAX_DAYS_BACK ago."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from coaching.constants import MEETING_MAX_DAYS_AHEAD, MEETING_MAX_HOURS, MILESTONE_MAX_DAYS_BACK
from coaching.models import Meeting, Milestone
from notifications.models import Notification

from .test_views import client_for, make_coach, meeting_form, mentorship_for

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2027, 3, 10, 10, 0, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def mentorship():
    return mentorship_for(make_coach())


def _meeting(as_user, mentorship, starts_at, hours=1):
    return as_user(mentorship.coach).post(
        f"/api/v1/coaching/mentorships/{mentorship.pk}/meetings/",
        {"starts_at": starts_at.isoformat(),
         "ends_at": (starts_at + dt.timedelta(hours=hours)).isoformat(), "place": "Rathaus"},
        format="json",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("starts_at", "hours", "field"),
    [
        (dt.datetime(9999, 12, 30, 10, tzinfo=BERLIN), 1, "starts_at"),
        (NOW + dt.timedelta(days=MEETING_MAX_DAYS_AHEAD, hours=1), 1, "starts_at"),
        (NOW - dt.timedelta(hours=1), 1, "starts_at"),
        (NOW + dt.timedelta(days=2), MEETING_MAX_HOURS + 1, "ends_at"),
        (NOW + dt.timedelta(days=2), 24 * 365 * 3, "ends_at"),
    ],
    ids=["year 9999", "beyond the horizon", "in the past", "too long", "three years long"],
)
def test_a_meeting_beyond_sense_is_refused(as_user, mentorship, starts_at, hours, field):
    response = _meeting(as_user, mentorship, starts_at, hours)
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]
    assert not Meeting.objects.exists() and not Notification.objects.exists()


def test_a_meeting_at_the_limits_is_accepted(as_user, mentorship):
    response = _meeting(
        as_user, mentorship, NOW + dt.timedelta(days=MEETING_MAX_DAYS_AHEAD), MEETING_MAX_HOURS
    )
    assert response.status_code == 201, response.json()


def test_a_meeting_cannot_be_moved_years_ahead(as_user, mentorship):
    meeting_id = _meeting(as_user, mentorship, NOW + dt.timedelta(days=2)).json()["id"]
    later = dt.datetime(9999, 12, 30, 10, tzinfo=BERLIN)
    response = as_user(mentorship.coach).post(
        f"/api/v1/coaching/meetings/{meeting_id}/move/",
        {"starts_at": later.isoformat(), "ends_at": (later + dt.timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    meeting = Meeting.objects.get(pk=meeting_id)
    assert (meeting.sequence, meeting.starts_at) == (0, NOW + dt.timedelta(days=2))


def test_the_meeting_page_shows_the_refusal_on_the_date(mentorship):
    form = meeting_form(days=MEETING_MAX_DAYS_AHEAD + 2)
    response = client_for(mentorship.coach).post(
        f"/mentorships/{mentorship.pk}/meetings/new/", form
    )
    assert response.status_code == 200
    assert str(MEETING_MAX_DAYS_AHEAD) in str(response.context["form"].errors["start"])
    assert not Meeting.objects.exists()


def _milestone(as_user, mentorship, day):
    return as_user(mentorship.coach).post(
        f"/api/v1/coaching/mentorships/{mentorship.pk}/milestones/",
        {"kind": "application_sent", "occurred_on": day.isoformat()}, format="json",
    )  # fmt: skip


@pytest.mark.parametrize(
    "days_ago", [-1, -3650, MILESTONE_MAX_DAYS_BACK + 1, 365 * 2000],
    ids=["tomorrow", "in ten years", "just too old", "two thousand years ago"],
)  # fmt: skip
def test_a_milestone_in_the_future_or_far_in_the_past_is_refused(as_user, mentorship, days_ago):
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    response = _milestone(as_user, mentorship, day)
    assert response.status_code == 400
    assert "occurred_on" in response.json()["error"]["fields"]
    assert not Milestone.objects.exists()


@pytest.mark.parametrize("days_ago", [0, MILESTONE_MAX_DAYS_BACK])
def test_a_milestone_today_or_at_the_oldest_allowed_day_is_accepted(as_user, mentorship, days_ago):
    response = _milestone(as_user, mentorship, timezone.localdate() - dt.timedelta(days=days_ago))
    assert response.status_code == 201, response.json()


def test_the_milestone_page_shows_the_refusal(mentorship):
    old = timezone.localdate() - dt.timedelta(days=MILESTONE_MAX_DAYS_BACK + 1)
    response = client_for(mentorship.coach).post(
        f"/mentorships/{mentorship.pk}/milestones/",
        {"kind": "application_sent", "occurred_on": old.isoformat()},
    )
    assert response.status_code == 200
    assert "occurred_on" in response.context["milestone_form"].errors
    assert not Milestone.objects.exists()
