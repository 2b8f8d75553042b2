"""Retention (GDPR Art. 5(1)(e)): every rule at its edge — a day before its
period ends the data is kept, a day after it is gone — the warning before an
unused account is erased, the run record and the nightly schedule."""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import AccessLog, User
from accounts.notifications import Kind as AccountKind
from accounts.roles import COACH, COORDINATOR, LEARNER
from accounts.services import log_access, register_participant_by_phone
from coaching.models import CoachNote
from common import retention
from common.models import RetentionRun
from common.services import run_retention
from courses import services as course_services
from courses.notifications import Kind
from notifications.constants import Channel, Status
from notifications.models import Notification

from ..calendars.conftest import make_mentorship
from ..factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
# A Tuesday afternoon; every period is counted from here.
T = dt.datetime(2030, 3, 12, 15, 0, tzinfo=BERLIN)


def at(moment):
    return time_machine.travel(moment, tick=False)


def run_at(moment) -> RetentionRun:
    with at(moment):
        return run_retention()


def months(n):
    return relativedelta(months=n)


DAY = dt.timedelta(days=1)


# --- coaches' notes --------------------------------------------------------------------------------


def test_coaches_notes_are_deleted_six_months_after_the_mentorship_ended():
    with at(T - months(3)):
        ended = make_mentorship()
        old_note = CoachNote.objects.create(mentorship=ended, author=ended.coach, text="Alt")
        running = make_mentorship(coach=ended.coach)
        kept_note = CoachNote.objects.create(mentorship=running, author=ended.coach, text="Läuft")
    ended.ended_at = T
    ended.save(update_fields=["ended_at"])

    period = months(settings.KURSLOTSE_RETENTION_COACH_NOTES_MONTHS)
    assert run_at(T + period - DAY).removed["coach_notes"] == 0
    assert CoachNote.objects.filter(pk=old_note.pk).exists()

    assert run_at(T + period + DAY).removed["coach_notes"] == 1
    assert not CoachNote.objects.filter(pk=old_note.pk).exists()
    assert CoachNote.objects.filter(pk=kept_note.pk).exists(), "a running mentorship keeps notes"
    ended.refresh_from_db()  # the mentorship itself (and its milestones) stays


def test_the_period_comes_from_the_setting(settings):
    settings.KURSLOTSE_RETENTION_COACH_NOTES_MONTHS = 1
    with at(T - months(3)):
        ended = make_mentorship()
        CoachNote.objects.create(mentorship=ended, author=ended.coach, text="Alt")
    ended.ended_at = T
    ended.save(update_fields=["ended_at"])
    assert run_at(T + months(1) + DAY).removed["coach_notes"] == 1


# --- notifications ---------------------------------------------------------------------------------


def _row(recipient, key, **fields):
    return Notification.objects.create(
        recipient=recipient, kind=Kind.BOOKING_CONFIRMED, idempotency_key=key, **fields
    )


def test_notifications_go_after_twelve_months_but_nothing_still_to_deliver():
    with at(T):
        learner = UserFactory(roles=[LEARNER])
        inbox = _row(learner, "inbox", channel=Channel.INBOX, status=Status.SENT)
        failed = _row(learner, "failed", channel=Channel.EMAIL, status=Status.FAILED)
        queued = _row(learner, "queued", channel=Channel.EMAIL, status=Status.QUEUED)
        sending = _row(learner, "sending", channel=Channel.EMAIL, status=Status.SENDING)
        called = _row(learner, "called", channel=Channel.OFFICE_CALL, status=Status.SENT,
                      done_at=T)  # fmt: skip
        to_call = _row(learner, "to-call", channel=Channel.OFFICE_CALL, status=Status.SENT)
    with at(T + months(11)):
        recent = _row(learner, "recent", channel=Channel.INBOX, status=Status.SENT)

    period = months(settings.KURSLOTSE_RETENTION_NOTIFICATIONS_MONTHS)
    assert run_at(T + period - DAY).removed["notifications"] == 0
    assert Notification.objects.count() == 7

    assert run_at(T + period + DAY).removed["notifications"] == 3
    left = set(Notification.objects.values_list("pk", flat=True))
    assert left == {queued.pk, sending.pk, to_call.pk, recent.pk}
    assert not left & {inbox.pk, failed.pk, called.pk}


# --- access log ------------------------------------------------------------------------------------


