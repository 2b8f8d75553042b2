"""Every figure of the dashboard and the exports: reads only, no side effects.

Each function costs a fixed number of queries, whatever the number of
courses, bookings or requests: rows are counted by the database (annotations,
subqueries) and only small per-row values are brought into Python for what
SQL does awkwardly across databases (medians, months in local time).

What the filters apply to:

- courses, seats, waiting lists and childcare: published courses that run on
  at least one day of the period, in the region (online courses count only
  for the whole district);
- coaching requests, coach load: the present state, in the region (of the
  request's or the coach's municipality); the period does not apply;
- upcoming sessions: always the next 14 days from today, in the region;
- failed notifications: all of them, whatever the filters (they need action);
- calls to make (the office's call list): all open ones, whatever the filters.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.constants import Programme, RequestStatus
from coaching.models import (
    CoachingRequest,
    CoachProfile,
    MatchingRun,
    Mentorship,
    Milestone,
    UnmatchedRequest,
)
from coaching.selectors import with_load
from courses.constants import BookingStatus, CourseStatus, SessionStatus
from courses.models import Booking, Course, CourseSession
from courses.selectors import (
    AbsenceFlag,
    AttendanceFigures,
    absence_flags,
    attendance_counts,
    held_attendance,
    with_places_left,
)
from notifications.constants import Status
from notifications.models import Notification
from notifications.selectors import open_calls_count
from places.constants import Region

from .forms import Filters

UPCOMING_DAYS = 14
UPCOMING_LIMIT = 100
FAILED_LIMIT = 50
ONLINE = "online"

# The deciding reason of an unmatched request (where the candidates ran out),
# short enough for a chart axis. The full sentence is on the request's page.
REASON_LABELS = {
    "no_coach_in_programme": _("No coach in the programme"),
    "no_active_coach": _("Coaches paused or not onboarded"),
    "no_common_language": _("No common language"),
    "too_far": _("Coaches too far away"),
    "gender_preference": _("Preferred gender"),
    "no_shared_time": _("No shared time"),
    "declined_before": _("Declined before"),
    "at_capacity": _("Coaches at capacity"),
    "taken_by_other_requests": _("Places went to other requests"),
}


def region_label(code: str) -> str:
    if code == ONLINE:
        return str(_("Online"))
    return str(dict(Region.choices).get(code, code))


def day_range(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as aware datetimes: from the start day's midnight to the one after the end."""
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def _month(moment: datetime | date) -> date:
    day = timezone.localtime(moment).date() if isinstance(moment, datetime) else moment
    return day.replace(day=1)


# --- Courses, seats, childcare ---------------------------------------------------------------


@dataclass
class CourseRow:
    pk: int
    title: str
    level: str
    municipality: str
    region: str
    starts_on: date
    ends_on: date
    seats: int
    confirmed: int
    offered: int
    waiting: int
    childcare_places: int
    childcare_taken: int
    childcare_waiting: int
    free: int  # seats left, as the course page and the API count them
    childcare_free: int
    # Marks of the period's sessions held so far (attach_attendance).
    attendance: AttendanceFigures = field(default_factory=AttendanceFigures)

    @property
    def taken(self) -> int:
        return self.confirmed + self.offered

    @property
    def region_label(self) -> str:
        return region_label(self.region)


@dataclass
class RegionRow:
    region: str
    courses: int = 0
    seats: int = 0
    taken: int = 0
    free: int = 0  # the courses' seats left, summed
    waiting: int = 0
    childcare_places: int = 0
    childcare_taken: int = 0
    childcare_waiting: int = 0
    attendance: AttendanceFigures = field(default_factory=AttendanceFigures)

    @property
    def label(self) -> str:
        return region_label(self.region)

    @property
    def childcare_demand(self) -> int:
        """Children's places booked plus those asked for on the waiting list."""
        return self.childcare_taken + self.childcare_waiting

    @property
    def childcare_gap(self) -> int:
        """Places missing for the demand (0 when supply covers it)."""
        return max(self.childcare_demand - self.childcare_places, 0)


def courses_in(filters: Filters) -> QuerySet[Course]:
    queryset = Course.objects.filter(
        status=CourseStatus.PUBLISHED, starts_on__lte=filters.end, ends_on__gte=filters.start
    )
    if filters.region:
        queryset = queryset.filter(municipality__region=filters.region)
    return queryset


