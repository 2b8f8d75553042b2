"""Every write about courses and bookings, one function per use case.

Each function runs in one transaction. Whatever writes a course, a session
or a booking takes its locks in the one order of ``locking.py`` — the
course's lock first, then rows in id order — and only through its helpers;
whatever takes capacity (a booking, an offer to the waiting list) reads what
is left only while it holds the course's lock. A rule a user's request breaks
raises a ``DomainError`` before anything is written.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.roles import COORDINATOR, has_role
from calendars.mail import calendar
from common import formatting
from common.errors import Busy, Conflict, DomainError, InvalidInput, NotAllowed
from common.kept import KeptPerProcess
from common.translated import in_source_language, translation_changes
from common.validators import SingleLineValidator, check_fields, has_control_characters
from notifications.services import insert_statement, inserted, notify, notify_many, outgoing

from . import locking, schedule, selectors
from .constants import (
    ACTIVE_STATUSES,
    HOLDING_STATUSES,
    MAX_ATTENDANCE_ENTRIES,
    MAX_CHILD_AGE,
    MAX_CHILDREN_PER_BOOKING,
    MAX_COURSE_DAYS,
    MAX_DAYS_AHEAD,
    MAX_EXCEPTION_DATES,
    MAX_REASON_LENGTH,
    MAX_SESSIONS,
    MESSAGE_BODY_MAX_LENGTH,
    MESSAGE_SUBJECT_MAX_LENGTH,
    TEACHER_AUDIENCES,
    AttendanceStatus,
    Audience,
    BookingStatus,
    CancelReason,
    CourseStatus,
    SentAs,
    SessionStatus,
    SkipReason,
)
from .models import (
    Attendance,
    Booking,
    Course,
    CourseChange,
    CourseMessage,
    CourseSession,
    SkippedDate,
)
from .notifications import Kind, course_payload, session_payload, tell_confirmed
from .schedule import Plan, Skip

logger = logging.getLogger(__name__)

# --- Errors a user can cause ---------------------------------------------------


class NotBookable(DomainError):
    code = "not_bookable"
    status_code = 409


class RegistrationClosed(DomainError):
    code = "registration_closed"
    status_code = 409


class InvalidChildren(DomainError):
    code = "invalid_children"

    def __init__(self, message=None, *, ages=(), **kwargs):
        super().__init__(message, **kwargs)
        #: The ages refused (all of them when their number is the problem), so a
        #: page can mark just the boxes that hold them.
        self.ages = list(ages)


class AlreadyBooked(Conflict):
    code = "already_booked"


class BookingNotActive(Conflict):
    code = "booking_not_active"


class OfferExpired(Conflict):
    code = "offer_expired"


class NoOffer(Conflict):
    code = "no_offer"


class OverlapsBooking(Conflict):
    """The course meets at the same time as one the learner has booked or waits
    for; sent again with ``confirm_overlap`` it is booked anyway."""

    code = "overlaps_booking"


class NotWaiting(Conflict):
    code = "not_waiting"


class SessionNotChangeable(Conflict):
    code = "session_not_changeable"


class CourseNotChangeable(Conflict):
    code = "course_not_changeable"


class DateNotSkipped(Conflict):
    code = "date_not_skipped"


class DateNotKeepable(Conflict):
    code = "date_not_keepable"


# --- Courses and sessions -------------------------------------------------------


def create_course(*, translations=None, **fields) -> Course:
    """Create a course and its sessions; invariants are checked by ``Course.clean``,
    the dates by ``_planned_dates`` (holidays and closures are skipped and
    recorded as the course's ``SkippedDate`` rows). The plain texts are German;
    ``translations`` (``{"ar": {"title": …}}``) are checked by
    ``common.translated.check_translations``."""
    if translations is not None:
        fields.update(translation_changes(translations, selectors.TRANSLATED_FIELDS))
    fields["exception_dates"] = [str(d) for d in fields.get("exception_dates") or []]
    with in_source_language():  # the plain texts are German, whoever types them
        course = Course(**fields)
    course.full_clean()
    plan = _planned_dates(course)
    with transaction.atomic():
        course.save()
        _create_sessions(course, plan.dates)
        _record_skipped(course, plan.skipped)
    return course


def _planned_dates(course: Course, today: date | None = None) -> Plan:
    """The one place that decides on which dates a course meets.

    Reads the course's ``starts_on``, ``ends_on``, ``weekdays``,
    ``exception_dates``, ``provider_id`` and ``venue_id`` (the course need not
    be saved). Returns a ``Plan``: ``dates``, the dates of the weekly rule
    that get a session, and ``skipped``, the rule's other dates, each a
    ``Skip`` with its reason — a public holiday of Baden-Württemberg (its
    German name), a closure that applies to the course (the district's, its
    provider's or its venue's; its name as typed), or one of the course's own
    ``exception_dates``. A date on which several reasons fall gets the first
    of these. Dates a coordinator kept after all (``keep_date``) are planned
    with a session whatever their reason.

    Refused (``InvalidInput``) when the plan is beyond sense: longer than
    ``MAX_COURSE_DAYS``, ending more than ``MAX_DAYS_AHEAD`` from today
    (checked before any date is listed), with more than ``MAX_SESSIONS``
    sessions, or with every date of its rule skipped.
    """
    today = today or timezone.localdate()
    if (course.ends_on - course.starts_on).days + 1 > MAX_COURSE_DAYS:
        message = _("A course may last at most %(n)s days.") % {"n": MAX_COURSE_DAYS}
        raise InvalidInput(message, fields={"ends_on": [message]})
    _check_not_too_far_ahead(course.ends_on, "ends_on", today)
    if len(course.exception_dates) > MAX_EXCEPTION_DATES:
        message = _("List at most %(n)s dates without a session.") % {"n": MAX_EXCEPTION_DATES}
        raise InvalidInput(message, fields={"exception_dates": [message]})
    first, last = course.starts_on, course.ends_on
    reasons: dict[date, Skip] = {
        day: Skip(date=day, reason=SkipReason.EXCEPTION) for day in course.exception_date_objects()
    }
    closures = selectors.closures_applying(
        first, last, provider_id=course.provider_id, venue_id=course.venue_id
    )
    for closure in reversed(closures):  # the earliest closure wins a shared day
        day = max(closure.first_day, first)
        while day <= min(closure.last_day, last):
            reasons[day] = Skip(
                date=day, reason=SkipReason.CLOSURE, name=closure.name, closure_id=closure.pk
            )
            day += timedelta(days=1)
    reasons.update(schedule.holiday_skips(first, last))
    kept: list[date] = []
    if course.pk:
        kept = list(
            SkippedDate.objects.filter(course=course, kept_at__isnull=False).values_list(
                "date", flat=True
            )
        )
    plan = schedule.plan(first, last, course.weekdays, reasons, kept=kept)
    if len(plan.dates) > MAX_SESSIONS:
        message = _("A course may have at most %(n)s sessions; this plan has %(count)s.") % {
            "n": MAX_SESSIONS,
            "count": len(plan.dates),
        }
        raise InvalidInput(message, fields={"ends_on": [message]})
    if plan.skipped and not plan.dates:
        nothing_left = _("Every date of this plan falls on a public holiday or a closure.")
        raise InvalidInput(nothing_left, fields={"starts_on": [nothing_left]})
    return plan


def _check_not_too_far_ahead(day: date, field: str, today: date) -> None:
    latest = today + timedelta(days=MAX_DAYS_AHEAD)
    if day > latest:
        message = _("Choose a date before %(date)s.") % {"date": latest.isoformat()}
        raise InvalidInput(message, fields={field: [message]})


def _check_session_date(to_date: date, today: date | None = None) -> None:
    """A session moves to a day from today up to ``MAX_DAYS_AHEAD`` ahead."""
    today = today or timezone.localdate()
    if to_date < today:
        message = _("A session cannot be moved into the past.")
        raise InvalidInput(message, fields={"date": [message]})
    _check_not_too_far_ahead(to_date, "date", today)


def _create_sessions(course: Course, dates: list[date]) -> None:
    CourseSession.objects.bulk_create(
        CourseSession(
            course=course,
            original_date=day,
            date=day,
            start_time=course.start_time,
            end_time=course.end_time,
        )
        for day in dates
    )


def _record_skipped(course: Course, skipped: list[Skip]) -> None:
    SkippedDate.objects.bulk_create(
        SkippedDate(
            course=course,
            date=skip.date,
            reason=skip.reason,
            name=skip.name[: SkippedDate._meta.get_field("name").max_length],
            closure_id=skip.closure_id,
        )
        for skip in skipped
    )


def publish_course(*, course: Course) -> Course:
    if course.status != CourseStatus.DRAFT:
        raise CourseNotChangeable(_("Only a draft course can be published."))
    course.status = CourseStatus.PUBLISHED
    course.save(update_fields=["status", "updated_at"])
    return course


@transaction.atomic
def cancel_course(*, course: Course, by) -> Course:
    """Cancel a whole course: every session and every active booking with it."""
    # The course lock orders this against bookings and cancellations in
    # flight: each either completes first (and is cancelled here) or sees
    # the cancelled course.
    course = locking.lock_course(course.pk)
    if course.status == CourseStatus.CANCELLED:
        raise CourseNotChangeable(_("This course is already cancelled."))
    course.status = CourseStatus.CANCELLED
    course.save(update_fields=["status", "updated_at"])
    course.sessions.filter(status=SessionStatus.SCHEDULED).update(
        status=SessionStatus.CANCELLED, sequence=F("sequence") + 1
    )
    now = timezone.now()
    active = locking.lock_rows(
        course.bookings.filter(
            status__in=[*HOLDING_STATUSES, BookingStatus.WAITLISTED]
        ).select_related("learner")
    )
    payload = course_payload(course)
    cancel_invitation = calendar("course", course.pk, "CANCEL")
    notify_many(
        kind=Kind.COURSE_CANCELLED,
        items=[
            (
                booking.learner,
                f"course-cancelled:{course.pk}",
                # Only a confirmed place is in the person's calendar, to be taken out.
                {**payload, **cancel_invitation}
                if booking.status == BookingStatus.CONFIRMED
                else payload,
            )
            for booking in active
        ],
    )
    Booking.objects.filter(pk__in=[booking.pk for booking in active]).update(
        status=BookingStatus.CANCELLED,
        cancelled_at=now,
        cancelled_by=by,
        cancel_reason=CancelReason.COURSE_CANCELLED,
        offer_expires_at=None,
    )
    return course


@transaction.atomic
def cancel_session(*, session: CourseSession, note: str = "") -> CourseSession:
    session = locking.lock_session(session.pk)
    if session.status == SessionStatus.CANCELLED:
        raise SessionNotChangeable(_("This session is already cancelled."))
    session.status = SessionStatus.CANCELLED
    session.note = note
    check_fields(session, "note")
    session.sequence += 1
    session.save(update_fields=["status", "note", "sequence", "updated_at"])
    _tell_participants(session, Kind.SESSION_CANCELLED)
    return session


def _tell_participants(session: CourseSession, kind: str, **extra) -> None:
    """Everyone with a confirmed place hears of a changed date, with an updated invitation."""
    course = session.course
    payload = session_payload(session, **extra, **calendar("course", course.pk, "REQUEST"))
    tell_confirmed(kind, [(course.pk, f"session:{session.pk}:{session.sequence}", payload)])


@transaction.atomic
def move_session(
    *, session: CourseSession, to_date: date, start_time: time, end_time: time, note: str = ""
) -> CourseSession:
    # The course lock also keeps two moves from both passing the clash check.
    session = locking.lock_session(session.pk)
    if session.status == SessionStatus.CANCELLED:
        raise SessionNotChangeable(_("A cancelled session cannot be moved."))
    _check_session_date(to_date)
    if end_time <= start_time:
        raise DomainError(
            _("The end time must be after the start time."),
            fields={"end_time": [_("The end time must be after the start time.")]},
        )
    clash = (
        session.course.sessions.exclude(pk=session.pk)
        .filter(date=to_date, status=SessionStatus.SCHEDULED)
        .exists()
    )
    if clash:
        raise SessionNotChangeable(_("The course already has a session on that day."))
    old_date, old_start, old_end = session.date, session.start_time, session.end_time
    session.date, session.start_time, session.end_time = to_date, start_time, end_time
    session.note = note
    check_fields(session, "note")
    session.sequence += 1
    session.save(update_fields=["date", "start_time", "end_time", "note", "sequence", "updated_at"])
    _tell_participants(
        session,
        Kind.SESSION_MOVED,
        old_date=old_date.isoformat(),
        old_time=f"{old_start:%H:%M}-{old_end:%H:%M}",
    )
    return session


@transaction.atomic
def keep_date(*, course: Course, day: date, by) -> CourseSession:
    """A date the plan skipped (a holiday, a closure, an exception date) gets
    its session after all, because the coordinator wants it so.

    The date stays recorded as skipped, marked as kept (by whom, when), so a
    later regeneration of the plan (``_planned_dates``) keeps it too. For a
    published course every confirmed participant gets the updated calendar
    (``course_calendar_changed``). Refused when the date is not one the
    course skips (``DateNotSkipped``), was kept already, lies in the past or
    already has a moved session on it (``DateNotKeepable``), or the course is
    cancelled (``CourseNotChangeable``).
    """
    course = locking.lock_course(course.pk)  # the one lock order: the course first
    if course.status == CourseStatus.CANCELLED:
        raise CourseNotChangeable(_("A cancelled course gets no new dates."))
    skipped = SkippedDate.objects.filter(course=course, date=day).first()
    if skipped is None:
        raise DateNotSkipped(
            _("This course does not skip that date."),
            fields={"date": [_("This course does not skip that date.")]},
        )
    if skipped.kept_at is not None:
        raise DateNotKeepable(_("This date is kept already."))
    if day < timezone.localdate():
        raise DateNotKeepable(_("A date in the past cannot be kept."))
    clash = course.sessions.filter(date=day, status=SessionStatus.SCHEDULED).exists()
    if clash:
        raise DateNotKeepable(_("The course already has a session on that day."))
    session = CourseSession.objects.create(
        course=course,
        original_date=day,
        date=day,
        start_time=course.start_time,
        end_time=course.end_time,
    )
    skipped.kept_at, skipped.kept_by = timezone.now(), by
    skipped.save(update_fields=["kept_at", "kept_by"])
    if day.isoformat() in course.exception_dates:
        # Calendars leave out every exception date (EXDATE): this one has a session now.
        course.exception_dates = [d for d in course.exception_dates if d != day.isoformat()]
        course.save(update_fields=["exception_dates", "updated_at"])
    if course.status == CourseStatus.PUBLISHED:
        course_calendar_changed(course, ["dates"])
    return session


# --- Bookings ---------------------------------------------------------------------


def registration_open(course: "Course | selectors.BookingState", today: date | None = None) -> bool:
    """Whether the course takes bookings (published, deadline not passed); the
    course page asks this before it offers the booking form."""
    today = today or timezone.localdate()
    deadline = course.registration_deadline or course.ends_on
    return course.status == CourseStatus.PUBLISHED and today <= deadline


def _check_bookable(course: "Course | selectors.BookingState", today: date) -> None:
    if course.status != CourseStatus.PUBLISHED:
        raise NotBookable(_("This course cannot be booked."))
    if not registration_open(course, today):
        raise RegistrationClosed(_("Registration for this course has closed."))


def _check_children(course: "Course | selectors.BookingState", children_ages: list[int]) -> None:
    if not children_ages:
        return
    if not course.has_childcare:
        raise InvalidChildren(
            _(
                "This course has no childcare. Book without children or choose a course with childcare."
            ),
            fields={"children_ages": [_("This course has no childcare.")]},
            ages=children_ages,
        )
    if len(children_ages) > min(course.childcare_places, MAX_CHILDREN_PER_BOOKING):
        raise InvalidChildren(
            _("This course has only %(n)s childcare places.") % {"n": course.childcare_places},
            fields={"children_ages": [_("Too many children for this course.")]},
            ages=children_ages,
        )
    low = course.childcare_min_age or 0
    high = course.childcare_max_age if course.childcare_max_age is not None else MAX_CHILD_AGE
    wrong = [age for age in children_ages if not (low <= age <= min(high, MAX_CHILD_AGE))]
    if wrong:
        message = _("Childcare in this course is for children from %(low)s to %(high)s years.") % {
            "low": low,
            "high": high,
        }
        raise InvalidChildren(message, fields={"children_ages": [message]}, ages=wrong)


def read_availability(course: Course) -> tuple[int, int]:
    """Seats and childcare places left. Call only with the capacity lock held."""
    taken_seats, taken_childcare = selectors.capacity_taken(course.pk)
    return course.seats - taken_seats, course.childcare_places - taken_childcare


def read_booking_state(course_id: int, learner_id: int | None = None) -> selectors.BookingState:
    """The course as a booking decides on it (``selectors.booking_state``: one
    statement). Current only under the course's lock."""
    return selectors.booking_state(course_id, learner_id)


def lock_and_read_booking_state(
    course_id: int, *, shared: bool
) -> tuple[selectors.BookingState, int | None]:
    """The course's lock (``locking.lock_course_capacity``), and under it the
    course as a booking decides on it (``selectors.booking_state``) with, on
    PostgreSQL, the id the new booking will have (so what is written in its
    turn can name it before it exists): one round trip. SQLite gives no id
    (the insert assigns it)."""
    sql, params = selectors.booking_state_statement(course_id)
    postgresql = connection.vendor == "postgresql"
    if postgresql:
        sql = f"SELECT s.*, nextval(pg_get_serial_sequence(%s, 'id')) FROM ({sql}) s"
        params = [Booking._meta.db_table, *params]
    row = locking.lock_course_capacity([course_id], shared=shared, then=(sql, params))
    if row is None:
        raise Course.DoesNotExist(f"Course {course_id} does not exist.")
    state = selectors.booking_state_of(course_id, row)
    return state, (row[-1] if postgresql else None)


def _fits(booking_childcare: int, seats_left: int, childcare_left: int) -> bool:
    return seats_left >= 1 and childcare_left >= booking_childcare


def _check_overlap(course: Course, learner, today: date) -> None:
    """Refuse a course that meets at the same time as one the learner holds or
    waits for (``selectors.overlapping_booking``: one query)."""
    clash = selectors.overlapping_booking(course, learner.pk, today)
    if clash is None:
        return
    _course_id, title, day = clash
    message = _(
        "This course meets at the same time as “%(title)s” (on %(date)s), which is "
        "already booked. Book anyway?"
    ) % {"title": title, "date": formatting.short_date(day)}
    raise OverlapsBooking(message, fields={"confirm_overlap": [message]})


class _PlaceFree(Exception):
    """A booking that came to join the waiting list (course lock shared) found a
    place that fits after all: it starts again and takes it exclusively."""


def _changes_of(state: selectors.BookingState) -> tuple:
    """When the course and its sessions last changed: what a message built from
    them depends on (every change of a course saves its ``updated_at``, every
    write to its sessions raises its ``sessions_version``)."""
    return state.updated_at, state.sessions_version


# A rush books one course hundreds of times a minute, and each booking's message
# names the same course and next date: the snapshot (two queries and a search
# for the next date) is kept per process for a course as it stands.
BOOKING_MESSAGE_CACHE_SIZE = 256
_booking_messages: KeptPerProcess[tuple, dict] = KeptPerProcess(BOOKING_MESSAGE_CACHE_SIZE)


def _booking_message(course: Course, state: selectors.BookingState, today: date) -> dict:
    """``course_payload(course)``, kept per process under everything it is made
    of: the course and its sessions as ``state`` found them (``_changes_of``),
    the course's and its venue's words as ``course`` has them (read in this
    request), and today (which date is the next)."""
    venue = course.venue
    key = (
        course.pk, _changes_of(state), course.title, course.calendar_sequence, today,
        (venue.pk, venue.name, venue.street, venue.municipality.name) if venue else None,
    )  # fmt: skip
    message = _booking_messages.get(key)
    if message is None:
        message = course_payload(course)
        _booking_messages.keep(key, message)
    return dict(message)  # the caller's own copy


def _reread(course: Course) -> Course:
    return Course.objects.select_related("venue__municipality").get(pk=course.pk)


def book_course(
    *,
    course: Course,
    learner,
    children_ages: list[int],
    booked_by=None,
    confirm_overlap: bool = False,
) -> Booking:
    """Reserve a seat plus one childcare place per child, or join the waiting list.

    The learner gets a confirmed booking if everything fits; otherwise the
    booking waits in line. Raises ``AlreadyBooked`` when the learner already has
    an active booking for the course, and ``OverlapsBooking`` when the course
    meets at the same time as another they hold or wait for, unless
    ``confirm_overlap`` says they want both. The same for everyone: learners
    on the page and in the API, and the office booking for a caller (who may
    have no email address). The booking returned carries its course and
    ``waitlist_position`` (None unless it waits), as ``visible_bookings`` would.

    Everything that does not need the course's lock happens before it, on a
    forecast (``read_booking_state``): the rules the request could break, the
    duplicate and overlap checks and the message's snapshot of the course.
    Under the lock the same one statement reads the course's rules, what is
    taken and the waiting list again (sent with the lock), so the lock is held
    for that read, the insert and the notification; on PostgreSQL the insert
    and the notification are one statement (``_write_in_one_statement``). A
    booking that can only wait holds the lock shared, so joiners of the
    waiting list do not exclude each other (``locking.py``). The partial
    unique index is what finally refuses a second active booking made at the
    same moment.
    """
    children_ages = sorted(int(age) for age in children_ages)
    now = timezone.now()
    today = timezone.localdate(now)
    forecast = read_booking_state(course.pk, learner.pk)  # no lock yet
    _check_bookable(forecast, today)
    _check_children(forecast, children_ages)
    if forecast.already_booked:
        raise AlreadyBooked(_("You already have a booking for this course."))
    if not confirm_overlap:
        _check_overlap(course, learner, today)
    if course.updated_at != forecast.updated_at:
        course = _reread(course)  # the caller's copy is older than the forecast
    message = _booking_message(course, forecast, today)
    booking = Booking(
        learner=learner,
        children_ages=children_ages,
        childcare_places=len(children_ages),
        booked_by=booked_by if booked_by and booked_by.pk != learner.pk else None,
    )
    will_wait = not _fits(len(children_ages), forecast.seats_left, forecast.childcare_left)
    try:
        try:
            return _take_place_or_wait(booking, course, forecast, message, now, shared=will_wait)
        except _PlaceFree:
            return _take_place_or_wait(booking, course, forecast, message, now, shared=False)
    except IntegrityError as error:
        # The partial unique index caught a simultaneous second booking.
        raise AlreadyBooked(_("You already have a booking for this course.")) from error


def _take_place_or_wait(
    booking: Booking,
    course: Course,
    forecast: selectors.BookingState,
    message: dict,
    now: datetime,
    *,
    shared: bool,
) -> Booking:
    """``book_course`` under the course's lock: exclusively to take a place,
    ``shared`` to join the waiting list (raises ``_PlaceFree`` if a place fits).
    ``message`` was built from ``course`` as ``forecast`` found it."""
    today = timezone.localdate(now)
    with transaction.atomic():
        # Read under the lock: a coordinator may have cancelled the course or
        # changed its places a moment ago, and others may have booked.
        state, booking.pk = lock_and_read_booking_state(course.pk, shared=shared)
        _check_bookable(state, today)
        _check_children(state, booking.children_ages)
        fits = _fits(booking.childcare_places, state.seats_left, state.childcare_left)
        if fits and shared:
            raise _PlaceFree  # rolls back, and with it the shared lock
        if _changes_of(state) != _changes_of(forecast):
            course = _reread(course)  # changed since the forecast: say what it says now
            message = _booking_message(course, state, today)
        booking.course = course
        booking.status = BookingStatus.CONFIRMED if fits else BookingStatus.WAITLISTED
        booking.confirmed_at = now if fits else None
        booking.waitlist_position = None
        # Seats free but not the childcare places: say so, "full" would be wrong.
        childcare_full = not fits and state.seats_left >= 1
        if connection.vendor == "postgresql":
            _write_in_one_statement(booking, message, childcare_full, in_turn=shared)
        else:
            _write_then_tell(booking, message, childcare_full, state, in_turn=shared)
        return booking


def _position(booking: Booking, waiting: int, last_in_line: datetime | None) -> int | None:
    """The waiting ``booking``'s position, from the list as it stood before it
    (``waiting`` long, its latest booking not put first from ``last_in_line``):
    last in line (``selectors.WAITING_ORDER``) unless a clock went back, then
    counted (None: not last, and not counted yet)."""
    if last_in_line is None or last_in_line <= booking.created_at:
        return waiting + 1
    return None


def _write_then_tell(
    booking: Booking,
    message: dict,
    childcare_full: bool,
    state: selectors.BookingState,
    *,
    in_turn: bool,
) -> None:
    """SQLite (whose transaction holds the database's write lock from its
    start): insert the booking, count its position and notify, one by one."""
    waiting, last_in_line = state.waiting, state.last_in_line
    if in_turn:
        line = selectors.waiting_list_length_statement(booking.course_id)
        waiting, last_in_line = selectors.waiting_list_length_of(
            locking.lock_waiting_list(booking.course_id, line)
        )
    booking.save(force_insert=True)
    if booking.status == BookingStatus.WAITLISTED:
        position = _position(booking, waiting, last_in_line)
        booking.waitlist_position = position or selectors.waitlist_position(booking.pk)
    notify(**_booking_news(booking, childcare_full=childcare_full, message=message))


def _booking_insert(booking: Booking, *, after: str) -> tuple[str, list]:
    """``INSERT`` of ``booking`` (its id allocated already) ``RETURNING
    created_at``. A waiting booking is stamped with the time now but later
    than ``after`` (an SQL expression: the latest in line, read in the same
    statement inside the turn), by a microsecond if need be: so the waiting
    list's order (``selectors.WAITING_ORDER``) is the order of the turns even
    when the time was read before the turn came, or a clock went back, and the
    booking is last in line. The time is the app's, as for every other row
    (``now()`` and ``statement_timestamp()`` are from before the turn too, and
    the database's clock is not the one tests can stop). Written out from the
    model's fields, as ``notifications.services.insert_statement`` is
    (Django's compiler took longer than the insert)."""
    fields = Booking._meta.concrete_fields
    stamp = Booking._meta.get_field("created_at")
    in_line = booking.status == BookingStatus.WAITLISTED
    later = f"greatest(%s, {after} + interval '1 microsecond')"
    db = transaction.get_connection()  # once: each use of ``connection`` looks it up
    quote = db.ops.quote_name
    table = quote(Booking._meta.db_table)
    values = ", ".join(later if f is stamp and in_line else "%s" for f in fields)
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(f.column) for f in fields)}) VALUES ({values})"
        f" RETURNING {table}.{quote(stamp.column)}"
    )
    params = [f.get_db_prep_save(f.pre_save(booking, True), db) for f in fields]
    return sql, params


