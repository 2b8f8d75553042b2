"""Erasure (GDPR Art. 17): what ``accounts.services.erase_person`` does, and
that afterwards no table holds the person's name, email address or phone."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from accounts.models import AccessLog, AnonymousRecord, User
from accounts.roles import COORDINATOR, LEARNER
from accounts.services import PersonNotErasable, erase_person, export_person, log_access
from calendars.services import feed_token
from coaching.constants import EndReason, RequestStatus
from coaching.models import CoachingRequest, CoachNote, Meeting, Mentorship, Milestone
from coaching.notifications import Kind as CoachingKind
from common.errors import InvalidInput
from courses import services as course_services
from courses.constants import BookingStatus
from courses.models import Booking
from courses.notifications import Kind
from notifications.models import Notification
from notifications.services import notify

from ..factories import CourseFactory, UserFactory, make_coach, municipality

pytestmark = pytest.mark.django_db

# A Tuesday in term time; courses start next Monday.
NOW = dt.datetime(2031, 3, 4, 10, 0, tzinfo=dt.UTC)

NAME = "Zorahyde Quillfeather"
EMAIL = "zorahyde.quillfeather@example.net"
PHONE = "+4915799887766"
IDENTIFIERS = (NAME, "Quillfeather", EMAIL, PHONE, "15799887766")


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def dump_database() -> str:
    """Every row of every table as text (SQLite and PostgreSQL alike)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                chunks.append(f"{table}: {row!r}")
    return "\n".join(chunks)


def request_of(learner, **fields):
    defaults = {
        "created_by": learner, "programme": "jobcoaching", "languages": ["ar"],
        "german_level": "A2", "municipality": municipality(),
        "availability": [{"weekday": 0, "start": "09:00", "end": "12:00"}],
        "notes": f"{NAME} arbeitet nachts",
    }  # fmt: skip
    defaults.update(fields)
    return CoachingRequest.objects.create(learner=learner, **defaults)


def person_everywhere():
    """A learner with data in every corner: bookings (with children) and a
    waiting-list place, a coaching request and a running mentorship with notes,
    milestones and meetings, notifications, access-log rows, a calendar link."""
    person = UserFactory(full_name=NAME, email=EMAIL, phone=PHONE, roles=[LEARNER])
    coordinator = UserFactory(roles=[COORDINATOR])
    course = CourseFactory(seats=1)
    booked = course_services.book_course(course=course, learner=person, children_ages=[2, 4])
    others_wait = UserFactory(roles=[LEARNER])
    waiting_other = course_services.book_course(
        course=course, learner=others_wait, children_ages=[]
    )
    full = CourseFactory(seats=1, title="Deutsch B1")
    course_services.book_course(course=full, learner=UserFactory(roles=[LEARNER]), children_ages=[])
    waiting = course_services.book_course(
        course=full, learner=person, children_ages=[3], confirm_overlap=True
    )
    coach = make_coach(name="Coach Karl")
    matched = request_of(person, status=RequestStatus.MATCHED, matched_at=timezone.now())
    mentorship = Mentorship.objects.create(request=matched, coach=coach, learner=person)
    start = timezone.now() + dt.timedelta(days=3)
    meeting = Meeting.objects.create(
        mentorship=mentorship, starts_at=start, ends_at=start + dt.timedelta(hours=1),
        place=f"Rathaus, mit {NAME}",
    )  # fmt: skip
    CoachNote.objects.create(mentorship=mentorship, author=coach, text=f"{NAME}: {PHONE}")
    Milestone.objects.create(
        mentorship=mentorship, kind="interview", occurred_on=timezone.localdate(),
        note=f"Gespräch von {NAME}", recorded_by=coach,
    )  # fmt: skip
    open_request = request_of(person, programme="care")
    notify(recipient=person, kind=CoachingKind.MATCH_ACCEPTED, key="x", payload={"name": NAME})
    notify(recipient=coordinator, kind=Kind.COURSE_MESSAGE, key="y",
           payload={"sender": NAME, "title": "Raum"})  # fmt: skip
    log_access(actor=coordinator, subject=person, what="coach_notes", object_ids=[mentorship.pk])
    log_access(actor=person, subject=others_wait, what="contact_details")
    feed_token(person)
    return {
        "person": person, "coordinator": coordinator, "course": course, "booked": booked,
        "waiting_other": waiting_other, "waiting": waiting, "coach": coach,
        "mentorship": mentorship, "meeting": meeting, "open_request": open_request,
    }  # fmt: skip


