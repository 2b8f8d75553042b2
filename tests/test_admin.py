"""The Django admin: coordinators (and superusers) only, every page renders,
no changelist grows its queries with its rows, nobody raises their own rights."""

import datetime as dt
import itertools

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import COACH, COORDINATOR, LEARNER
from backend.admin import CoordinatorPermissions
from coaching.models import (
    CoachingRequest,
    MatchingRun,
    MatchProposal,
    Meeting,
    Mentorship,
    Milestone,
    UnmatchedRequest,
)
from common.models import IdempotencyRecord
from courses import services as course_services
from notifications.models import Notification
from places.models import Municipality

from .factories import CourseFactory, ProviderFactory, UserFactory, VenueFactory, make_coach

pytestmark = pytest.mark.django_db

_n = itertools.count()

# Operations and secrets: Django model permissions, i.e. superusers only.
SUPERUSER_ONLY = {
    "django_celery_beat.periodictask", "django_celery_beat.clockedschedule",
    "django_celery_beat.crontabschedule", "django_celery_beat.solarschedule",
    "django_celery_beat.intervalschedule", "mfa.authenticator",
    "accounts.accesslog",  # the access trail: superusers look, nobody edits (test_access_trail)
}  # fmt: skip


def _request():
    learner = UserFactory(roles=[LEARNER])
    return CoachingRequest.objects.create(
        learner=learner, created_by=learner, programme="jobcoaching",
        municipality=Municipality.objects.first(),
    )  # fmt: skip


def _mentorship():
    request = _request()
    return Mentorship.objects.create(request=request, coach=make_coach(), learner=request.learner)


def _booking():
    return course_services.book_course(
        course=CourseFactory(), learner=UserFactory(roles=[LEARNER]), children_ages=[]
    )


def _course_message():
    booking = _booking()
    return course_services.send_course_message(
        course=booking.course, sender=UserFactory(roles=[COORDINATOR]), audience="participants",
        subject="Raum 2", body="Wir treffen uns in Raum 2.",
    )  # fmt: skip


def _run():
    run = MatchingRun.objects.create(started_by=UserFactory(roles=[COORDINATOR]))
    UnmatchedRequest.objects.create(run=run, request=_request(), reasons=[{"code": "too_far"}])
    return run


def _feed_token():
    from calendars.services import feed_token

    user = UserFactory(roles=[LEARNER])
    feed_token(user)
    return user.feed_token


def _municipality():
    i = next(_n)
    return Municipality.objects.create(
        name=f"Testort {i}", slug=f"testort-{i}", region="NE", postal_code="74000",
        latitude=49.2, longitude=9.2,
    )  # fmt: skip


MAKERS = {
    "accounts.user": lambda: UserFactory(roles=[LEARNER]),
    "account.emailaddress": lambda: UserFactory().emailaddress_set.first(),
    "places.municipality": _municipality,
    "places.venue": lambda: VenueFactory(),
    "courses.provider": lambda: ProviderFactory(name=f"Anbieter {next(_n)}"),
    "courses.course": lambda: CourseFactory(provider=ProviderFactory(), venue=VenueFactory()),
    "courses.booking": _booking,
    "courses.coursemessage": _course_message,
    "coaching.coachprofile": lambda: make_coach().coach_profile,
    "coaching.coachingrequest": _request,
    "coaching.matchingrun": _run,
    "coaching.matchproposal": lambda: MatchProposal.objects.create(
        request=_request(), coach=make_coach(), created_by=UserFactory()
    ),
    "coaching.mentorship": _mentorship,
    "coaching.meeting": lambda: Meeting.objects.create(
        mentorship=_mentorship(),
        starts_at=timezone.now(),
        ends_at=timezone.now() + dt.timedelta(hours=1),
    ),
    "coaching.milestone": lambda: Milestone.objects.create(
        mentorship=_mentorship(), kind="interview", occurred_on=timezone.localdate()
    ),
    "notifications.notification": lambda: Notification.objects.create(
        recipient=UserFactory(),
        kind="booking_confirmed",
        channel="email",
        status="failed",
        idempotency_key=f"admin-{next(_n)}",
        last_error="550",
    ),
    "calendars.feedtoken": _feed_token,
    "common.idempotencyrecord": lambda: IdempotencyRecord.objects.create(
        user=UserFactory(), key=f"key-{next(_n)}", scope="booking", fingerprint="0" * 64
    ),
}