def _write_in_one_statement(
    booking: Booking, message: dict, childcare_full: bool, *, in_turn: bool
) -> None:
    """PostgreSQL: what a booking writes, in one round trip before COMMIT.

    A joiner's turn (``locking.lock_waiting_list``) is what a rush is made of:
    480 joiners take it one after the other, and it lasts from the course
    row's lock to COMMIT, mostly waiting for the interpreter's lock after each
    round trip while every other joiner waits for us. So one statement, sent
    with the turn, does all of it: counts the waiting list as it stands
    (``selectors.waiting_list_length_statement``), inserts the booking stamped
    after the latest in line (``_booking_insert``), so it is last and its
    position is the count plus one, and writes the learner's notification rows
    (``notifications.services.insert_statement``) with that position filled
    in. The booking's id was allocated with the lock, so the rows' keys and
    the rest of the payload are built here. A seat taker, and a booking that
    found the course full under the exclusive lock, send the same statement
    without the turn."""
    rows = outgoing(**_booking_news(booking, childcare_full=childcare_full, message=message))
    line_sql, line_params = selectors.waiting_list_length_statement(booking.course_id)
    insert_sql, insert_params = _booking_insert(booking, after="(SELECT last_in_line FROM line)")
    waiting = booking.status == BookingStatus.WAITLISTED
    fill = {"position": "(SELECT waiting + 1 FROM line)"} if waiting else None
    told_sql, told_params = insert_statement(rows, fill=fill)
    sql = (
        f"WITH line (waiting, last_in_line) AS ({line_sql}), booked AS ({insert_sql}),"
        f" told AS ({told_sql})"
        " SELECT (SELECT created_at FROM booked), waiting, last_in_line,"
        " (SELECT array_agg(id) FROM told), (SELECT array_agg(idempotency_key) FROM told)"
        " FROM line"
    )
    params = [*line_params, *insert_params, *told_params]
    if in_turn:
        row = locking.lock_waiting_list(booking.course_id, (sql, params))
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
    created_at, waiting_before, last_in_line, ids, keys = row
    booking.created_at = created_at
    booking._state.adding, booking._state.db = False, DEFAULT_DB_ALIAS
    if waiting:
        booking.waitlist_position = _position(booking, waiting_before, last_in_line)
        if booking.waitlist_position is None:  # cannot be: stamped after the last
            raise RuntimeError(f"Booking {booking.pk} was not stamped last in line.")
    inserted(rows, zip(ids or (), keys or (), strict=True))