def test_after_erasure_no_table_holds_the_persons_name_email_or_phone(clock):
    world = person_everywhere()
    before = dump_database()
    assert all(text in before for text in IDENTIFIERS)  # the test can fail

    erase_person(person=world["person"], by=world["coordinator"], reason="Brief vom 3. März")

    after = dump_database()
    found = [text for text in IDENTIFIERS if text.lower() in after.lower()]
    assert found == [], [line for line in after.splitlines() if "Quillfeather" in line][:5]
    assert not User.objects.filter(pk=world["person"].pk).exists()


def test_erasure_cancels_bookings_and_offers_the_place_to_the_waiting_list(clock):
    world = person_everywhere()
    counts = erase_person(person=world["person"], by=world["person"], reason="")
    world["waiting_other"].refresh_from_db()
    assert world["waiting_other"].status == BookingStatus.OFFERED
    assert Notification.objects.filter(
        recipient=world["waiting_other"].learner, kind=Kind.OFFER_MADE
    ).exists()
    assert counts["bookings"] == {"bookings": 2, "cancelled": 2, "places_offered": 1}
    assert not Booking.objects.filter(pk__in=[world["booked"].pk, world["waiting"].pk]).exists()


def test_erasure_keeps_the_figures_as_anonymous_records(clock):
    world = person_everywhere()
    erase_person(person=world["person"], by=None, reason="")
    bookings = AnonymousRecord.objects.filter(kind=AnonymousRecord.Kind.BOOKING)
    assert sorted(bookings.values_list("course_id", "childcare_places", "outcome")) == sorted(
        [(world["course"].pk, 2, "cancelled"), (world["waiting"].course_id, 1, "cancelled")]
    )
    assert {r.month for r in bookings} == {dt.date(2031, 3, 1)}
    kinds = sorted(AnonymousRecord.objects.exclude(kind="booking").values_list("kind", "outcome"))
    assert kinds == [
        ("coaching_request", "closed"),
        ("coaching_request", "closed"),
        ("mentorship", EndReason.LEARNER_WITHDREW),
        ("milestone", "interview"),
    ]


def test_erasure_ends_the_mentorship_and_tells_the_coach_without_the_reason(clock):
    world = person_everywhere()
    erase_person(person=world["person"], by=world["coordinator"], reason="Brief: Geheimgrund")
    told = Notification.objects.filter(recipient=world["coach"], kind=CoachingKind.MENTORSHIP_ENDED)
    assert told.exists()
    assert all("Geheimgrund" not in str(row.payload) for row in told)
    # The coach's calendar drops the meeting that was to come.
    assert Notification.objects.filter(
        recipient=world["coach"], kind=CoachingKind.MEETING_CANCELLED
    ).exists()
    assert not Mentorship.objects.filter(pk=world["mentorship"].pk).exists()
    assert not CoachingRequest.objects.filter(pk=world["open_request"].pk).exists()


def test_the_access_log_keeps_that_a_read_happened_but_not_whose(clock):
    world = person_everywhere()
    erase_person(person=world["person"], by=world["coordinator"], reason="Brief")
    rows = AccessLog.objects.filter(actor=world["coordinator"])
    assert sorted(rows.values_list("what", "subject_id")) == [
        ("coach_notes", None),
        ("erasure", None),
    ]
    # Reads the erased person made of someone else's data stay, without the reader.
    assert AccessLog.objects.filter(what="contact_details", actor=None).count() == 1


