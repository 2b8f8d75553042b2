"""factory_boy factories for the tests."""

import datetime as dt

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.constants import ConsentPurpose, ConsentVia
from accounts.models import User
from accounts.roles import COACH
from accounts.services import record_consent
from courses import services as course_services
from courses.constants import Format, Level
from courses.models import Provider
from places.models import Municipality, Venue


def municipality(name: str = "Bad Rappenau") -> Municipality:
    return Municipality.objects.get(name=name)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Test Person {n}")
    preferred_language = "de"
    # Test people agreed to email messages unless a test says otherwise
    # (``notification_channels=[]``); the consent is recorded as the service does.
    notification_channels = factory.LazyFunction(lambda: ["email"])
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        self.save()
        EmailAddress.objects.get_or_create(
            user=self, email=self.email, defaults={"primary": True, "verified": True}
        )
        for name in extracted or []:
            self.groups.add(Group.objects.get(name=name))
        if self.email and "email" in (self.notification_channels or []):
            record_consent(
                person=self, purpose=ConsentPurpose.EMAIL_NOTIFICATIONS, given=True,
                via=ConsentVia.OFFICE,
            )  # fmt: skip


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider
        django_get_or_create = ("name",)

    name = "Volkshochschule Unterland"


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = "Bürgerhaus"
    street = "Hauptstraße 1"
    postal_code = "74906"
    municipality = factory.LazyFunction(municipality)
    accessibility_notes = "Stufenloser Zugang"


def course_fields(**overrides) -> dict:
    """Fields for ``create_course``: a published A1 course with childcare, running
    Mondays and Wednesdays for ten weeks from next Monday."""
    today = timezone.localdate()
    start = today + dt.timedelta(days=7 - today.weekday())
    fields = {
        "title": "Deutsch A1 mit Kinderbetreuung",
        "level": Level.A1,
        "format": Format.IN_PERSON,
        "municipality": municipality(),
        "seats": 10,
        "childcare_places": 4,
        "childcare_min_age": 1,
        "childcare_max_age": 6,
        "starts_on": start,
        "ends_on": start + dt.timedelta(weeks=10),
        "weekdays": [0, 2],
        "start_time": dt.time(9, 0),
        "end_time": dt.time(11, 30),
    }
    fields.update(overrides)
    return fields


class CourseFactory:
    """Courses are made through the service, so sessions exist as in real life."""

    def __new__(cls, **overrides):
        return course_services.create_course(**course_fields(**overrides))


WEEKDAY_MORNINGS = [{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(5)]


def make_coach(**overrides):
    """A coach with a complete, active profile in Bad Rappenau (Arabic, English)."""
    from coaching.models import CoachProfile

    user = UserFactory(roles=[COACH], full_name=overrides.pop("name", "Coach Person"))
    fields = {
        "programmes": ["jobcoaching"],
        "languages": [{"code": "ar", "level": "fluent"}, {"code": "en", "level": "good"}],
        "municipality": municipality("Bad Rappenau"),
        "travel_radius_km": 20,
        "online_ok": False,
        "availability": WEEKDAY_MORNINGS,
        "capacity": 2,
        "skills": ["cv", "applications", "care"],
        "volunteer_agreement_signed": True,
        "police_certificate_seen_on": timezone.localdate() - dt.timedelta(days=100),
    }
    fields.update(overrides)
    CoachProfile.objects.create(user=user, **fields)
    return user
