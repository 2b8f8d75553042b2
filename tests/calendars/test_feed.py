"""The private feed: tokens, the .ics URL without login, caching, regions, the API."""

import datetime as dt
import hashlib
import logging
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import translation

from accounts.roles import COACH, COORDINATOR, LEARNER
from calendars import services
from calendars.models import FeedToken
from courses import services as course_services
from courses.constants import Format
from courses.models import CourseSession
from places.constants import Region

from ..factories import UserFactory, municipality
from .conftest import book, make_meeting, make_mentorship, spring_course
from .helpers import occurrences, parse, vevents

pytestmark = pytest.mark.django_db

ZOOM = "https://meet.example.org/kurs-geheim-123"


def fetch(token: str, query: str = "", **headers):
    return Client().get(f"/calendars/{token}.ics{query}", **headers)


def feed_uids(response) -> set[str]:
    return {str(event["UID"]) for event in vevents(response.content)}


# --- Tokens ---------------------------------------------------------------------------------


def test_token_is_stable_and_only_its_hash_is_stored(learner):
    token = services.feed_token(learner)
    assert services.feed_token(learner) == token
    assert len(token) == 43 and token.replace("-", "").replace("_", "").isalnum()
    record = FeedToken.objects.get(user=learner)
    assert record.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (record.nonce, record.token_hash)
    assert services.user_for_token(token) == learner


def test_tokens_differ_between_users(learner, other_learner):
    assert services.feed_token(learner) != services.feed_token(other_learner)


def test_rotation_revokes_the_old_token_at_once(learner):
    old = services.feed_token(learner)
    new = services.rotate_feed_token(learner)
    assert new != old
    assert services.user_for_token(old) is None
    assert services.user_for_token(new) == learner
    assert services.feed_token(learner) == new
    assert FeedToken.objects.filter(user=learner).count() == 1


def test_a_new_secret_key_revokes_every_feed_url(learner, settings):
    old = services.feed_token(learner)
    settings.SECRET_KEY = "another-secret-key-" + "x" * 50
    assert services.user_for_token(old) is None
    new = services.feed_token(learner)
    assert new != old and services.user_for_token(new) == learner


@pytest.mark.parametrize("guess", ["", "x", "a" * 43, "a" * 500])
def test_unknown_tokens_resolve_to_nobody(learner, guess):
    services.feed_token(learner)
    assert services.user_for_token(guess) is None


# --- The .ics URL ---------------------------------------------------------------------------


def test_feed_url_works_without_login_and_is_a_calendar(learner):
    course = spring_course()
    book(course, learner)
    response = fetch(services.feed_token(learner))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=900"
    calendar = parse(response.content)
    assert "METHOD" not in calendar
    assert feed_uids(response) == {f"course-{course.pk}@{settings.KURSLOTSE_CALENDAR_DOMAIN}"}
    assert len(occurrences(response.content)) == 5


def test_feed_and_invitation_share_the_uid(learner):
    from calendars.invitations import invitation_for

    course = spring_course()
    book(course, learner)
    _, ics = invitation_for(kind="course", object_id=course.pk, method="REQUEST", recipient=learner)
    assert feed_uids(fetch(services.feed_token(learner))) == {
        str(event["UID"]) for event in vevents(ics)
    }


def test_rotated_unknown_and_inactive_all_answer_404(learner):
    old = services.feed_token(learner)
    new = services.rotate_feed_token(learner)
    assert fetch(old).status_code == 404
    assert fetch("A" * 43).status_code == 404
    assert fetch(new).status_code == 200
    learner.is_active = False
    learner.save()
    assert fetch(new).status_code == 404


def test_the_token_never_reaches_the_log(learner, caplog):
    token = services.feed_token(learner)
    services.rotate_feed_token(learner)
    with caplog.at_level(logging.DEBUG):
        assert fetch(token).status_code == 404
        assert fetch(services.feed_token(learner) + "x").status_code == 404
    assert token not in caplog.text