def _booking_news(
    booking: Booking, *, childcare_full: bool = False, message: dict | None = None
) -> dict:
    """What ``notify`` is told about the booking's outcome; ``message`` is the
    course's snapshot (``course_payload``) if the caller has it already. A
    waiting booking's position is its ``waitlist_position`` (None: filled in by
    the caller's statement)."""
    course = booking.course
    if message is None:
        message = course_payload(course)
    if booking.status == BookingStatus.CONFIRMED:
        return {
            "recipient": booking.learner,
            "kind": Kind.BOOKING_CONFIRMED,
            "key": f"booking:{booking.pk}:confirmed",
            "payload": {**message, **calendar("course", course.pk, "REQUEST")},
        }
    position = getattr(booking, "waitlist_position", None)
    return {
        "recipient": booking.learner,
        "kind": Kind.BOOKING_WAITLISTED,
        "key": f"booking:{booking.pk}:waitlisted",
        "payload": {**message, "position": position, "childcare_full": childcare_full},
    }


def _tell_learner_about_booking(booking: Booking) -> None:
    """Tell the learner the outcome (an accepted offer: confirmed)."""
    if (
        booking.status == BookingStatus.WAITLISTED
        and getattr(booking, "waitlist_position", None) is None
    ):
        booking.waitlist_position = selectors.waitlist_position(booking.pk)
    notify(**_booking_news(booking))