def course_rows(filters: Filters) -> list[CourseRow]:
    """Seats, waiting list and childcare of each course running in the period (one query)."""
    waiting = Q(bookings__status=BookingStatus.WAITLISTED)
    queryset = (
        with_places_left(courses_in(filters))
        .annotate(
            confirmed=Count("bookings", filter=Q(bookings__status=BookingStatus.CONFIRMED)),
            offered=Count("bookings", filter=Q(bookings__status=BookingStatus.OFFERED)),
            waiting=Count("bookings", filter=waiting),
            childcare_waiting=Coalesce(Sum("bookings__childcare_places", filter=waiting), 0),
        )
        .values(
            "pk",
            "title",
            "level",
            "municipality__name",
            "municipality__region",
            "starts_on",
            "ends_on",
            "seats",
            "confirmed",
            "offered",
            "waiting",
            "childcare_places",
            "childcare_taken",
            "childcare_waiting",
            "seats_left",
            "childcare_places_left",
        )
        .order_by("starts_on", "title", "pk")
    )
    return [
        CourseRow(
            pk=row["pk"],
            title=row["title"],
            level=row["level"],
            municipality=row["municipality__name"] or "",
            region=row["municipality__region"] or ONLINE,
            starts_on=row["starts_on"],
            ends_on=row["ends_on"],
            seats=row["seats"],
            confirmed=row["confirmed"],
            offered=row["offered"],
            waiting=row["waiting"],
            childcare_places=row["childcare_places"],
            childcare_taken=row["childcare_taken"],
            childcare_waiting=row["childcare_waiting"],
            free=row["seats_left"],
            childcare_free=row["childcare_places_left"],
        )
        for row in queryset
    ]


def region_rows(courses: list[CourseRow], filters: Filters) -> list[RegionRow]:
    """The course rows summed per region, every region listed (zeros included)."""
    codes = [filters.region] if filters.region else [*Region.values, ONLINE]
    regions = {code: RegionRow(region=code) for code in codes}
    for course in courses:
        row = regions[course.region]
        row.courses += 1
        row.seats += course.seats
        row.taken += course.taken
        row.free += course.free
        row.waiting += course.waiting
        row.childcare_places += course.childcare_places
        row.childcare_taken += course.childcare_taken
        row.childcare_waiting += course.childcare_waiting
        row.attendance.add(course.attendance)
    return list(regions.values())


# --- Coaching -------------------------------------------------------------------------------


@dataclass
class ProgrammeWait:
    programme: str
    requests: int
    median_days: float | None
    longest_days: int | None

    @property
    def label(self) -> str:
        return str(dict(Programme.choices).get(self.programme, self.programme))


@dataclass
class CoachingFigures:
    open_requests: int
    by_programme: list[ProgrammeWait]
    latest_run_at: datetime | None
    reasons: list[tuple[str, str, int]]  # (code, label, open requests it left unmatched)
    not_in_latest_run: int


def open_requests(filters: Filters) -> QuerySet[CoachingRequest]:
    queryset = CoachingRequest.objects.filter(status=RequestStatus.OPEN)
    if filters.region:
        queryset = queryset.filter(municipality__region=filters.region)
    return queryset


def coaching_figures(filters: Filters, today: date) -> CoachingFigures:
    """Open requests, how long they have waited, and why the latest run left them unmatched."""
    requests = list(open_requests(filters).values_list("programme", "created_at"))
    waits: dict[str, list[int]] = defaultdict(list)
    for programme, created_at in requests:
        waits[programme].append((today - timezone.localtime(created_at).date()).days)
    by_programme = [
        ProgrammeWait(programme, len(days), median(days), max(days))
        for programme, days in sorted(waits.items())
    ]
    latest = MatchingRun.objects.order_by("-created_at", "-pk").values("pk", "created_at").first()
    reasons: Counter[str] = Counter()
    if latest:
        unmatched = UnmatchedRequest.objects.filter(
            run_id=latest["pk"], request__in=open_requests(filters)
        ).values_list("reasons", flat=True)
        for found in unmatched:
            reasons[found[-1]["code"] if found else "unknown"] += 1
    return CoachingFigures(
        open_requests=len(requests),
        by_programme=by_programme,
        latest_run_at=latest["created_at"] if latest else None,
        reasons=[
            (code, str(REASON_LABELS.get(code, code)), n) for code, n in reasons.most_common()
        ],
        not_in_latest_run=len(requests) - sum(reasons.values()),
    )


