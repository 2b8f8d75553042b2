"""Every write about courses and bookings, one function per use case.

Each function runs in one transaction. Whatever writes a course, a session
or a booking takes its locks in the one order of ``locking.py`` — the
course's lock first, then rows in id order — and only through its helpers;
whatever takes capacity (a booking, an offer to the waiting list) reads what
is left only while it holds the course's lock. A rule a user's request breaks
raises a ``DomainError`` before anything is written.
"""

import logging
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import COORDINATOR, has_role
from common.errors import Busy, Conflict, DomainError, InvalidInput, NotAllowed
from common.validators import SingleLineValidator, check_fields, has_control_characters
from notifications.constants import Kind
from notifications.payloads import calendar, course_payload, session_payload
from notifications.services import notify

from . import locking, selectors
from .constants import (
    HOLDING_STATUSES,
    MAX_CHILD_AGE,
    MAX_CHILDREN_PER_BOOKING,
    MAX_COURSE_DAYS,
    MAX_DAYS_AHEAD,
    MAX_EXCEPTION_DATES,
    MAX_REASON_LENGTH,
    MAX_SESSIONS,
    BookingStatus,
    CancelReason,
    CourseStatus,
    SessionStatus,
)
from .models import Booking, Course, CourseSession
from .schedule import session_dates

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


# --- Courses and sessions -------------------------------------------------------


def create_course(**fields) -> Course:
    """Create a course and its sessions; invariants are checked by ``Course.clean``."""
    fields.setdefault("status", CourseStatus.PUBLISHED)
    fields["exception_dates"] = [str(d) for d in fields.get("exception_dates") or []]
    course = Course(**fields)
    course.full_clean()
    dates = _planned_dates(course)
    with transaction.atomic():
        course.save()
        _create_sessions(course, dates)
    return course