def test_access_log_rows_are_deleted_after_twenty_four_months(learner, coordinator):
    with at(T):
        log_access(actor=coordinator, subject=learner, what="coach_notes", object_ids=[1, 2])
    with at(T + months(2)):
        log_access(actor=coordinator, subject=learner, what="booking")

    period = months(settings.KURSLOTSE_RETENTION_ACCESS_LOG_MONTHS)
    assert run_at(T + period - DAY).removed["access_log"] == 0
    assert AccessLog.objects.count() == 3
    assert run_at(T + period + DAY).removed["access_log"] == 2
    assert list(AccessLog.objects.values_list("what", flat=True)) == ["booking"]


# --- unused accounts: the warning ------------------------------------------------------------------

UNUSED = months(settings.KURSLOTSE_RETENTION_INACTIVE_ACCOUNT_MONTHS)
WARNING_DAYS = dt.timedelta(days=settings.KURSLOTSE_RETENTION_ERASURE_WARNING_DAYS)


def signed_in_at(moment, **fields):
    with at(moment - months(1)):
        person = UserFactory(roles=[LEARNER], **fields)
    person.last_login = moment
    person.save(update_fields=["last_login"])
    return person


def run_and_deliver(moment, capture) -> RetentionRun:
    """A run whose notifications go out as in production: on commit, through the
    worker task (inline in tests), the email channel and Django's mail backend."""
    with at(moment), capture(execute=True):
        return run_retention()


def test_an_unused_account_is_warned_by_email_in_its_language_once(
    django_capture_on_commit_callbacks,
):
    person = signed_in_at(T, preferred_language="de", notification_channels=[])
    recent = signed_in_at(T + months(1))

    run = run_and_deliver(T + UNUSED - DAY, django_capture_on_commit_callbacks)
    assert run.removed["unused_accounts_warned"] == 0 and not mail.outbox
    person.refresh_from_db()
    assert person.erasure_warned_at is None

    run = run_and_deliver(T + UNUSED + DAY, django_capture_on_commit_callbacks)
    assert run.removed["unused_accounts_warned"] == 1
    person.refresh_from_db()
    assert person.erasure_warned_at == T + UNUSED + DAY
    # Email although the person chose no email notifications: it is about the account.
    assert [message.to for message in mail.outbox] == [[person.email]]
    message = mail.outbox[0]
    assert (T + UNUSED + DAY + WARNING_DAYS).date() == dt.date(2032, 4, 12)
    # (The day as every notification writes it: notifications.texts._day.)
    assert message.subject == "Ihr Kurslotse-Konto wird am Montag, 12. April 2032 gelöscht"
    assert (
        "Sie haben sich seit Dienstag, 12. März 2030 nicht bei Kurslotse angemeldet."
        in message.body
    )
    assert "melden Sie sich einfach vorher an" in message.body
    email = Notification.objects.get(recipient=person, channel=Channel.EMAIL)
    assert email.status == Status.SENT and email.kind == AccountKind.ERASURE_WARNING

    # Again the same night, and the next: no second warning.
    run = run_and_deliver(T + UNUSED + DAY, django_capture_on_commit_callbacks)
    run = run_and_deliver(T + UNUSED + 2 * DAY, django_capture_on_commit_callbacks)
    assert run.removed["unused_accounts_warned"] == 0
    assert len(mail.outbox) == 1
    recent.refresh_from_db()
    assert recent.erasure_warned_at is None


def test_the_warning_is_in_the_persons_language(django_capture_on_commit_callbacks):
    signed_in_at(T, preferred_language="uk")
    run_and_deliver(T + UNUSED + DAY, django_capture_on_commit_callbacks)
    assert "Kurslotse" in mail.outbox[0].subject
    assert "Ihr" not in mail.outbox[0].subject and "Your" not in mail.outbox[0].subject
    assert "2032" in mail.outbox[0].subject


def test_staff_superusers_coordinators_and_people_in_a_running_course_are_not_warned():
    staff = signed_in_at(T, is_staff=True)
    superuser = signed_in_at(T, is_superuser=True)
    office = signed_in_at(T)
    office.groups.add(Group.objects.get(name=COORDINATOR))
    in_course = signed_in_at(T)
    with at(T + UNUSED - months(2)):
        course = CourseFactory()
        course_services.book_course(course=course, learner=in_course, children_ages=[])
    coach_in_mentorship = signed_in_at(T)
    coach_in_mentorship.groups.add(Group.objects.get(name=COACH))
    make_mentorship(coach=coach_in_mentorship)
    unused = signed_in_at(T)

    run = run_at(T + UNUSED + DAY)
    assert run.removed["unused_accounts_warned"] == 1
    warned = set(User.objects.filter(erasure_warned_at__isnull=False).values_list("pk", flat=True))
    assert warned == {unused.pk}
    assert {
        staff.pk,
        superuser.pk,
        office.pk,
        in_course.pk,
        coach_in_mentorship.pk,
    } & warned == set()