# Before the spring course begins, so every move lands in the future on any day the suite runs.
@time_machine.travel(dt.datetime(2027, 1, 11, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")), tick=False)
def test_feed_revalidates_with_etag_and_changes_when_a_session_moves(learner):
    course = spring_course()
    book(course, learner)
    token = services.feed_token(learner)
    first = fetch(token)
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    again = fetch(token, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and again["Cache-Control"] == "private, max-age=900"

    session = CourseSession.objects.filter(course=course).order_by("date").first()
    course_services.move_session(
        session=session, to_date=session.date + dt.timedelta(days=1),
        start_time=dt.time(10), end_time=dt.time(12),
    )  # fmt: skip
    changed = fetch(token, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_head_is_answered_too(learner):
    response = Client().head(f"/calendars/{services.feed_token(learner)}.ics")
    assert response.status_code == 200 and response["ETag"]


def test_no_online_link_for_someone_who_is_not_a_confirmed_participant(learner, other_learner):
    course = spring_course(
        seats=1, format=Format.ONLINE, municipality=None, online_meeting_link=ZOOM
    )
    book(course, other_learner)
    book(course, learner)  # waiting list
    assert ZOOM.encode() not in fetch(services.feed_token(learner)).content
    assert ZOOM.encode() in fetch(services.feed_token(other_learner)).content


def test_meetings_including_cancelled_ones_but_no_private_notes(mentorship):
    from coaching import services as coaching_services

    coaching_services.add_note(
        mentorship=mentorship, author=mentorship.coach, text="Privat: Sorgen um Aufenthalt"
    )
    meeting = make_meeting(mentorship)
    cancelled = make_meeting(mentorship, days=6)
    coaching_services.cancel_meeting(meeting=cancelled, by=mentorship.coach)
    response = fetch(services.feed_token(mentorship.learner))
    assert feed_uids(response) == {
        f"meeting-{meeting.pk}@{settings.KURSLOTSE_CALENDAR_DOMAIN}",
        f"meeting-{cancelled.pk}@{settings.KURSLOTSE_CALENDAR_DOMAIN}",
    }
    statuses = {o.uid: o.status for o in occurrences(response.content)}
    assert statuses[f"meeting-{cancelled.pk}@{settings.KURSLOTSE_CALENDAR_DOMAIN}"] == "CANCELLED"
    assert b"Sorgen" not in response.content
    assert feed_uids(fetch(services.feed_token(mentorship.coach))) == feed_uids(response)
    stranger = make_mentorship(learner=UserFactory(roles=[LEARNER]))
    assert not feed_uids(fetch(services.feed_token(stranger.learner)))


@pytest.mark.parametrize("role", [LEARNER, COACH])
def test_region_is_ignored_for_everyone_but_coordinators(role):
    user = UserFactory(roles=[role])
    spring_course()  # published in Bad Rappenau (NW)
    response = fetch(services.feed_token(user), "?region=NW")
    assert response.status_code == 200 and feed_uids(response) == set()


def test_region_feed_for_coordinators():
    coordinator = UserFactory(roles=[COORDINATOR])
    north_west = spring_course(format=Format.HYBRID, online_meeting_link=ZOOM)
    spring_course(municipality=municipality("Neckarsulm"))
    token = services.feed_token(coordinator)
    response = fetch(token, "?region=nw")
    assert feed_uids(response) == {f"course-{north_west.pk}@{settings.KURSLOTSE_CALENDAR_DOMAIN}"}
    assert ZOOM.encode() not in response.content
    with translation.override(coordinator.preferred_language):
        region_name = str(Region.NORTH_WEST.label)
    assert region_name in str(parse(response.content)["X-WR-CALNAME"])
    assert fetch(token).status_code == 200 and feed_uids(fetch(token)) == set()
    assert fetch(token, "?region=XX").status_code == 400


# --- The API --------------------------------------------------------------------------------


def test_api_shows_the_same_url_until_rotated(as_user, learner):
    client = as_user(learner)
    first = client.get("/api/v1/calendar/feed/")
    assert first.status_code == 200
    data = first.json()
    token = services.feed_token(learner)
    assert data["url"] == f"http://testserver/calendars/{token}.ics"
    assert data["webcal_url"] == f"webcal://testserver/calendars/{token}.ics"
    assert client.get("/api/v1/calendar/feed/").json() == data

    rotated = client.post("/api/v1/calendar/feed/rotate/")
    assert rotated.status_code == 200
    assert rotated.json()["url"] != data["url"]
    assert fetch(token).status_code == 404
    assert Client().get(rotated.json()["url"].removeprefix("http://testserver")).status_code == 200


@pytest.mark.parametrize("role", [LEARNER, COACH, COORDINATOR])
def test_every_role_has_a_feed(as_user, role):
    user = UserFactory(roles=[role])
    assert as_user(user).get("/api/v1/calendar/feed/").status_code == 200
    assert as_user(user).post("/api/v1/calendar/feed/rotate/").status_code == 200


def test_api_needs_a_signed_in_user(api):
    for method, path in (
        ("get", "/api/v1/calendar/feed/"),
        ("post", "/api/v1/calendar/feed/rotate/"),
    ):
        response = getattr(api, method)(path)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
    assert FeedToken.objects.count() == 0