@dataclass
class CoachRow:
    name: str
    municipality: str
    capacity: int
    active_mentees: int
    open_proposals: int
    is_active: bool
    load: int  # coaching.selectors.with_load: as matching counts it

    @property
    def free(self) -> int:
        return max(self.capacity - self.load, 0)

    @property
    def band(self) -> str:
        if not self.is_active:
            return "paused"
        if self.load == 0:
            return "idle"
        return "full" if self.free == 0 else "partly"


LOAD_BANDS = {
    "idle": _("No mentee yet"),
    "partly": _("Places free"),
    "full": _("Full"),
    "paused": _("Paused"),
}


def coach_rows(filters: Filters) -> list[CoachRow]:
    """Each coach's mentees and open proposals against their capacity (one query)."""
    queryset = with_load(CoachProfile.objects.all())
    if filters.region:
        queryset = queryset.filter(municipality__region=filters.region)
    rows = queryset.values(
        "user__full_name", "user__email", "municipality__name", "capacity", "active_mentees",
        "open_proposals", "load", "is_active", "user__is_active",
    ).order_by("user__full_name", "user__email")  # fmt: skip
    return [
        CoachRow(
            name=row["user__full_name"] or row["user__email"],
            municipality=row["municipality__name"],
            capacity=row["capacity"],
            active_mentees=row["active_mentees"],
            open_proposals=row["open_proposals"],
            is_active=row["is_active"] and row["user__is_active"],
            load=row["load"],
        )
        for row in rows
    ]


def load_bands(coaches: list[CoachRow]) -> list[tuple[str, str, int]]:
    counts = Counter(coach.band for coach in coaches)
    return [(band, str(label), counts[band]) for band, label in LOAD_BANDS.items()]


# --- Sessions and notifications ------------------------------------------------------------------


def upcoming_sessions(filters: Filters, today: date) -> list[CourseSession]:
    """Sessions of the next 14 days (cancelled ones too, to be marked), at most 100 + 1,
    so the page can say there are more."""
    queryset = CourseSession.objects.filter(
        date__gte=today,
        date__lt=today + timedelta(days=UPCOMING_DAYS),
        course__status__in=[CourseStatus.PUBLISHED, CourseStatus.CANCELLED],
    ).select_related("course", "course__municipality")
    if filters.region:
        queryset = queryset.filter(course__municipality__region=filters.region)
    return list(queryset.order_by("date", "start_time", "pk")[: UPCOMING_LIMIT + 1])


def failed_notifications() -> QuerySet[Notification]:
    return (
        Notification.objects.filter(status=Status.FAILED)
        .select_related("recipient")
        .order_by("-created_at", "-pk")
    )


# --- Attendance -------------------------------------------------------------------------------


@dataclass
class LearnerAttendance:
    """One learner's marks in one course (a booking), for the coordinator."""

    booking_id: int
    learner_name: str
    course_pk: int
    course_title: str
    figures: AttendanceFigures
    learner_id: int = 0  # not shown: whose data it is, for the access log


LEARNER_ATTENDANCE_LIMIT = 50


def period_attendance(filters: Filters, today: date):
    """Marks of the period's sessions held so far, in the courses the dashboard counts."""
    return held_attendance(today).filter(
        session__date__range=(filters.start, filters.end), session__course__in=courses_in(filters)
    )


def learner_attendance(filters: Filters, today: date) -> list[LearnerAttendance]:
    """Each booking's marks in the period (one query), lowest rate first."""
    counts = attendance_counts(
        period_attendance(filters, today),
        "booking_id",
        "booking__learner__full_name",
        "booking__learner__email",
        "booking__course_id",
        "booking__course__title",
        "booking__learner_id",
    )
    rows = [
        LearnerAttendance(
            booking_id=booking_id,
            learner_name=name or email,
            course_pk=course_pk,
            course_title=title,
            figures=figures,
            learner_id=learner_id,
        )
        for (booking_id, name, email, course_pk, title, learner_id), figures in counts.items()
    ]
    return sorted(rows, key=lambda r: (r.figures.rate or 0, r.learner_name, r.booking_id))


def attach_attendance(courses: list[CourseRow], learners: list[LearnerAttendance]) -> None:
    """Sum the learners' marks into their course rows (no query)."""
    by_pk = {course.pk: course for course in courses}
    for row in learners:
        if row.course_pk in by_pk:
            by_pk[row.course_pk].attendance.add(row.figures)