OURS = sorted(
    model._meta.label_lower
    for model, model_admin in admin.site._registry.items()
    if isinstance(model_admin, CoordinatorPermissions)
)


def test_every_registered_model_is_either_for_coordinators_or_for_superusers():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(OURS) | SUPERUSER_ONLY
    assert set(OURS) == set(MAKERS)
    assert "auth.group" not in registered  # roles are data, given on a person's page


@pytest.fixture
def coordinator_client(coordinator):
    client = Client()
    client.force_login(coordinator)
    return client


def _url(label: str, view: str, *args) -> str:
    app, model = label.split(".")
    return reverse(f"admin:{app}_{model}_{view}", args=args)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


@pytest.mark.parametrize("label", OURS)
def test_changelist_renders_for_a_coordinator_with_queries_independent_of_rows(
    coordinator_client, label
):
    for _ in range(2):
        MAKERS[label]()
    url = _url(label, "changelist")
    coordinator_client.get(url)  # warm caches (content types, sessions)
    few = _queries(coordinator_client, url)
    for _ in range(8):
        MAKERS[label]()
    assert _queries(coordinator_client, url) == few


@pytest.mark.parametrize("label", OURS)
def test_change_and_add_pages_render_for_a_coordinator(coordinator_client, coordinator, label):
    obj = MAKERS[label]()
    assert coordinator_client.get(_url(label, "change", obj.pk)).status_code == 200
    model = type(obj)
    model_admin = admin.site._registry[model]
    request = type("R", (), {"user": coordinator})()
    expected = 200 if model_admin.has_add_permission(request) else 403
    assert coordinator_client.get(_url(label, "add")).status_code == expected


def test_search_and_filters_render(coordinator_client):
    MAKERS["courses.course"]()
    response = coordinator_client.get(
        _url("courses.course", "changelist"), {"q": "Deutsch", "status__exact": "published"}
    )
    assert response.status_code == 200 and b"Deutsch A1" in response.content
    assert coordinator_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "courses", "model_name": "course", "field_name": "municipality",
         "term": "Bad"},
    ).status_code == 200  # fmt: skip


@pytest.mark.parametrize("label", sorted(SUPERUSER_ONLY))
def test_operations_and_secrets_are_for_superusers_only(coordinator_client, label):
    assert coordinator_client.get(_url(label, "changelist")).status_code == 403
    superuser = User.objects.create_superuser(email=f"root{next(_n)}@example.org", password="x")
    client = Client()
    client.force_login(superuser)
    assert client.get(_url(label, "changelist")).status_code == 200


@pytest.mark.parametrize("role", [LEARNER, COACH])
def test_learners_and_coaches_are_refused_even_as_staff(role):
    user = UserFactory(roles=[role], is_staff=True)
    client = Client()
    client.force_login(user)
    for url in ["/admin/", _url("courses.booking", "changelist"), "/admin/login/"]:
        response = client.get(url, follow=True)
        assert response.status_code == 403, url


def test_visitors_are_sent_to_the_normal_sign_in():
    response = Client().get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert "next=/admin/" in response.redirect_chain[-1][0]


def test_a_coordinator_without_the_required_second_factor_is_sent_to_set_it_up(
    settings, coordinator_client
):
    settings.KURSLOTSE_COORDINATOR_MFA_REQUIRED = True
    response = coordinator_client.get("/admin/", follow=True)
    assert reverse("mfa_activate_totp") in [url for url, _status in response.redirect_chain]
    assert b"Django administration" not in response.content


def test_a_superuser_without_a_role_gets_in_for_emergencies():
    client = Client()
    client.force_login(User.objects.create_superuser(email="root@example.org", password="x"))
    assert client.get("/admin/").status_code == 200