def offer_free_places(course: Course, now: datetime | None = None) -> list[Booking]:
    """Offer freed places to the waiting list, in order, to each booking that fits.

    Must run inside the transaction that freed the places; takes the
    course's lock itself (again, which is harmless) because an offer takes
    capacity. ``course`` must have been read under that lock.
    """
    now = now or timezone.now()
    locking.lock_course_capacity([course.pk])
    if course.status != CourseStatus.PUBLISHED:
        return []
    seats_left, childcare_left = read_availability(course)
    offered: list[Booking] = []
    for booking in selectors.waiting_list(course.pk):
        if seats_left < 1:
            break
        if not _fits(booking.childcare_places, seats_left, childcare_left):
            continue
        seats_left -= 1
        childcare_left -= booking.childcare_places
        offered.append(booking)
    # Chosen in waiting-list order, written (and so row-locked) in id order.
    for booking in sorted(offered, key=lambda b: b.pk):
        _offer(booking, course, now)
    return offered


def _offer(booking: Booking, course: Course, now: datetime, extra_fields=()) -> None:
    """Offer ``booking`` a place until the course's ``offer_hours`` from now and tell them."""
    booking.status = BookingStatus.OFFERED
    booking.offered_at = now
    booking.offer_expires_at = now + timedelta(hours=course.offer_hours)
    booking.save(update_fields=["status", "offered_at", "offer_expires_at", *extra_fields])
    notify(
        recipient=booking.learner,
        kind=Kind.OFFER_MADE,
        key=f"offer:{booking.pk}:{now.isoformat()}",
        payload={
            "course": course.pk,
            "title": course.title,
            "until": booking.offer_expires_at.isoformat(),
        },
    )


def _reason(text: str) -> str:
    """A reason a coordinator types: required, one line, at most ``MAX_REASON_LENGTH``."""
    text = (text or "").strip()
    message = ""
    if not text:
        message = str(_("Write the reason."))
    elif len(text) > MAX_REASON_LENGTH:
        message = str(_("Write at most %(n)s characters.")) % {"n": MAX_REASON_LENGTH}
    elif has_control_characters(text):
        message = str(SingleLineValidator.message)
    if message:
        raise InvalidInput(fields={"reason": [message]})
    return text


def _lock_waiting(booking: Booking) -> Booking:
    """The one lock order (the course, then the booking row); only a waiting booking."""
    booking = locking.lock_booking(booking.pk)
    if booking.status != BookingStatus.WAITLISTED:
        raise NotWaiting(_("This booking is not on the waiting list (any more)."))
    return booking