def flagged_absences(filters: Filters, today: date) -> list[AbsenceFlag]:
    """Participants of published courses still running (in the region) absent at
    their latest marked sessions: the present state, the period does not apply."""
    from courses.models import Booking as Bookings

    bookings = Bookings.objects.filter(
        course__status=CourseStatus.PUBLISHED, course__ends_on__gte=today
    )
    if filters.region:
        bookings = bookings.filter(course__municipality__region=filters.region)
    return absence_flags(bookings, today)


# --- The whole dashboard ----------------------------------------------------------------------


@dataclass
class Dashboard:
    filters: Filters
    today: date
    courses: list[CourseRow]
    regions: list[RegionRow]
    coaching: CoachingFigures
    coaches: list[CoachRow]
    bands: list[tuple[str, str, int]]
    sessions: list[CourseSession]
    more_sessions: bool
    failed: list[Notification]
    failed_total: int
    totals: dict = field(default_factory=dict)
    attendance: AttendanceFigures = field(default_factory=AttendanceFigures)
    learners: list[LearnerAttendance] = field(default_factory=list)
    more_learners: bool = False
    absences: list[AbsenceFlag] = field(default_factory=list)


def dashboard(filters: Filters, today: date | None = None) -> Dashboard:
    """Everything the dashboard shows, in ten queries (eleven with 50+ failed notifications)."""
    today = today or timezone.localdate()
    courses = course_rows(filters)
    learners = learner_attendance(filters, today)
    attach_attendance(courses, learners)
    regions = region_rows(courses, filters)
    attendance = AttendanceFigures()
    for region in regions:
        attendance.add(region.attendance)
    coaches = coach_rows(filters)
    sessions = upcoming_sessions(filters, today)
    failed_queryset = failed_notifications()
    failed = list(failed_queryset[:FAILED_LIMIT])
    failed_total = len(failed) if len(failed) < FAILED_LIMIT else failed_queryset.count()
    coaching = coaching_figures(filters, today)
    totals = {
        "courses": len(courses),
        "seats": sum(r.seats for r in regions),
        "taken": sum(r.taken for r in regions),
        "waiting": sum(r.waiting for r in regions),
        "childcare_places": sum(r.childcare_places for r in regions),
        "childcare_demand": sum(r.childcare_demand for r in regions),
        "open_requests": coaching.open_requests,
        "failed": failed_total,
        "calls": open_calls_count(),
    }
    return Dashboard(
        filters=filters,
        today=today,
        courses=courses,
        regions=regions,
        coaching=coaching,
        coaches=coaches,
        bands=load_bands(coaches),
        sessions=sessions[:UPCOMING_LIMIT],
        more_sessions=len(sessions) > UPCOMING_LIMIT,
        failed=failed,
        failed_total=failed_total,
        totals=totals,
        attendance=attendance,
        learners=learners[:LEARNER_ATTENDANCE_LIMIT],
        more_learners=len(learners) > LEARNER_ATTENDANCE_LIMIT,
        absences=flagged_absences(filters, today),
    )


# --- Exports ---------------------------------------------------------------------------------


@dataclass
class ParticipantRow:
    month: date
    course_pk: int
    title: str
    level: str
    municipality: str
    region: str
    learners: int


def participants_by_month(filters: Filters) -> list[ParticipantRow]:
    """Learners with a confirmed booking, per course and month (four queries).

    A course counts in a month when it has a session that takes place (is not
    cancelled) in that month and the period; each learner whose booking is
    confirmed now counts once per course and month, and so does each anonymous
    record of a confirmed booking. No names leave the database.
    """
    sessions = (
        CourseSession.objects.filter(
            date__range=(filters.start, filters.end),
            status=SessionStatus.SCHEDULED,
            course__in=courses_in(filters),
        )
        .values_list("course_id", "date")
        .order_by()
    )
    months: dict[int, set[date]] = defaultdict(set)
    for course_id, day in sessions:
        months[course_id].add(day.replace(day=1))
    learners = dict(
        Booking.objects.filter(course_id__in=list(months), status=BookingStatus.CONFIRMED)
        .values("course_id")
        .annotate(n=Count("learner_id", distinct=True))
        .values_list("course_id", "n")
        .order_by()
    )
    # Bookings of people since erased, and of courses past their retention, are
    # kept as anonymous records: they count as the participants they were.
    from accounts.models import AnonymousRecord

    for course_id, n in (
        AnonymousRecord.objects.filter(
            kind=AnonymousRecord.Kind.BOOKING,
            course_id__in=list(months),
            outcome=BookingStatus.CONFIRMED,
        )
        .values("course_id")
        .annotate(n=Count("pk"))
        .values_list("course_id", "n")
        .order_by()
    ):
        learners[course_id] = learners.get(course_id, 0) + n
    courses = Course.objects.filter(pk__in=list(months)).values(
        "pk", "title", "level", "municipality__name", "municipality__region"
    )
    rows = [
        ParticipantRow(
            month=month,
            course_pk=course["pk"],
            title=course["title"],
            level=course["level"],
            municipality=course["municipality__name"] or "",
            region=course["municipality__region"] or ONLINE,
            learners=learners.get(course["pk"], 0),
        )
        for course in courses
        for month in months[course["pk"]]
    ]
    return sorted(rows, key=lambda r: (r.month, r.title, r.course_pk))