def test_people_without_email_are_measured_by_their_last_booking_and_called_by_the_office():
    with at(T):
        caller = register_participant_by_phone(
            full_name="Samira Haddad", phone="0711 123456", preferred_language="ar"
        )
    with at(T + months(3)):
        course = CourseFactory()
        booking = course_services.book_course(course=course, learner=caller, children_ages=[])
        course_services.cancel_booking(booking=booking, by=caller)
    last_booked = T + months(3)

    assert run_at(last_booked + UNUSED - DAY).removed["unused_accounts_warned"] == 0
    run = run_at(last_booked + UNUSED + DAY)
    assert run.removed["unused_accounts_warned"] == 1
    rows = Notification.objects.filter(recipient=caller, kind=AccountKind.ERASURE_WARNING)
    assert set(rows.values_list("channel", flat=True)) == {Channel.INBOX, Channel.OFFICE_CALL}
    call = rows.get(channel=Channel.OFFICE_CALL)
    assert call.payload["by_phone"] is True
    from notifications.texts import render

    text = render(call.kind, call.payload, "en")
    assert text.subject.startswith("Your data at Kurslotse will be deleted on ")
    assert "book a course or ask for a coach" in " ".join(text.lines)


# --- unused accounts: signing in keeps them; erasure -----------------------------------------------


def warned_person(**fields):
    person = signed_in_at(T, **fields)
    run_at(T + UNUSED + DAY)
    person.refresh_from_db()
    assert person.erasure_warned_at is not None
    return person


def test_signing_in_clears_the_warning():
    person = warned_person()
    with at(T + UNUSED + 5 * DAY):
        response = Client().post(
            reverse("account_login"), {"login": person.email, "password": "correct-horse-battery"}
        )
    assert response.status_code == 302, response.content[:500]
    person.refresh_from_db()
    assert person.erasure_warned_at is None
    assert person.last_login == T + UNUSED + 5 * DAY


def test_a_wrong_password_does_not_clear_the_warning():
    person = warned_person()
    with at(T + UNUSED + 5 * DAY):
        Client().post(reverse("account_login"), {"login": person.email, "password": "wrong"})
    person.refresh_from_db()
    assert person.erasure_warned_at is not None


def test_a_warned_account_is_kept_until_the_day_the_warning_named():
    person = warned_person()
    warned = person.erasure_warned_at
    # The day before the date in the email, late at night: still there.
    last_day = (warned + WARNING_DAYS - DAY).astimezone(BERLIN).replace(hour=23, minute=59)
    run = run_at(last_day)
    assert run.removed["unused_accounts_erased"] == 0 and not run.errors
    person.refresh_from_db()
    assert person.is_active and person.erasure_warned_at == warned


def test_who_signed_in_after_the_warning_is_not_erased_and_the_mark_goes(
    django_capture_on_commit_callbacks,
):
    person = warned_person()
    # A sign-in the hook did not see (e.g. through the admin): the run sees last_login.
    person.last_login = person.erasure_warned_at + DAY
    person.save(update_fields=["last_login"])
    run = run_at(person.erasure_warned_at + WARNING_DAYS + DAY)
    assert run.removed["unused_accounts_erased"] == 0 and not run.errors
    person.refresh_from_db()
    assert person.is_active and person.erasure_warned_at is None


def test_a_warned_account_is_erased_on_the_day_the_warning_named():
    person = warned_person()
    kept = signed_in_at(T + months(6))
    erase_day = (person.erasure_warned_at + WARNING_DAYS).astimezone(BERLIN).replace(hour=3)
    run = run_at(erase_day)
    assert run.errors == {}
    assert run.removed["unused_accounts_erased"] == 1
    erased = User.objects.filter(pk=person.pk).first()
    assert erased is None or (not erased.is_active and erased.email != person.email)
    kept.refresh_from_db()
    assert kept.is_active
    again = run_at(erase_day + dt.timedelta(hours=1))  # the same night once more: nothing
    assert again.removed["unused_accounts_erased"] == 0 and again.errors == {}


# --- the run, its record, its schedule -------------------------------------------------------------