@transaction.atomic
def offer_out_of_turn(*, booking: Booking, by, reason: str) -> tuple[Booking, bool]:
    """A hardship case: a coordinator gives a waiting booking the next place,
    with a recorded reason (who, when, why).

    If a place that fits (a seat and the booking's childcare places) is free,
    it is offered now, as any offer (``offer_hours`` to accept). If none is,
    the booking goes first in line (``selectors.WAITING_ORDER``), so the next
    place that fits it is offered to it, and the person is told. Returns the
    booking and whether the place was offered now. Only for waiting bookings
    (``NotWaiting`` otherwise); the reason is required and one line.
    """
    reason = _reason(reason)
    booking = _lock_waiting(booking)
    course = booking.course  # read under the course lock by lock_booking
    now = timezone.now()
    booking.waitlist_priority = True
    booking.priority_reason = reason
    booking.priority_at = now
    booking.priority_by = by
    priority_fields = ("waitlist_priority", "priority_reason", "priority_at", "priority_by")
    seats_left, childcare_left = read_availability(course)
    if course.status == CourseStatus.PUBLISHED and _fits(
        booking.childcare_places, seats_left, childcare_left
    ):
        _offer(booking, course, now, extra_fields=priority_fields)
        return booking, True
    booking.save(update_fields=list(priority_fields))
    notify(
        recipient=booking.learner,
        kind=Kind.WAITLIST_PRIORITY,
        key=f"waitlist-priority:{booking.pk}",
        payload=course_payload(course, position=selectors.waitlist_position(booking.pk)),
    )
    return booking, False


@transaction.atomic
def remove_from_waitlist(*, booking: Booking, by, reason: str) -> Booking:
    """Take a booking off the waiting list with the coordinator's reason
    (``CancelReason.REMOVED_FROM_WAITLIST``, the text in ``cancel_note``); the
    person is told, with the reason. Frees no place, so nobody is offered one.
    Only for waiting bookings (``NotWaiting`` otherwise)."""
    reason = _reason(reason)
    booking = _lock_waiting(booking)
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.cancelled_by = by
    booking.cancel_reason = CancelReason.REMOVED_FROM_WAITLIST
    booking.cancel_note = reason
    booking.save(
        update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason", "cancel_note"]
    )
    notify(
        recipient=booking.learner,
        kind=Kind.WAITLIST_REMOVED,
        key=f"waitlist-removed:{booking.pk}",
        payload=course_payload(booking.course, reason=reason),
    )
    return booking


def _may_act_for(user, booking: Booking) -> bool:
    return booking.learner_id == user.pk or has_role(user, COORDINATOR)


def _cancel(booking: Booking, *, by, now: datetime) -> bool:
    """Cancel a booking locked by the caller (by the learner, or by someone for
    them); returns whether it held a place, which the caller must then offer
    on (``offer_free_places``) in the same transaction."""
    held_capacity = booking.status in HOLDING_STATUSES
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.cancelled_by = by
    booking.cancel_reason = (
        CancelReason.BY_LEARNER
        if by is None or by.pk == booking.learner_id
        else CancelReason.BY_COORDINATOR
    )
    booking.offer_expires_at = None
    booking.save(
        update_fields=[
            "status",
            "cancelled_at",
            "cancelled_by",
            "cancel_reason",
            "offer_expires_at",
        ]
    )
    return held_capacity


@transaction.atomic
def cancel_booking(*, booking: Booking, by) -> Booking:
    """Cancel a booking; a freed place goes straight to the waiting list."""
    booking = locking.lock_booking(booking.pk)
    if not _may_act_for(by, booking):
        raise NotAllowed(_("You cannot cancel this booking."))
    if booking.status == BookingStatus.CANCELLED:
        raise BookingNotActive(_("This booking is already cancelled."))
    held_capacity = _cancel(booking, by=by, now=timezone.now())
    if booking.cancelled_by_id != booking.learner_id or held_capacity:
        course = booking.course
        method = "CANCEL" if held_capacity else None
        extra = calendar("course", course.pk, method) if method else {}
        notify(
            recipient=booking.learner,
            kind=Kind.BOOKING_CANCELLED,
            key=f"booking:{booking.pk}:cancelled",
            payload=course_payload(course, **extra),
        )
    if held_capacity:
        offer_free_places(booking.course)
    return booking


@transaction.atomic
def accept_offer(*, booking: Booking, by) -> Booking:
    booking = locking.lock_booking(booking.pk)
    if not _may_act_for(by, booking):
        raise NotAllowed(_("You cannot accept this offer."))
    if booking.status != BookingStatus.OFFERED:
        raise NoOffer(_("There is no open offer for this booking."))
    now = timezone.now()
    if booking.offer_expires_at is None or booking.offer_expires_at <= now:
        raise OfferExpired(_("This offer has expired. The place has gone to the next person."))
    booking.status = BookingStatus.CONFIRMED
    booking.confirmed_at = now
    booking.save(update_fields=["status", "confirmed_at"])
    _tell_learner_about_booking(booking)
    return booking


def expire_stale_offers(now: datetime | None = None) -> int:
    """Cancel offers nobody accepted in time and pass the places on.

    Runs course by course, each in its own short transaction, so one busy
    course does not hold up the others: a course whose lock is not free in
    time is skipped (and logged) and its offers expire on the next run.
    Returns the number of expired offers.
    """
    now = now or timezone.now()
    expired = 0
    for course_id in selectors.courses_with_stale_offers(now):
        try:
            expired += _expire_offers_of(course_id, now)
        except Busy:
            logger.warning(
                "Offers of course %s not expired: the course was busy; the next run tries again",
                course_id,
            )
    return expired


@transaction.atomic
def _expire_offers_of(course_id: int, now: datetime) -> int:
    locking.lock_course_capacity([course_id])
    course = Course.objects.get(pk=course_id)
    stale = locking.lock_rows(
        Booking.objects.filter(
            course=course, status=BookingStatus.OFFERED, offer_expires_at__lte=now
        ).select_related("learner")
    )
    Booking.objects.filter(pk__in=[b.pk for b in stale]).update(
        status=BookingStatus.CANCELLED,
        cancelled_at=now,
        cancel_reason=CancelReason.OFFER_EXPIRED,
        offer_expires_at=None,
    )
    for booking in stale:
        notify(
            recipient=booking.learner,
            kind=Kind.OFFER_EXPIRED,
            key=f"offer-expired:{booking.pk}",
            payload={"course": course.pk, "title": course.title},
        )
    offer_free_places(course, now)
    return len(stale)


# --- Editing a course, and the changes people's calendars show ---------------------------
# One function, ``update_course``, for every door that edits a course (the
# edit page, ``PATCH /api/v1/courses/{id}/``, the admin): places, children,
# weekdays and times are checked here, under the course's lock, and whatever
# a calendar shows — title, description, place, times, weekdays, online link —
# reaches every confirmed participant as one updated invitation with a raised
# SEQUENCE. Every saved edit is written to the course's change log.

# Fields fixed once a course exists, with what to do instead. Sent anyway,
# they are refused by name (400), never silently ignored.
FIXED_AFTER_CREATION = {
    "level": _("The level cannot be changed once a course exists. Create a new course instead."),
    "format": _("The format cannot be changed once a course exists. Create a new course instead."),
    "municipality": _("The municipality follows the venue: choose another venue."),
    "starts_on": _("The first and the last day cannot be changed once a course exists."),
    "ends_on": _("The first and the last day cannot be changed once a course exists."),
    "exception_dates": _("Dates without a session cannot be changed here."),
    "status": _("Publish or cancel the course with its own buttons."),
}


class CapacityBelowTaken(Conflict):
    """Fewer seats or childcare places than bookings hold: nobody is pushed out."""

    code = "capacity_below_taken"


class ChildrenNoLongerFit(Conflict):
    """A narrower childcare (ages, places) would leave out children already booked or waiting."""

    code = "children_no_longer_fit"


@dataclass
class CourseUpdate:
    """What one edit did, for the page's message and the API's answer."""

    course: Course
    change: CourseChange | None = None
    offered: list[Booking] = field(default_factory=list)
    told: int = 0  # confirmed participants sent an updated invitation
    sessions_cancelled: int = 0
    sessions_added: int = 0


def check_editable(names: Iterable[str]) -> None:
    """Refuse, by field, whatever ``update_course`` does not change (400)."""
    refused = {
        name: [FIXED_AFTER_CREATION.get(name, _("This cannot be changed."))]
        for name in sorted(set(names) - set(selectors.EDITABLE_FIELDS))
    }
    if refused:
        raise InvalidInput(fields=refused)


def _changed_aspects(before: dict, after: dict) -> list[str]:
    return [aspect for aspect in after if before.get(aspect) != after[aspect]]


def course_calendar_changed(course: Course, changed: list[str]) -> int:
    """Raise the course's calendar SEQUENCE and send each confirmed participant
    the updated invitation (``Kind.COURSE_CHANGED``, naming what changed).
    Returns how many participants were told.

    Call inside the transaction of the change, after saving it (sessions
    too); the invitation itself is built at delivery from the state of that
    moment. One message per participant and change, however many fields changed.
    """
    Course.objects.filter(pk=course.pk).update(
        calendar_sequence=F("calendar_sequence") + 1, updated_at=timezone.now()
    )
    course.refresh_from_db(fields=["calendar_sequence", "updated_at"])
    payload = course_payload(
        course, changed=sorted(changed), **calendar("course", course.pk, "REQUEST")
    )
    key = f"course:{course.pk}:{course.calendar_sequence}"
    return tell_confirmed(Kind.COURSE_CHANGED, [(course.pk, key, payload)])