def _planned_dates(course: Course, today: date | None = None) -> list[date]:
    """The course's session dates, refused when the plan is beyond sense: longer
    than ``MAX_COURSE_DAYS``, ending more than ``MAX_DAYS_AHEAD`` from today, or
    with more than ``MAX_SESSIONS`` sessions. Checked before any date is listed."""
    today = today or timezone.localdate()
    if (course.ends_on - course.starts_on).days + 1 > MAX_COURSE_DAYS:
        message = _("A course may last at most %(n)s days.") % {"n": MAX_COURSE_DAYS}
        raise InvalidInput(message, fields={"ends_on": [message]})
    _check_not_too_far_ahead(course.ends_on, "ends_on", today)
    if len(course.exception_dates) > MAX_EXCEPTION_DATES:
        message = _("List at most %(n)s dates without a session.") % {"n": MAX_EXCEPTION_DATES}
        raise InvalidInput(message, fields={"exception_dates": [message]})
    dates = session_dates(
        course.starts_on, course.ends_on, course.weekdays, course.exception_date_objects()
    )
    if len(dates) > MAX_SESSIONS:
        message = _("A course may have at most %(n)s sessions; this plan has %(count)s.") % {
            "n": MAX_SESSIONS,
            "count": len(dates),
        }
        raise InvalidInput(message, fields={"ends_on": [message]})
    return dates


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
    for booking in active:
        confirmed = booking.status == BookingStatus.CONFIRMED
        notify(
            recipient=booking.learner,
            kind=Kind.COURSE_CANCELLED,
            key=f"course-cancelled:{course.pk}",
            payload={**payload, **cancel_invitation} if confirmed else payload,
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
    for booking in course.bookings.filter(status=BookingStatus.CONFIRMED).select_related("learner"):
        notify(
            recipient=booking.learner,
            kind=kind,
            key=f"session:{session.pk}:{session.sequence}",
            payload=payload,
        )


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
    old_date = session.date
    session.date, session.start_time, session.end_time = to_date, start_time, end_time
    session.note = note
    check_fields(session, "note")
    session.sequence += 1
    session.save(update_fields=["date", "start_time", "end_time", "note", "sequence", "updated_at"])
    _tell_participants(session, Kind.SESSION_MOVED, old_date=old_date.isoformat())
    return session


# --- Bookings ---------------------------------------------------------------------


def registration_open(course: Course, today: date | None = None) -> bool:
    """Whether the course takes bookings (published, deadline not passed); the
    course page asks this before it offers the booking form."""
    today = today or timezone.localdate()
    deadline = course.registration_deadline or course.ends_on
    return course.status == CourseStatus.PUBLISHED and today <= deadline


def _check_bookable(course: Course, today: date) -> None:
    if course.status != CourseStatus.PUBLISHED:
        raise NotBookable(_("This course cannot be booked."))
    if not registration_open(course, today):
        raise RegistrationClosed(_("Registration for this course has closed."))


def _check_children(course: Course, children_ages: list[int]) -> None:
    if not children_ages:
        return
    if not course.has_childcare:
        raise InvalidChildren(
            _(
                "This course has no childcare. Book without children or choose a course with childcare."
            ),
            fields={"children_ages": [_("This course has no childcare.")]},
        )
    if len(children_ages) > min(course.childcare_places, MAX_CHILDREN_PER_BOOKING):
        raise InvalidChildren(
            _("This course has only %(n)s childcare places.") % {"n": course.childcare_places},
            fields={"children_ages": [_("Too many children for this course.")]},
        )
    low = course.childcare_min_age or 0
    high = course.childcare_max_age if course.childcare_max_age is not None else MAX_CHILD_AGE
    wrong = [age for age in children_ages if not (low <= age <= min(high, MAX_CHILD_AGE))]
    if wrong:
        message = _("Childcare in this course is for children from %(low)s to %(high)s years.") % {
            "low": low,
            "high": high,
        }
        raise InvalidChildren(message, fields={"children_ages": [message]})


def read_availability(course: Course) -> tuple[int, int]:
    """Seats and childcare places left. Call only with the capacity lock held."""
    taken_seats, taken_childcare = selectors.capacity_taken(course.pk)
    return course.seats - taken_seats, course.childcare_places - taken_childcare


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
    ) % {"title": title, "date": formats.date_format(day, "SHORT_DATE_FORMAT")}
    raise OverlapsBooking(message, fields={"confirm_overlap": [message]})


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
    have no email address).
    """
    children_ages = sorted(int(age) for age in children_ages)
    now = timezone.now()
    try:
        with transaction.atomic():
            locking.lock_course_capacity([course.pk])
            # Read the course under the lock: a coordinator may have cancelled
            # it or changed its places a moment ago.
            course = Course.objects.get(pk=course.pk)
            _check_bookable(course, timezone.localdate(now))
            _check_children(course, children_ages)
            if selectors.has_active_booking(course.pk, learner.pk):
                raise AlreadyBooked(_("You already have a booking for this course."))
            if not confirm_overlap:
                _check_overlap(course, learner, timezone.localdate(now))
            seats_left, childcare_left = read_availability(course)
            fits = _fits(len(children_ages), seats_left, childcare_left)
            booking = Booking.objects.create(
                course=course,
                learner=learner,
                children_ages=children_ages,
                childcare_places=len(children_ages),
                status=BookingStatus.CONFIRMED if fits else BookingStatus.WAITLISTED,
                confirmed_at=now if fits else None,
                booked_by=booked_by if booked_by and booked_by.pk != learner.pk else None,
            )
            _tell_learner_about_booking(booking)
            return booking
    except IntegrityError as error:
        # The partial unique index caught a simultaneous second booking.
        raise AlreadyBooked(_("You already have a booking for this course.")) from error


def _tell_learner_about_booking(booking: Booking) -> None:
    course = booking.course
    if booking.status == BookingStatus.CONFIRMED:
        notify(
            recipient=booking.learner,
            kind=Kind.BOOKING_CONFIRMED,
            key=f"booking:{booking.pk}:confirmed",
            payload=course_payload(course, **calendar("course", course.pk, "REQUEST")),
        )
    elif booking.status == BookingStatus.WAITLISTED:
        position = selectors.waitlist_position(booking.pk)
        notify(
            recipient=booking.learner,
            kind=Kind.BOOKING_WAITLISTED,
            key=f"booking:{booking.pk}:waitlisted",
            payload=course_payload(course, position=position),
        )


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


@transaction.atomic
def cancel_booking(*, booking: Booking, by) -> Booking:
    """Cancel a booking; a freed place goes straight to the waiting list."""
    booking = locking.lock_booking(booking.pk)
    if not _may_act_for(by, booking):
        raise NotAllowed(_("You cannot cancel this booking."))
    if booking.status == BookingStatus.CANCELLED:
        raise BookingNotActive(_("This booking is already cancelled."))
    held_capacity = booking.status in HOLDING_STATUSES
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.cancelled_by = by
    booking.cancel_reason = (
        CancelReason.BY_LEARNER if by.pk == booking.learner_id else CancelReason.BY_COORDINATOR
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


# --- Changes that people's calendars show -------------------------------------------
# Every door that changes a course's or a venue's details (admin today, the
# course editing pages and API later) calls these, so whatever a calendar
# shows — title, description, place, times, online link — reaches every
# confirmed participant as an updated invitation with a raised SEQUENCE.

# Not changed here: the schedule (new dates mean new sessions), capacity
# (needs the waiting list) and status (publish_course, cancel_course).
SCHEDULE_FIELDS = frozenset({"starts_on", "ends_on", "weekdays", "exception_dates"})
CAPACITY_FIELDS = frozenset({"seats", "childcare_places", "childcare_min_age", "childcare_max_age"})
FIXED_FIELDS = frozenset({"id", "status", "calendar_sequence", "created_at", "updated_at"})


def _changed_aspects(before: dict, after: dict) -> list[str]:
    return [aspect for aspect in after if before.get(aspect) != after[aspect]]


def course_calendar_changed(course: Course, changed: list[str]) -> None:
    """Raise the course's calendar SEQUENCE and send each confirmed participant
    the updated invitation (``Kind.COURSE_CHANGED``, naming what changed).

    Call inside the transaction of the change, after saving it; the invitation
    itself is built at delivery from the state of that moment.
    """
    Course.objects.filter(pk=course.pk).update(
        calendar_sequence=F("calendar_sequence") + 1, updated_at=timezone.now()
    )
    course.refresh_from_db(fields=["calendar_sequence", "updated_at"])
    payload = course_payload(
        course, changed=sorted(changed), **calendar("course", course.pk, "REQUEST")
    )
    confirmed = course.bookings.filter(status=BookingStatus.CONFIRMED).select_related("learner")
    for booking in confirmed.order_by("pk"):
        notify(
            recipient=booking.learner,
            kind=Kind.COURSE_CHANGED,
            key=f"course:{course.pk}:{course.calendar_sequence}",
            payload=payload,
        )


@transaction.atomic
def update_course(*, course: Course, by=None, **changes) -> Course:
    """Change a course's details (any field but its schedule, capacity and
    status); if what calendars show changed, everyone hears of it.

    A new ``start_time``/``end_time`` also moves the sessions of today and
    later that kept the course's times; earlier ones keep the times they had
    (calendars then show them as they took place). Invariants are the
    model's (``Course.clean``: a ``ValidationError`` changes nothing).
    """
    refused = set(changes) & (SCHEDULE_FIELDS | CAPACITY_FIELDS | FIXED_FIELDS)
    if refused:
        raise ValueError(f"update_course does not change {sorted(refused)}")
    from calendars.selectors import course_calendar_facts

    course = locking.lock_course(course.pk)  # the one lock order: capacity first, then rows
    before = course_calendar_facts(course)
    old_times = (course.start_time, course.end_time)
    for name, value in changes.items():
        setattr(course, name, value)
    course.full_clean()
    course.save()
    if (course.start_time, course.end_time) != old_times:
        course.sessions.filter(
            date__gte=timezone.localdate(), start_time=old_times[0], end_time=old_times[1]
        ).update(start_time=course.start_time, end_time=course.end_time, updated_at=timezone.now())
    changed = _changed_aspects(before, course_calendar_facts(course))
    if changed:
        course_calendar_changed(course, changed)
    return course


@transaction.atomic
def update_venue(*, venue, by=None, **changes):
    """Change a venue; the courses that meet there and have not ended send
    their participants an update if their calendars show the change (the
    place's name or address)."""
    from calendars.selectors import course_calendar_facts
    from places.models import Venue

    upcoming = Course.objects.filter(venue_id=venue.pk, ends_on__gte=timezone.localdate()).exclude(
        status=CourseStatus.CANCELLED
    )
    course_ids = sorted(upcoming.values_list("pk", flat=True))
    locking.lock_course_capacity(course_ids)  # the one lock order: courses, then rows
    courses = locking.lock_rows(
        Course.objects.filter(pk__in=course_ids).select_related("venue", "municipality")
    )
    venue = locking.lock_rows(Venue.objects.filter(pk=venue.pk))[0]
    before = {course.pk: course_calendar_facts(course) for course in courses}
    for name, value in changes.items():
        setattr(venue, name, value)
    venue.full_clean()
    venue.save()
    for course in courses:
        course.venue = venue
        changed = _changed_aspects(before[course.pk], course_calendar_facts(course))
        if changed:
            course_calendar_changed(course, changed)
    return venue