def test_a_run_records_when_and_what_every_rule_removed():
    run = run_at(T)
    assert run.started_at == T and run.finished_at == T
    assert set(run.removed) == {rule.key for rule in retention.rules()}
    assert {"coach_notes", "notifications", "access_log", "unused_accounts_warned",
            "unused_accounts_erased"} <= set(run.removed)  # fmt: skip
    assert run.errors == {}
    assert RetentionRun.objects.get() == run


@pytest.fixture
def broken_rule():
    def remove(*, cutoff):
        raise RuntimeError("the table is locked")

    rule = retention.RetentionRule(
        key="broken", label="Broken", setting="KURSLOTSE_RETENTION_ACCESS_LOG_MONTHS",
        unit=retention.MONTHS, what_happens="Fails", remove=remove,
    )  # fmt: skip
    # First in line, so that the others run after it.
    saved = dict(retention._RULES)
    retention._RULES.clear()
    retention._RULES.update({"broken": rule, **saved})
    yield rule
    retention._RULES.clear()
    retention._RULES.update(saved)


def test_a_failing_rule_is_recorded_and_logged_and_the_others_still_run(
    broken_rule, learner, coordinator, caplog
):
    with at(T):
        log_access(actor=coordinator, subject=learner, what="booking")
    with caplog.at_level(logging.ERROR, logger="common.services"):
        run = run_at(T + months(25))
    assert run.errors == {"broken": "RuntimeError: the table is locked"}
    assert "broken" not in run.removed
    assert run.removed["access_log"] == 1 and not AccessLog.objects.exists()
    assert run.finished_at is not None
    assert any("broken" in r.getMessage() and r.exc_info for r in caplog.records)


def test_the_command_runs_the_rules_and_says_what_each_removed(learner, coordinator, capsys):
    with at(T):
        log_access(actor=coordinator, subject=learner, what="booking")
    with at(T + months(25)):
        call_command("retention")
    out = capsys.readouterr().out
    assert "access_log: 1 removed" in out
    assert RetentionRun.objects.get().removed["access_log"] == 1


def test_the_command_fails_when_a_rule_failed(broken_rule):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("retention")
    assert RetentionRun.objects.get().errors["broken"]


def test_the_nightly_beat_entry_names_the_registered_task_at_night_in_berlin():
    from celery.schedules import crontab

    from backend.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["retention"]
    app.loader.import_default_modules()  # as the worker and beat do when they start
    assert entry["task"] in app.tasks
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.hour == {3} and schedule.minute == {15}
    assert settings.CELERY_TIMEZONE == "Europe/Berlin"
    # The task calls the service: it writes a run.
    with at(T):
        app.tasks[entry["task"]].apply().get()
    assert RetentionRun.objects.count() == 1


def test_registering_a_second_rule_with_a_known_key_is_refused():
    with pytest.raises(ValueError):
        retention.register(
            retention.RetentionRule(
                key="coach_notes", label="x", setting="KURSLOTSE_RETENTION_ACCESS_LOG_MONTHS",
                unit=retention.MONTHS, what_happens="x", remove=lambda *, cutoff: 0,
            )
        )  # fmt: skip


# --- what coordinators see -------------------------------------------------------------------------


def test_coordinators_read_the_last_runs_through_the_api(as_user, coordinator, broken_rule):
    first = run_at(T)
    second = run_at(T + DAY)
    body = as_user(coordinator).get("/api/v1/retention-runs/").json()
    assert body["count"] == 2
    assert [run["id"] for run in body["results"]] == [second.pk, first.pk]
    newest = body["results"][0]
    assert newest["removed"]["access_log"] == 0
    assert newest["errors"] == {"broken": "RuntimeError: the table is locked"}
    assert newest["started_at"].startswith("2030-03-13T15:00:00")


def test_the_page_shows_the_periods_from_the_settings_and_the_runs(settings, coordinator):
    settings.KURSLOTSE_RETENTION_COACH_NOTES_MONTHS = 7
    coordinator.preferred_language = "en"
    coordinator.save()
    with at(T):
        log_access(actor=coordinator, subject=UserFactory(), what="booking")
    run = run_at(T + months(25))
    client = Client()
    client.force_login(coordinator)
    response = client.get("/dashboard/retention/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    rules = html[html.index('id="retention-rules"') : html.index('id="runs-heading"')]
    assert "7 months" in rules and "KURSLOTSE_RETENTION_COACH_NOTES_MONTHS" in rules
    assert "30 days" in rules and "24 months" in rules
    row = html[html.index(f'id="run-{run.pk}"') :]
    assert row.index(">1</td>") < row.index("</tr>")  # the access log row removed