def _check_places(course: Course) -> None:
    """Nobody is pushed out: not below the places bookings hold, and no child
    booked or waiting left outside the childcare. Call with the course's lock held."""
    taken_seats, taken_childcare = selectors.capacity_taken(course.pk)
    if course.seats < taken_seats:
        message = _(
            "Seats taken (confirmed or offered): %(taken)s. Nobody is pushed out, so the "
            "course needs at least %(taken)s seats."
        ) % {"taken": taken_seats}
        raise CapacityBelowTaken(message, fields={"seats": [message]})
    if course.childcare_places < taken_childcare:
        message = _(
            "Childcare places taken (confirmed or offered): %(taken)s. Nobody is pushed out, "
            "so the course needs at least %(taken)s childcare places."
        ) % {"taken": taken_childcare}
        raise CapacityBelowTaken(message, fields={"childcare_places": [message]})
    low = course.childcare_min_age if course.childcare_min_age is not None else 0
    high = course.childcare_max_age if course.childcare_max_age is not None else MAX_CHILD_AGE
    fields: set[str] = set()
    left_out: list[Booking] = []
    with_children = course.bookings.filter(status__in=ACTIVE_STATUSES, childcare_places__gt=0)
    for booking in with_children.order_by("created_at", "pk"):
        ages = [int(age) for age in booking.children_ages or []]
        wrong = set()
        if not course.has_childcare or booking.childcare_places > course.childcare_places:
            wrong.add("childcare_places")
        if course.has_childcare and any(age < low for age in ages):
            wrong.add("childcare_min_age")
        if course.has_childcare and any(age > high for age in ages):
            wrong.add("childcare_max_age")
        if wrong:
            fields |= wrong
            left_out.append(booking)
    if left_out:
        ages_text = "; ".join(", ".join(str(age) for age in b.children_ages) for b in left_out)
        message = _(
            "Bookings whose children would no longer fit: %(n)s (children's ages: %(ages)s). "
            "Nobody is pushed out: keep the childcare as it is, or cancel these bookings first."
        ) % {"n": len(left_out), "ages": ages_text}
        raise ChildrenNoLongerFit(message, fields={name: [message] for name in sorted(fields)})


def _dates_for_new_weekdays(
    course: Course, old_weekdays: list[int], today: date
) -> tuple[list[date], list[Skip]]:
    """The dates from today on that weekdays new to the course add, and the
    dates of those weekdays skipped for a holiday or closure — from the same
    plan a new course gets its sessions from (``_planned_dates``)."""
    added = set(course.weekdays) - set(old_weekdays)
    if not added:
        return [], []
    try:
        plan = _planned_dates(course, today)
    except InvalidInput as error:
        raise InvalidInput(error.message, fields={"weekdays": [error.message]}) from error

    def new(day: date) -> bool:
        return day >= today and day.weekday() in added

    recorded = set(course.skipped_dates.values_list("date", flat=True))
    skipped = [skip for skip in plan.skipped if new(skip.date) and skip.date not in recorded]
    return [day for day in plan.dates if new(day)], skipped


def _forget_skips_of_dropped_weekdays(course: Course, old_weekdays: list[int], today: date) -> None:
    """A weekday the course no longer meets on has no "no class on …" dates from today on."""
    dropped = set(old_weekdays) - set(course.weekdays)
    if dropped:
        # Django's week_day: 1 = Sunday … 7 = Saturday; ours: 0 = Monday … 6 = Sunday.
        course.skipped_dates.filter(
            date__gte=today, date__week_day__in=[(day + 1) % 7 + 1 for day in dropped]
        ).delete()


def _reschedule(
    course: Course,
    *,
    old_weekdays: list[int],
    old_times: tuple[time, time],
    new_dates: list[date],
    today: date,
) -> tuple[int, int]:
    """Apply new weekdays and times to the sessions from today on; returns
    (sessions cancelled, sessions added or taken up again).

    - A session that kept the course's times gets the new times (also one moved
      to another day: its date stays).
    - A session as planned (its own date, the course's times) on a weekday no
      longer chosen is cancelled — kept, with a raised SEQUENCE and a note —
      never deleted. A session moved on its own keeps its date and time.
    - Each date of a new weekday gets a session: one cancelled earlier for the
      same planned date is taken up again; none is added on a day another
      session already takes place.
    Earlier sessions stay as they were (calendars show them as they took place).
    """
    new_times = (course.start_time, course.end_time)
    dropped = set(old_weekdays) - set(course.weekdays)
    if not dropped and not new_dates and new_times == old_times:
        return 0, 0
    now = timezone.now()
    sessions = locking.lock_rows(course.sessions.all())
    note = _weekday_note()
    touched: dict[int, CourseSession] = {}
    cancelled = 0
    for session in sessions:
        if session.date < today:
            continue
        as_planned = (
            session.date == session.original_date
            and (session.start_time, session.end_time) == old_times
        )
        if (
            session.status == SessionStatus.SCHEDULED
            and as_planned
            and session.original_date.weekday() in dropped
        ):
            session.status = SessionStatus.CANCELLED
            session.sequence += 1
            session.note = note
            cancelled += 1
            touched[session.pk] = session
        if (session.start_time, session.end_time) == old_times and new_times != old_times:
            session.start_time, session.end_time = new_times
            touched[session.pk] = session
    by_planned_date = {session.original_date: session for session in sessions}
    taken_days = {s.date for s in sessions if s.status == SessionStatus.SCHEDULED}
    added: list[date] = []
    revived = 0
    for day in new_dates:
        if day in taken_days:
            continue
        taken_days.add(day)
        earlier = by_planned_date.get(day)
        if earlier is None:
            added.append(day)
        elif earlier.status == SessionStatus.CANCELLED:
            earlier.status = SessionStatus.SCHEDULED
            earlier.date = day
            earlier.start_time, earlier.end_time = new_times
            earlier.note = ""
            earlier.sequence += 1
            touched[earlier.pk] = earlier
            revived += 1
    for session in touched.values():
        session.updated_at = now
    CourseSession.objects.bulk_update(
        sorted(touched.values(), key=lambda s: s.pk),
        ["status", "date", "start_time", "end_time", "note", "sequence", "updated_at"],
    )
    _create_sessions(course, added)  # as a new course's sessions are made
    return cancelled, len(added) + revived