def test_a_coordinator_cannot_make_anyone_superuser(coordinator_client, coordinator):
    url = _url("accounts.user", "change", coordinator.pk)
    response = coordinator_client.post(url, {
        "email": coordinator.email, "full_name": "Koordination", "preferred_language": "de",
        "phone": "", "home_municipality": "", "notification_channels": '["email"]',
        "is_active": "on", "is_staff": "on", "is_superuser": "on",
        "groups": list(coordinator.groups.values_list("pk", flat=True)),
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    coordinator.refresh_from_db()
    assert coordinator.full_name == "Koordination"
    assert not coordinator.is_superuser and not coordinator.is_staff
    root = User.objects.create_superuser(email="root@example.org", password="x")
    response = coordinator_client.post(
        _url("accounts.user", "change", root.pk), {"email": "mine@example.org"}
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.email == "root@example.org"


def test_bookings_cannot_be_changed_in_the_admin(coordinator_client):
    booking = _booking()
    response = coordinator_client.post(
        _url("courses.booking", "change", booking.pk), {"status": "cancelled"}
    )
    assert response.status_code == 403
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_failed_notifications_can_be_sent_again_from_the_admin(
    coordinator_client, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    failed = MAKERS["notifications.notification"]()
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(
            _url("notifications.notification", "changelist"),
            {"action": "send_again", "_selected_action": [failed.pk]},
        )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == "sent"


def test_a_coordinator_cannot_take_over_an_account_through_its_sign_in(
    coordinator_client, coordinator
):
    """Adding an address to someone's account, changing their email or setting
    their password would hand the account (and its password reset) to the
    coordinator: only superusers may."""
    from allauth.account.models import EmailAddress

    from .factories import UserFactory

    learner = UserFactory(roles=["learner"])
    response = coordinator_client.post(
        _url("account.emailaddress", "add"),
        {"user": learner.pk, "email": "attacker@example.org", "verified": "on", "primary": "on"},
    )
    assert response.status_code == 403
    assert not EmailAddress.objects.filter(email="attacker@example.org").exists()
    assert coordinator_client.get(f"/admin/accounts/user/{learner.pk}/password/").status_code == 403
    response = coordinator_client.post(
        f"/admin/accounts/user/{learner.pk}/password/",
        {"password1": "taken-over-123", "password2": "taken-over-123", "usable_password": "true"},
    )
    assert response.status_code == 403
    learner.refresh_from_db()
    assert learner.check_password("correct-horse-battery")
    response = coordinator_client.post(_url("accounts.user", "change", learner.pk), {
        "email": "attacker@example.org", "full_name": "Amal", "preferred_language": "ar",
        "phone": "", "home_municipality": "", "notification_channels": '["email"]',
        "is_active": "on", "groups": list(learner.groups.values_list("pk", flat=True)),
    })  # fmt: skip
    learner.refresh_from_db()
    assert learner.email != "attacker@example.org"


OUR_APPS = ("accounts", "calendars", "coaching", "common", "courses", "dashboard", "notifications",
            "places")  # fmt: skip


def _in_german(text) -> bool:
    """Whether a lazy text's message id has a German translation in our catalogue."""
    from django.utils.translation import trans_real

    msgid = getattr(text, "_args", (None,))[0] if hasattr(text, "_args") else None
    if msgid is None:  # not marked for translation at all
        return False
    return msgid in trans_real.translation("de")._catalog


def test_the_german_admin_names_every_app_and_model_in_german():
    from django.apps import apps

    untranslated = []
    for config in apps.get_app_configs():
        if config.label not in OUR_APPS:
            continue
        if not _in_german(config.verbose_name):
            untranslated.append(config.label)
        for model in config.get_models():
            for text in (model._meta.verbose_name, model._meta.verbose_name_plural):
                if not _in_german(text):
                    untranslated.append(f"{config.label}.{model.__name__}: {text}")
    assert untranslated == []