@dataclass
class CoachingOutcomeRow:
    month: date
    programme: str
    requests: int = 0
    matched: int = 0
    days_to_match: list[int] = field(default_factory=list)
    ended: Counter = field(default_factory=Counter)
    milestones: Counter = field(default_factory=Counter)

    @property
    def median_days_to_match(self) -> int | None:
        return round(median(self.days_to_match)) if self.days_to_match else None


def coaching_outcomes(filters: Filters) -> list[CoachingOutcomeRow]:
    """Coaching per programme and month (four queries): requests made, requests
    matched and the median days it took, mentorships ended by reason, milestones
    by kind. Months are local calendar months; the region is the request's."""
    since, until = day_range(filters.start, filters.end)
    requests = CoachingRequest.objects.all()
    if filters.region:
        requests = requests.filter(municipality__region=filters.region)
    rows: dict[tuple[date, str], CoachingOutcomeRow] = {}

    def row(moment, programme) -> CoachingOutcomeRow:
        key = (_month(moment), programme)
        if key not in rows:
            rows[key] = CoachingOutcomeRow(month=key[0], programme=programme)
        return rows[key]

    for programme, created_at in requests.filter(
        created_at__gte=since, created_at__lt=until
    ).values_list("programme", "created_at"):
        row(created_at, programme).requests += 1
    for programme, created_at, matched_at in requests.filter(
        matched_at__gte=since, matched_at__lt=until
    ).values_list("programme", "created_at", "matched_at"):
        assert matched_at is not None  # the filter above
        target = row(matched_at, programme)
        target.matched += 1
        target.days_to_match.append((matched_at - created_at).days)
    for programme, ended_at, reason in Mentorship.objects.filter(
        request__in=requests, ended_at__gte=since, ended_at__lt=until
    ).values_list("request__programme", "ended_at", "end_reason"):
        row(ended_at, programme).ended[reason] += 1
    for programme, occurred_on, kind in Milestone.objects.filter(
        mentorship__request__in=requests, occurred_on__range=(filters.start, filters.end)
    ).values_list("mentorship__request__programme", "occurred_on", "kind"):
        row(occurred_on, programme).milestones[kind] += 1
    return sorted(rows.values(), key=lambda r: (r.month, r.programme))


def confirmed_participants(course: Course) -> QuerySet[Booking]:
    """One course's confirmed participants, for the provider's attendance list."""
    return (
        Booking.objects.filter(course=course, status=BookingStatus.CONFIRMED)
        .select_related("learner")
        .order_by("learner__full_name", "learner__email", "pk")
    )


@dataclass
class AttendanceMonthRow:
    month: date
    course_pk: int
    title: str
    level: str
    municipality: str
    region: str
    figures: AttendanceFigures


def attendance_by_month(filters: Filters, today: date | None = None) -> list[AttendanceMonthRow]:
    """Marks of held sessions per course and month of the period (one query, no names)."""
    today = today or timezone.localdate()
    counts = attendance_counts(
        period_attendance(filters, today),
        "session__course_id",
        "session__date",
        "session__course__title",
        "session__course__level",
        "session__course__municipality__name",
        "session__course__municipality__region",
    )
    rows: dict[tuple[date, int], AttendanceMonthRow] = {}
    for (pk, day, title, level, town, region), figures in counts.items():
        key = (day.replace(day=1), pk)
        if key not in rows:
            rows[key] = AttendanceMonthRow(key[0], pk, title, level, town or "", region or ONLINE,
                                           AttendanceFigures())  # fmt: skip
        rows[key].figures.add(figures)
    return sorted(rows.values(), key=lambda r: (r.month, r.title, r.course_pk))


def attendance_of_participants(course: Course) -> dict[int, AttendanceFigures]:
    """Each confirmed participant's marks in the course's held sessions (one query)."""
    return attendance_counts(held_attendance().filter(session__course=course), "booking_id")