def _weekday_note() -> str:
    """The note on a session cancelled by a change of weekdays, in the site's
    language like a note the office types (it is shown to everyone)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(_("No session on this day any more: the course meets on other weekdays now."))


def _record_change(course: Course, by, before: dict) -> CourseChange | None:
    """Write the change log entry of one saved edit (nothing if nothing changed)."""
    items = selectors.changed_values(before, selectors.change_values(course))
    if not items:
        return None
    who = by if by is not None and getattr(by, "is_authenticated", False) else None
    return CourseChange.objects.create(course=course, by=who, changes=items)


def apply_course_changes(course: Course, changes: dict) -> None:
    """Put ``changes`` on ``course`` in memory and check it as it would be:
    fields fixed at creation refused (``InvalidInput``), the municipality
    following a new venue, the model's invariants (``ValidationError``).

    ``update_course`` runs it on the locked course; the edit page's and the
    admin's forms run it on their copy first, so a refusal lands on its field.
    Rules that need the course's lock (places taken) are ``update_course``'s.
    """
    check_editable(changes)
    with in_source_language():  # the plain texts are German, whoever types them
        for name, value in changes.items():
            setattr(course, name, value)
    if "venue" in changes and course.venue is not None:
        course.municipality = course.venue.municipality
    course.full_clean()
    course.weekdays = sorted(set(course.weekdays))


def update_course(*, course: Course, by=None, translations=None, **changes) -> CourseUpdate:
    """Change a published (or draft) course: details, places, childcare,
    weekdays and times. The one door for the edit page, the API and the admin.

    - Fields fixed at creation (level, format, municipality, first and last
      day, status) are refused by name (``InvalidInput``); the municipality
      follows a new venue. Invariants are the model's (``Course.clean``: a
      ``ValidationError``). Nothing is changed by a refusal.
    - Places: never below what confirmed and offered bookings hold
      (``CapacityBelowTaken``, 409 ``capacity_below_taken``), never a
      childcare that leaves out a child already booked or waiting
      (``ChildrenNoLongerFit``, 409 ``children_no_longer_fit``). New places go
      at once to the waiting list, first that fits (``offer_free_places``).
    - Weekdays and times change the sessions from today on (``_reschedule``).
    - If what calendars show changed, each confirmed participant gets one
      updated invitation; every saved edit is written to the change log.
    - ``translations`` (``{"ar": {"title": …}}``) change the texts' columns
      (``title_ar``), as the edit page does; an unknown language or field is
      refused (``InvalidInput``).
    """
    if translations is not None:
        changes.update(translation_changes(translations, selectors.TRANSLATED_FIELDS))
    check_editable(changes)
    from calendars.selectors import course_calendar_facts

    today = timezone.localdate()
    with transaction.atomic():
        course = locking.lock_course(course.pk)  # the one lock order: course lock, then rows
        if course.status == CourseStatus.CANCELLED:
            raise CourseNotChangeable(_("A cancelled course cannot be changed."))
        facts_before = course_calendar_facts(course)
        values_before = selectors.change_values(course)
        old_weekdays = sorted(set(course.weekdays))
        old_times = (course.start_time, course.end_time)
        old_places = (course.seats, course.childcare_places)
        apply_course_changes(course, changes)
        _check_places(course)
        new_dates, new_skips = _dates_for_new_weekdays(course, old_weekdays, today)
        course.save()
        _record_skipped(course, new_skips)
        _forget_skips_of_dropped_weekdays(course, old_weekdays, today)
        cancelled, added = _reschedule(
            course,
            old_weekdays=old_weekdays,
            old_times=old_times,
            new_dates=new_dates,
            today=today,
        )
        outcome = CourseUpdate(course=course, sessions_cancelled=cancelled, sessions_added=added)
        changed = _changed_aspects(facts_before, course_calendar_facts(course))
        if changed:
            outcome.told = course_calendar_changed(course, changed)
        if course.seats > old_places[0] or course.childcare_places > old_places[1]:
            outcome.offered = offer_free_places(course)
        outcome.change = _record_change(course, by, values_before)
    return outcome


@transaction.atomic
def update_venue(*, venue, by=None, **changes):
    """Change a venue; the courses that meet there and have not ended send
    their participants an update if their calendars show the change (the
    place's name or address), and log it as a change of their venue."""
    from calendars.selectors import course_calendar_facts
    from places.models import Venue

    upcoming = Course.objects.filter(venue_id=venue.pk, ends_on__gte=timezone.localdate()).exclude(
        status=CourseStatus.CANCELLED
    )
    course_ids = sorted(upcoming.values_list("pk", flat=True))
    locking.lock_course_capacity(course_ids)  # the one lock order: courses, then rows
    courses = locking.lock_rows(
        Course.objects.filter(pk__in=course_ids).select_related("venue", "municipality", "provider")
    )
    venue = locking.lock_rows(Venue.objects.filter(pk=venue.pk))[0]
    before = {
        course.pk: (course_calendar_facts(course), selectors.change_values(course))
        for course in courses
    }
    with in_source_language():  # the plain texts are German, whoever types them
        for name, value in changes.items():
            setattr(venue, name, value)
    venue.full_clean()
    venue.save()
    for course in courses:
        course.venue = venue
        facts, values = before[course.pk]
        changed = _changed_aspects(facts, course_calendar_facts(course))
        if changed:
            course_calendar_changed(course, changed)
        _record_change(course, by, values)
    return venue


# --- Teachers and attendance ---------------------------------------------------------


class SessionCancelled(Conflict):
    code = "session_cancelled"


class SessionNotHeld(Conflict):
    code = "session_not_held"


MAX_TEACHERS_PER_COURSE = 10


@transaction.atomic
def assign_teachers(*, course: Course, teachers, by) -> Course:
    """Make ``teachers`` (users with the teacher role) the course's teachers,
    replacing the previous ones. Only coordinators assign; anyone without the
    teacher role is refused and nothing changes."""
    if not has_role(by, COORDINATOR):
        raise NotAllowed(_("Only coordinators assign teachers."))
    teachers = list({teacher.pk: teacher for teacher in teachers}.values())
    if len(teachers) > MAX_TEACHERS_PER_COURSE:
        message = _("A course has at most %(n)s teachers.") % {"n": MAX_TEACHERS_PER_COURSE}
        raise InvalidInput(message, fields={"teachers": [message]})
    with_role = set(
        selectors.teacher_candidates()
        .filter(pk__in=[t.pk for t in teachers])
        .values_list("pk", flat=True)
    )
    refused = [teacher for teacher in teachers if teacher.pk not in with_role]
    if refused:
        message = _("Not a teacher: %(names)s. Give them the teacher role first.") % {
            "names": ", ".join(str(t.pk) for t in refused)
        }
        raise InvalidInput(message, fields={"teachers": [message]})
    course = locking.lock_course(course.pk)  # the one lock order: course first
    course.teachers.set(teachers)
    logger.info(
        "Course %s: teachers set to %s by user %s",
        course.pk,
        sorted(t.pk for t in teachers),
        by.pk,
    )
    return course


def record_attendance(*, session: CourseSession, entries: list[dict], by) -> list[Attendance]:
    """Mark who came to a session: ``entries`` is ``[{"booking": id, "status": …}]``.

    All or nothing: every entry must name a confirmed booking of the session's
    course, once; the session must not be cancelled (409 ``session_cancelled``);
    a session still to come takes only excused absences (409
    ``session_not_held``: nobody can be present at a class that has not
    happened). Bookings not listed keep their mark. The course's teachers and
    coordinators may mark; the session's course is locked first (the one lock
    order), so a cancellation in flight cannot slip in between.
    """
    if len(entries) > MAX_ATTENDANCE_ENTRIES:
        message = _("Send at most %(n)s entries.") % {"n": MAX_ATTENDANCE_ENTRIES}
        raise InvalidInput(message, fields={"non_field_errors": [message]})
    ids = [int(entry["booking"]) for entry in entries]
    duplicates = sorted({pk for pk in ids if ids.count(pk) > 1})
    if duplicates:
        message = _("Each booking may appear only once; repeated: %(ids)s.") % {
            "ids": ", ".join(map(str, duplicates))
        }
        raise InvalidInput(message, fields={"booking": [message]})
    unknown_status = [e["status"] for e in entries if e["status"] not in AttendanceStatus.values]
    if unknown_status:
        choose = _("Choose present, absent or excused.")
        raise InvalidInput(choose, fields={"status": [choose]})
    with transaction.atomic():
        session = locking.lock_session(session.pk)
        course = session.course
        if not (has_role(by, COORDINATOR) or selectors.teaches(by, course)):
            raise NotAllowed(_("Only the course's teachers and coordinators mark attendance."))
        if session.status == SessionStatus.CANCELLED:
            raise SessionCancelled(_("This session is cancelled: there is no attendance to mark."))
        if session.date > timezone.localdate() and any(
            entry["status"] != AttendanceStatus.EXCUSED for entry in entries
        ):
            raise SessionNotHeld(
                _(
                    "This session has not taken place yet: only an excused absence can be "
                    "recorded in advance."
                )
            )
        participants = set(
            course.bookings.filter(pk__in=ids, status=BookingStatus.CONFIRMED).values_list(
                "pk", flat=True
            )
        )
        strangers = [pk for pk in ids if pk not in participants]
        if strangers:
            message = _("Not a confirmed participant of this course: %(ids)s.") % {
                "ids": ", ".join(map(str, strangers))
            }
            raise InvalidInput(message, fields={"booking": [message]})
        now = timezone.now()
        existing = {a.booking_id: a for a in session.attendances.filter(booking_id__in=ids)}
        new, changed = [], []
        for entry in entries:
            booking_id, status = int(entry["booking"]), entry["status"]
            mark = existing.get(booking_id)
            if mark is None:
                new.append(
                    Attendance(
                        session=session,
                        booking_id=booking_id,
                        status=status,
                        marked_by=by,
                        marked_at=now,
                    )
                )
            elif mark.status != status:
                mark.status, mark.marked_by, mark.marked_at = status, by, now
                changed.append(mark)
        Attendance.objects.bulk_create(new)
        Attendance.objects.bulk_update(changed, ["status", "marked_by", "marked_at"])
    return [*new, *changed]


def record_sheet_download(*, course: Course, learners, by) -> None:
    """The attendance sheet carries full names: each download is written to the
    access log for every participant on it (as the attendance list export is),
    in one INSERT."""
    from accounts.constants import AccessWhat
    from accounts.services import log_reads

    log_reads(
        actor=by, what=AccessWhat.ATTENDANCE_SHEET, reads=[(p.pk, course.pk) for p in learners]
    )


# --- Messages to a course's people ---------------------------------------------------


class CourseCancelled(Conflict):
    code = "course_cancelled"


class NoRecipients(Conflict):
    code = "no_recipients"


class MessageAlreadySent(Conflict):
    code = "message_already_sent"


def audiences_for(user, course: Course) -> list[str]:
    """The audiences ``user`` may write to about ``course``: every one for
    coordinators, the participants for the course's teachers, none for anyone else."""
    if has_role(user, COORDINATOR):
        return list(Audience.values)
    if selectors.teaches(user, course):
        return [str(audience) for audience in TEACHER_AUDIENCES]
    return []


def _message_text(value, field: str, limit: int, *, single_line: bool) -> str:
    """A subject or body as typed (surrounding blanks dropped, line ends made
    ``\\n``), refused when empty, too long or holding control characters."""
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    problem: str | None = None
    if not text:
        problem = str(_("Please write something here."))
    elif len(text) > limit:
        problem = _("Please write at most %(n)s characters (this has %(count)s).") % {
            "n": limit,
            "count": len(text),
        }
    elif single_line and has_control_characters(text):
        problem = str(SingleLineValidator.message)
    elif has_control_characters(text.replace("\n", "").replace("\t", "")):
        problem = str(_("Please remove the control characters from the text."))
    if problem:
        raise InvalidInput(fields={field: [problem]})
    return text


def send_course_message(
    *, course: Course, sender, audience: str, subject: str, body: str, key: str = ""
) -> CourseMessage:
    """Write to a course's people: one notification per person in ``audience``
    (``AUDIENCE_STATUSES``), on each of their channels, carrying the sender's
    own words in a frame in the recipient's language — and the record of the
    message, in the same transaction.

    Coordinators write to any audience, the course's teachers to its
    participants only (``NotAllowed`` otherwise). A cancelled course, or an
    audience nobody is in, is refused (409) and nothing is sent. ``key`` (the
    page form's one-time token) makes a second submit of the same form
    ``MessageAlreadySent`` instead of a second message; the API has its
    ``Idempotency-Key`` for the same.
    """
    if audience not in Audience.values:
        message = _("Choose whom to write to.")
        raise InvalidInput(message, fields={"audience": [message]})
    allowed = audiences_for(sender, course)
    if audience not in allowed:
        if allowed:
            raise NotAllowed(_("As the course leader you can write to the participants only."))
        raise NotAllowed(_("You cannot write to the people of this course."))
    subject = _message_text(subject, "subject", MESSAGE_SUBJECT_MAX_LENGTH, single_line=True)
    body = _message_text(body, "body", MESSAGE_BODY_MAX_LENGTH, single_line=False)
    sent_as = SentAs.COORDINATOR if has_role(sender, COORDINATOR) else SentAs.TEACHER
    try:
        with transaction.atomic():
            # The course lock orders this against a cancellation in flight and
            # against bookings changing state: the audience is read as it is.
            course = locking.lock_course(course.pk)
            if course.status == CourseStatus.CANCELLED:
                raise CourseCancelled(_("This course is cancelled: no message can be sent."))
            if key and CourseMessage.objects.filter(sender=sender, client_key=key).exists():
                raise MessageAlreadySent(_("This message has been sent already."))
            bookings = list(selectors.message_recipients(course, audience))
            if not bookings:
                raise NoRecipients(
                    _("Nobody is in this group yet, so there is nobody to write to.")
                )
            record = CourseMessage(
                course=course,
                sender=sender,
                sent_as=sent_as,
                audience=audience,
                subject=subject,
                body=body,
                recipients=len({booking.learner_id for booking in bookings}),
                client_key=key,
            )
            check_fields(record, "subject", "client_key")
            record.save()
            payload = {
                "course": course.pk,
                "message": record.pk,
                "title": course.title,
                "sender": sender.full_name,
                "sent_as": sent_as,
                "subject": subject,
                "body": body,
            }
            told: dict[int, tuple] = {}
            for booking in bookings:  # one active booking each; be sure
                told.setdefault(
                    booking.learner_id,
                    (
                        booking.learner,
                        f"course-message:{record.pk}",
                        {**payload, "booking_status": booking.status},
                    ),
                )
            notify_many(kind=Kind.COURSE_MESSAGE, items=list(told.values()))
    except IntegrityError as error:
        # A simultaneous second submit of the same form (the token is unique per sender).
        raise MessageAlreadySent(_("This message has been sent already.")) from error
    logger.info(
        "Course %s: message %s sent by user %s to %s (%s people)",
        course.pk,
        record.pk,
        sender.pk,
        audience,
        record.recipients,
    )
    return record


# --- Erasure and retention: personal data of bookings (GDPR Art. 17, 5(1)(e)) -------------


def _month_of(moment) -> date:
    day = timezone.localdate(moment) if isinstance(moment, datetime) else moment
    return day.replace(day=1)


def _anonymous_records(bookings: Iterable[Booking]) -> list:
    """What the district keeps of these bookings: the course (its level and
    municipality), the month of booking, the outcome and the number of
    childcare places — never the learner, the children's ages or any text."""
    from accounts.models import AnonymousRecord

    return [
        AnonymousRecord(
            kind=AnonymousRecord.Kind.BOOKING,
            month=_month_of(booking.created_at),
            level=booking.course.level,
            municipality_id=booking.course.municipality_id,
            course_id=booking.course_id,
            outcome=booking.status,
            childcare_places=booking.childcare_places,
        )
        for booking in bookings
    ]


@transaction.atomic
def erase_bookings_of(*, person, by) -> dict[str, int]:
    """The ``bookings`` part of ``accounts.services.erase_person``.

    In the one lock order: the capacity locks of all the person's courses
    first (ascending ids), then their booking rows. Active bookings of courses
    that have not ended are cancelled as any cancellation (``_cancel``) and the
    places they held are offered on to the waiting list at once
    (``offer_free_places``); waiting places simply go. Every booking then
    becomes an anonymous record and is deleted, with its attendance marks.
    The person is not notified: their inbox is erased with them.
    """
    course_ids = set(Booking.objects.filter(learner=person).values_list("course_id", flat=True))
    locking.lock_course_capacity(course_ids)
    bookings = locking.lock_rows(Booking.objects.filter(learner=person).select_related("course"))
    today, now = timezone.localdate(), timezone.now()
    freed: dict[int, Course] = {}
    cancelled = 0
    for booking in bookings:
        if booking.status in ACTIVE_STATUSES and booking.course.ends_on >= today:
            if _cancel(booking, by=by, now=now):
                freed[booking.course_id] = booking.course
            cancelled += 1
    from accounts.models import AnonymousRecord

    AnonymousRecord.objects.bulk_create(_anonymous_records(bookings))
    Booking.objects.filter(pk__in=[booking.pk for booking in bookings]).delete()
    offered = 0
    for course_id in sorted(freed):
        offered += len(offer_free_places(freed[course_id], now))
    return {"bookings": len(bookings), "cancelled": cancelled, "places_offered": offered}


def anonymise_bookings_ended_before_moment(*, cutoff: datetime) -> int:
    """The retention rule's call (``courses/apps.py``): its cutoff is a moment;
    courses end on a Berlin day."""
    return anonymise_bookings_of_courses_ended_before(cutoff=timezone.localdate(cutoff))


def anonymise_bookings_of_courses_ended_before(*, cutoff: date) -> int:
    """Retention of bookings: the bookings of courses whose last day is before
    ``cutoff`` become anonymous records (the same as on erasure: level,
    municipality, month, outcome, childcare places) and are deleted with their
    children's ages, notes and attendance marks. Course by course, each in its
    own short transaction under the course's lock (nothing is offered: the
    courses are over). Returns how many bookings were anonymised."""
    done = 0
    course_ids = (
        Booking.objects.filter(course__ends_on__lt=cutoff)
        .values_list("course_id", flat=True)
        .distinct()
        .order_by("course_id")
    )
    for course_id in list(course_ids):
        done += _anonymise_bookings_of(course_id, cutoff)
    return done


@transaction.atomic
def _anonymise_bookings_of(course_id: int, cutoff: date) -> int:
    from accounts.models import AnonymousRecord

    locking.lock_course_capacity([course_id])
    bookings = locking.lock_rows(
        Booking.objects.filter(course_id=course_id, course__ends_on__lt=cutoff).select_related(
            "course"
        )
    )
    AnonymousRecord.objects.bulk_create(_anonymous_records(bookings))
    Booking.objects.filter(pk__in=[booking.pk for booking in bookings]).delete()
    return len(bookings)