def test_erasing_a_coach_keeps_the_learners_history_and_returns_them_to_matching(clock):
    coach = make_coach(name=NAME)
    User.objects.filter(pk=coach.pk).update(email=EMAIL, phone=PHONE)
    coach.refresh_from_db()
    learner = UserFactory(roles=[LEARNER])
    request = request_of(learner, status=RequestStatus.MATCHED, notes="")
    mentorship = Mentorship.objects.create(request=request, coach=coach, learner=learner)
    start = timezone.now() + dt.timedelta(days=3)
    past = Meeting.objects.create(mentorship=mentorship, starts_at=timezone.now() - dt.timedelta(days=3),
                                  ends_at=timezone.now() - dt.timedelta(days=3, hours=-1), place="Rathaus")  # fmt: skip
    Meeting.objects.create(mentorship=mentorship, starts_at=start,
                           ends_at=start + dt.timedelta(hours=1), place="Rathaus")  # fmt: skip
    milestone = Milestone.objects.create(mentorship=mentorship, kind="interview",
                                         occurred_on=timezone.localdate(), recorded_by=coach)  # fmt: skip
    CoachNote.objects.create(mentorship=mentorship, author=coach, text=f"Gez. {NAME}")

    erase_person(person=coach, by=None, reason="")

    mentorship.refresh_from_db()
    assert mentorship.coach is None and mentorship.ended_at is not None
    assert mentorship.end_reason == EndReason.COACH_WITHDREW
    assert mentorship.meetings.order_by("pk").first() == past
    assert Milestone.objects.filter(pk=milestone.pk).exists()
    again = CoachingRequest.objects.get(learner=learner, status=RequestStatus.OPEN)
    assert again.programme == request.programme and again.availability == request.availability
    assert Notification.objects.filter(
        recipient=learner, kind=CoachingKind.MENTORSHIP_ENDED
    ).exists()
    assert [text for text in IDENTIFIERS if text.lower() in dump_database().lower()] == []


def test_a_raw_delete_of_a_learner_or_coach_is_refused(clock):
    from django.db.models import ProtectedError

    world = person_everywhere()
    with pytest.raises(ProtectedError):
        world["person"].delete()
    with pytest.raises(ProtectedError):
        world["coach"].delete()


def test_a_coordinator_must_give_a_reason_and_nothing_changes_without_one(clock):
    world = person_everywhere()
    before = dump_database()
    with pytest.raises(InvalidInput) as refused:
        erase_person(person=world["person"], by=world["coordinator"], reason="  ")
    assert set(refused.value.fields) == {"reason"}
    assert dump_database() == before


@pytest.mark.parametrize("target", ["superuser", "other coordinator"])
def test_who_cannot_be_erased_by_a_coordinator(clock, target):
    coordinator = UserFactory(roles=[COORDINATOR])
    person = UserFactory(roles=[COORDINATOR])
    if target == "superuser":
        person.is_superuser = True
        person.save()
    with pytest.raises(PersonNotErasable):
        erase_person(person=person, by=coordinator, reason="Brief")
    assert User.objects.filter(pk=person.pk).exists()


def test_the_export_holds_every_section(clock):
    world = person_everywhere()
    document = export_person(person=world["person"])
    sections = document["sections"]
    assert set(sections) >= {"profile", "bookings", "coaching", "notifications", "access_log",
                             "calendar_feed"}  # fmt: skip
    assert sections["profile"]["email"] == EMAIL and sections["profile"]["phone"] == PHONE
    ages = sorted(tuple(b["children_ages"]) for b in sections["bookings"])
    assert ages == [(2, 4), (3,)]
    waiting = next(b for b in sections["bookings"] if b["status"] == "waitlisted")
    assert waiting["waitlist_position"] == 1
    requests = sections["coaching"]["requests"]
    coached = next(r for r in requests if r["mentorship"])
    assert coached["mentorship"]["coach"] == "Coach Karl"
    assert coached["mentorship"]["coach_notes"][0]["text"] == f"{NAME}: {PHONE}"
    assert coached["mentorship"]["milestones"][0]["kind"] == "interview"
    assert len(coached["mentorship"]["meetings"]) == 1
    assert [row["what"] for row in sections["access_log"]] == ["coach_notes"]
    assert sections["calendar_feed"]["issued"].startswith("2031-03-04T")
    assert {n["kind"] for n in sections["notifications"]} == {
        CoachingKind.MATCH_ACCEPTED,
        Kind.BOOKING_CONFIRMED,
        Kind.BOOKING_WAITLISTED,
    }
    assert document["generated_at"].startswith("2031-03-04T10:00:00")
    # The consent history, as the person gave it (the factory consents to email).
    assert [(c["purpose"], c["given"]) for c in sections["consents"]] == [
        ("email_notifications", True)
    ]
