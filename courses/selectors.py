"""Reads about courses and bookings: query shaping, no side effects.

List querysets carry everything their serializers need as annotations and
joins, so a page costs the same number of queries whatever its size.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Greatest, RowNumber
from django.db.models.query import get_related_populators
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from accounts.roles import COORDINATOR, TEACHER, has_role
from common.kept import KeptPerProcess
from common.prepared import fetch_prepared
from common.translated import SOURCE_LANGUAGE, TARGET_LANGUAGES, column, stored
from places.directions import directions_url
from places.models import Municipality, Venue
from places.selectors import municipalities_within

from .constants import (
    ABSENCE_STREAK,
    ACTIVE_STATUSES,
    AUDIENCE_STATUSES,
    HOLDING_STATUSES,
    PARTICIPANT_STATUS,
    AttendanceStatus,
    BookingStatus,
    CourseStatus,
    Format,
    SessionStatus,
    SkipReason,
)
from .models import Attendance, Booking, Closure, Course, CourseMessage, CourseSession, SkippedDate
from .schedule import holiday_name

_holding = Q(bookings__status__in=HOLDING_STATUSES)


def capacity_taken(course_id: int) -> tuple[int, int]:
    """Seats and childcare places held by confirmed and offered bookings."""
    totals = Booking.objects.filter(course_id=course_id, status__in=HOLDING_STATUSES).aggregate(
        seats=Count("pk"), childcare=Coalesce(Sum("childcare_places"), 0)
    )
    return totals["seats"], totals["childcare"]


def has_active_booking(course_id: int, learner_id: int) -> bool:
    return Booking.objects.filter(
        course_id=course_id, learner_id=learner_id, status__in=ACTIVE_STATUSES
    ).exists()


@dataclass(frozen=True)
class BookingState:
    """What a booking decides on, read in one statement (``booking_state``):
    the course's rules and ``updated_at``, the latest change of any of its
    sessions, what holding bookings take (as ``capacity_taken``), the waiting
    list's length and when its latest booking not put first joined, and
    whether the learner asked about has an active booking already."""

    status: str
    registration_deadline: date | None
    ends_on: date
    seats: int
    childcare_places: int
    childcare_min_age: int | None
    childcare_max_age: int | None
    updated_at: datetime
    # ``Course.sessions_version``: raised by the database with every write to
    # the course's sessions, so any change changes it, even under a stopped clock.
    sessions_version: int
    seats_taken: int
    childcare_taken: int
    waiting: int
    last_in_line: datetime | None
    already_booked: bool

    @property
    def has_childcare(self) -> bool:
        return self.childcare_places > 0

    @property
    def seats_left(self) -> int:
        return self.seats - self.seats_taken

    @property
    def childcare_left(self) -> int:
        return self.childcare_places - self.childcare_taken


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


# Written out rather than built with the ORM: a booking reads this twice
# (before the course's lock and under it), and the ORM spent about ten times
# as long composing the five subqueries as the database spent answering them.
# One pass over the course's bookings counts everything.
_BOOKING_STATE_SQL = f"""
SELECT c.status, c.registration_deadline, c.ends_on, c.seats, c.childcare_places,
       c.childcare_min_age, c.childcare_max_age, c.updated_at, c.sessions_version,
       b.seats_taken, b.childcare_taken, b.waiting, b.last_in_line, b.already_booked
FROM {Course._meta.db_table} c,
     (SELECT coalesce(sum(CASE WHEN status IN ({_placeholders(HOLDING_STATUSES)})
                          THEN 1 ELSE 0 END), 0) AS seats_taken,
             coalesce(sum(CASE WHEN status IN ({_placeholders(HOLDING_STATUSES)})
                          THEN childcare_places ELSE 0 END), 0) AS childcare_taken,
             coalesce(sum(CASE WHEN status = %s THEN 1 ELSE 0 END), 0) AS waiting,
             max(CASE WHEN status = %s AND NOT waitlist_priority
                      THEN created_at END) AS last_in_line,
             coalesce(max(CASE WHEN learner_id = %s AND status IN ({_placeholders(ACTIVE_STATUSES)})
                               THEN 1 ELSE 0 END), 0) AS already_booked
      FROM {Booking._meta.db_table} WHERE course_id = %s) b
WHERE c.id = %s
"""


def booking_state_statement(course_id: int, learner_id: int | None = None) -> tuple[str, list]:
    """``booking_state``'s statement, for a caller that sends it with its own
    (``services.lock_and_read_booking_state``); ``booking_state_of`` reads its row."""
    holding = [str(s) for s in HOLDING_STATUSES]
    waiting = str(BookingStatus.WAITLISTED)
    active = [str(s) for s in ACTIVE_STATUSES]
    params = [*holding, *holding, waiting, waiting, learner_id, *active, course_id, course_id]
    return _BOOKING_STATE_SQL, params


def booking_state_of(course_id: int, row) -> BookingState:
    if row is None:
        raise Course.DoesNotExist(f"Course {course_id} does not exist.")
    (status, deadline, ends_on, seats, childcare_places, min_age, max_age, updated_at,
     sessions_version, seats_taken, childcare_taken, waiting, last_in_line,
     already_booked) = row[:14]  # fmt: skip
    return BookingState(
        status=status,
        registration_deadline=_as_date(deadline),
        ends_on=_as_date(ends_on) or date.min,  # never empty (NOT NULL)
        seats=seats,
        childcare_places=childcare_places,
        childcare_min_age=min_age,
        childcare_max_age=max_age,
        updated_at=_as_datetime(updated_at) or datetime.min.replace(tzinfo=UTC),  # NOT NULL
        sessions_version=int(sessions_version),
        seats_taken=int(seats_taken),
        childcare_taken=int(childcare_taken),
        waiting=int(waiting),
        last_in_line=_as_datetime(last_in_line),
        already_booked=bool(already_booked),
    )


def booking_state(course_id: int, learner_id: int | None = None) -> BookingState:
    """The course as a booking decides on it (``BookingState``), in one
    statement. Read under the course's lock it is current; read before it, it
    is a forecast (``services.book_course`` reads it twice)."""
    rows = fetch_prepared(*booking_state_statement(course_id, learner_id))
    return booking_state_of(course_id, rows[0] if rows else None)


_WAITING_LIST_SQL = f"""
SELECT count(*), max(CASE WHEN NOT waitlist_priority THEN created_at END)
FROM {Booking._meta.db_table} WHERE course_id = %s AND status = %s
"""


def waiting_list_length_statement(course_id: int) -> tuple[str, list]:
    return _WAITING_LIST_SQL, [course_id, str(BookingStatus.WAITLISTED)]


def waiting_list_length_of(row) -> tuple[int, datetime | None]:
    length, last_in_line = row
    return int(length), _as_datetime(last_in_line)


def waiting_list_length(course_id: int) -> tuple[int, datetime | None]:
    """The waiting list's length, and when its latest booking not put first
    joined (as in ``booking_state``)."""
    with connection.cursor() as cursor:
        cursor.execute(*waiting_list_length_statement(course_id))
        return waiting_list_length_of(cursor.fetchone())


def _as_date(value) -> date | None:
    """A date column or expression: SQLite may give it as text."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _as_datetime(value) -> datetime | None:
    """A timestamp column or expression as an aware datetime: PostgreSQL gives
    one; SQLite gives a naive UTC one, or text for an expression."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


# The order of every waiting list, the one rule: bookings a coordinator put
# first (a hardship case, ``services.offer_out_of_turn``) ahead of the others,
# and each group in the order it arrived. Free places go to the first booking
# in this order that fits (``services.offer_free_places``); positions shown
# anywhere are counted in it (``with_waitlist_position``).
WAITING_ORDER = ("-waitlist_priority", "created_at", "pk")


def waiting_list(course_id: int):
    """A course's waiting bookings in ``WAITING_ORDER``."""
    return Booking.objects.filter(course_id=course_id, status=BookingStatus.WAITLISTED).order_by(
        *WAITING_ORDER
    )


def _at_or_ahead_of_outer(order=WAITING_ORDER) -> Q:
    """Bookings that come before the outer booking in ``order``, or are it:
    the lexicographic comparison of the order's keys, built from the order
    itself so the two can never disagree."""
    condition: Q | None = None
    for index in reversed(range(len(order))):
        key = order[index]
        name = key.lstrip("-")
        descending = key.startswith("-")
        last = index == len(order) - 1
        lookup = ("gte" if descending else "lte") if last else ("gt" if descending else "lt")
        before = Q(**{f"{name}__{lookup}": OuterRef(name)})
        condition = (
            before if condition is None else before | (Q(**{name: OuterRef(name)}) & condition)
        )
    assert condition is not None
    return condition


def _waitlist_position() -> Subquery:
    ahead = (
        Booking.objects.filter(course=OuterRef("course"), status=BookingStatus.WAITLISTED)
        .filter(_at_or_ahead_of_outer())
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(ahead, output_field=IntegerField())


def with_waitlist_position(queryset):
    """Annotate ``waitlist_position`` (1 = next in line; None unless waiting)."""
    return queryset.annotate(
        waitlist_position=Case(
            When(status=BookingStatus.WAITLISTED, then=_waitlist_position()),
            default=None,
            output_field=IntegerField(),
        )
    )


def waitlist_position(booking_id: int) -> int | None:
    return (
        with_waitlist_position(Booking.objects.filter(pk=booking_id))
        .values_list("waitlist_position", flat=True)
        .first()
    )


def waitlist_of(course: Course):
    """The waiting list as the office works with it: in order, with positions,
    each person's contact details and who put a booking first (one query a page)."""
    return with_waitlist_position(
        waiting_list(course.pk).select_related("learner__home_municipality", "priority_by")
    )


# Written out for the same reason as ``_BOOKING_STATE_SQL``: every booking asks.
_OVERLAP_SQL = f"""
SELECT s.course_id, c.title, s.date
FROM {CourseSession._meta.db_table} s JOIN {Course._meta.db_table} c ON c.id = s.course_id
WHERE s.status = %s AND s.date >= %s AND s.course_id <> %s
  AND EXISTS (SELECT 1 FROM {Booking._meta.db_table} b
              WHERE b.course_id = s.course_id AND b.learner_id = %s
                AND b.status IN ({_placeholders(ACTIVE_STATUSES)}))
  AND EXISTS (SELECT 1 FROM {CourseSession._meta.db_table} t
              WHERE t.course_id = %s AND t.status = %s AND t.date = s.date
                AND t.start_time < s.end_time AND t.end_time > s.start_time)
ORDER BY s.date, s.start_time, s.id
LIMIT 1
"""


def overlapping_booking(course: Course, learner_id: int, today: date):
    """A course the learner holds or waits for whose scheduled sessions meet at
    the same time as one of ``course``'s (same day, times intersect), from
    today on; ``(course id, title, date)`` of the first such session, or None.
    One query, whatever the number of sessions."""
    scheduled = str(SessionStatus.SCHEDULED)
    params = [
        scheduled,
        connection.ops.adapt_datefield_value(today),
        course.pk,
        learner_id,
        *[str(s) for s in ACTIVE_STATUSES],
        course.pk,
        scheduled,
    ]
    rows = fetch_prepared(_OVERLAP_SQL, params)
    if not rows:
        return None
    course_id, title, day = rows[0]
    return course_id, title, _as_date(day)


def courses_with_stale_offers(now: datetime) -> list[int]:
    return list(
        Booking.objects.filter(status=BookingStatus.OFFERED, offer_expires_at__lte=now)
        .values_list("course_id", flat=True)
        .distinct()
        .order_by("course_id")
    )


def visible_courses(user):
    """Coordinators see every course; everyone else published and cancelled ones."""
    if has_role(user, COORDINATOR):
        return Course.objects.all()
    return Course.objects.filter(status__in=[CourseStatus.PUBLISHED, CourseStatus.CANCELLED])


def courses_taught_by(user):
    """The courses a teacher was assigned to (``Course.teachers``); nothing for anyone
    else. Teachers see these and only these, whatever their state."""
    if not has_role(user, TEACHER):
        return Course.objects.none()
    return Course.objects.filter(teachers=user)


def teaches(user, course: Course) -> bool:
    """Whether ``user`` holds the teacher role and is one of ``course``'s teachers."""
    return courses_taught_by(user).filter(pk=course.pk).exists()


def with_places_left(queryset):
    """Annotate seats and childcare places taken and left (never below zero, e.g. after
    a coordinator lowered the seats). The one count of what is free that pages, the
    API and the dashboard show; the booking rule counts the same holding bookings
    under the capacity lock (``capacity_taken``)."""
    return queryset.annotate(
        seats_taken=Count("bookings", filter=_holding),
        childcare_taken=Coalesce(Sum("bookings__childcare_places", filter=_holding), 0),
    ).annotate(
        seats_left=Greatest(F("seats") - F("seats_taken"), Value(0)),
        childcare_places_left=Greatest(F("childcare_places") - F("childcare_taken"), Value(0)),
    )


def may_see_online_link(user, course: Course) -> bool:
    """Confirmed participants and coordinators see a course's online link; nobody
    else (a leaked link is a stranger in class). Reads ``viewer_is_participant``
    from ``with_availability`` when it is there."""
    if has_role(user, COORDINATOR):
        return True
    if not user.is_authenticated:
        return False
    participant = getattr(course, "viewer_is_participant", None)
    if participant is None:
        participant = Booking.objects.filter(
            course=course, learner=user, status=PARTICIPANT_STATUS
        ).exists()
    return bool(participant)


def with_availability(queryset, user):
    """Annotate seats and childcare places left, the waiting list's length and,
    for a signed-in user, whether they hold a confirmed place (which reveals
    the online meeting link, ``may_see_online_link``) and their own booking's status."""
    queryset = queryset.select_related("provider", "venue", "municipality", "venue__municipality")
    if not queryset.query.order_by:
        # Aggregating queries ignore Meta.ordering; pages need a stable order.
        queryset = queryset.order_by(*Course._meta.ordering)
    queryset = with_places_left(queryset).annotate(
        waitlist_length=Count("bookings", filter=Q(bookings__status=BookingStatus.WAITLISTED)),
    )
    if user.is_authenticated:
        own = Booking.objects.filter(
            course=OuterRef("pk"), learner=user, status__in=ACTIVE_STATUSES
        )
        queryset = queryset.annotate(
            my_booking_status=Subquery(own.values("status")[:1]),
            viewer_is_participant=Exists(own.filter(status=PARTICIPANT_STATUS)),
        )
    return queryset


# Sentinels the page statement is compiled with, found again among its parameters.
_PAGE_SENTINEL = -(2**62)


@dataclass(frozen=True)
class _PageStatement:
    compiler: object  # the compiled query's compiler: reads its rows back into courses
    sql: str
    params: tuple
    id_positions: tuple[int, ...]  # where the page's ids go, in order
    viewer_positions: tuple[int, ...]  # where the viewer's id goes


_page_statements: dict[tuple, _PageStatement | None] = {}


def _page_statement(count: int, signed_in: bool) -> _PageStatement | None:
    """``with_availability`` over ``count`` courses by id, compiled once per
    process: the SQL with sentinels for the ids and the viewer, and where those
    sit among the parameters (None if they cannot be told apart)."""
    # Per connection, i.e. per thread: the compiler reads rows back with its
    # connection's converters, and a connection belongs to one thread.
    wrapper = connections[DEFAULT_DB_ALIAS]
    key = (id(wrapper), wrapper.settings_dict["NAME"], count, signed_in)
    if key not in _page_statements:
        ids = [_PAGE_SENTINEL - 1 - index for index in range(count)]
        viewer = get_user_model()(pk=_PAGE_SENTINEL) if signed_in else AnonymousUser()
        queryset = with_availability(Course.objects.filter(pk__in=ids), viewer).order_by()
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        id_positions = tuple(params.index(pk) for pk in ids if params.count(pk) == 1)
        viewer_positions = tuple(i for i, value in enumerate(params) if value == _PAGE_SENTINEL)
        usable = len(id_positions) == count and bool(viewer_positions) == signed_in
        _page_statements[key] = (
            _PageStatement(compiler, sql, tuple(params), id_positions, viewer_positions)
            if usable
            else None
        )
    return _page_statements[key]


def availability_of(ids: list[int], user) -> list[Course]:
    """The courses with these ids (in no order) with their provider, venue and
    place and ``with_availability``'s annotations for ``user``: exactly
    ``with_availability(Course.objects.filter(pk__in=ids), user)``, whose
    statement is composed and compiled once per process for each page size
    (``_page_statement``) and run with this page's ids and viewer — composing
    it cost more than running it. Rows become courses as Django's
    ``ModelIterable`` makes them (converters, related objects, annotations)."""
    ids = list(dict.fromkeys(ids))
    signed_in = bool(user.is_authenticated)
    statement = _page_statement(len(ids), signed_in) if ids else None
    if statement is None:
        return list(with_availability(Course.objects.filter(pk__in=ids), user).order_by())
    params = list(statement.params)
    for position, pk in zip(statement.id_positions, ids, strict=True):
        params[position] = pk
    for position in statement.viewer_positions:
        params[position] = user.pk
    rows = fetch_prepared(statement.sql, params)  # planned once per connection
    return _courses_from(statement.compiler, rows)


def _courses_from(compiler, rows) -> list[Course]:
    """Rows of a compiled course statement as courses, as Django's
    ``ModelIterable`` makes them (converters, related objects, annotations)."""
    select, klass_info = compiler.select, compiler.klass_info  # type: ignore[attr-defined]
    annotations = compiler.annotation_col_map  # type: ignore[attr-defined]
    first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    names = [column[0].target.attname for column in select[first:last]]
    populators = get_related_populators(klass_info, select, connection.alias)  # type: ignore[call-arg]
    courses = []
    for row in compiler.results_iter([rows]):  # type: ignore[attr-defined]
        course = Course.from_db(connection.alias, names, row[first:last])
        for populator in populators:
            populator.populate(row, course)
        for name, position in annotations.items():
            setattr(course, name, row[position])
        courses.append(course)
    return courses


_booking_statements: dict[tuple, tuple | None] = {}


def course_to_book(user, pk) -> Course:
    """``visible_courses(user)`` with the venue and its municipality (what a
    booking's message names), the one with id ``pk``; ``Course.DoesNotExist``
    if there is none. Exactly that queryset's ``get``, composed and compiled
    once per process for each kind of viewer (coordinators see every state)
    and prepared: every booking of a rush reads its course first, and
    composing the query cost it more than its insert."""

    def queryset():  # composed only when the statement is not kept
        return visible_courses(user).select_related("venue__municipality")

    if not (isinstance(pk, int) or str(pk).isdigit()) or int(pk) >= 2**63:
        return queryset().get(pk=pk)  # what the ORM says of such an id
    wrapper = connections[DEFAULT_DB_ALIAS]
    key = (id(wrapper), wrapper.settings_dict["NAME"], has_role(user, COORDINATOR))
    if key not in _booking_statements:
        query = queryset().filter(pk=_PAGE_SENTINEL).query
        compiler = query.get_compiler(using=DEFAULT_DB_ALIAS)
        sql, params = compiler.as_sql()
        positions = [i for i, value in enumerate(params) if value == _PAGE_SENTINEL]
        _booking_statements[key] = (
            (compiler, sql, tuple(params), positions[0]) if len(positions) == 1 else None
        )
    statement = _booking_statements[key]
    if statement is None:
        return queryset().get(pk=pk)
    compiler, sql, params, position = statement
    params = list(params)
    params[position] = int(pk)
    courses = _courses_from(compiler, fetch_prepared(sql, params))
    if not courses:
        raise Course.DoesNotExist(f"No course {pk} for this viewer.")
    return courses[0]


# A search's count and pages of ids, kept per process under the catalogue's
# version (``Listing``): a few hundred searches' worth.
_kept_listings: KeptPerProcess[tuple, object] = KeptPerProcess(size=2048)

_CATALOGUE_VERSION_SQL = "SELECT version FROM courses_catalogue_version WHERE id = 1"


def catalogue_version() -> int | None:
    """The number PostgreSQL raises at the commit of every transaction that
    wrote a course (migration ``courses.0009``), or None where lists of courses
    are not kept: on SQLite, and inside a transaction (which may see its own
    uncommitted changes, and whose raise comes only at its commit)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    rows = fetch_prepared(_CATALOGUE_VERSION_SQL, [])
    return int(rows[0][0]) if rows else None


class Listing:
    """A list of courses to page through, with their availability (seats and
    childcare places left, waiting list, the viewer's own booking) worked out
    for the page only. Django's ``Paginator`` and DRF's pagination count and
    slice it like a queryset; a page costs three queries, whatever the number
    of courses:

    1. the count, over the courses' own columns (no join at all);
    2. the page's ids, in the list's order (narrow rows: only the ordering is
       sorted, not the courses with their provider, venue and place);
    3. those courses with their provider, venue and place and
       ``with_availability``'s annotations — the one rule for what is free —
       aggregating the bookings of these courses only (``availability_of``:
       the statement is composed once per process and page size).

    (Aggregating first and paging after, as one queryset does, joins and
    groups every booking of every matching course before it can take twenty.)

    The first two depend on nothing but the courses' own columns and the
    statement's parameters (today, the viewer's role, the filters, the
    distances), so on PostgreSQL they are kept per process under the
    catalogue's version (``catalogue_version``, read once per listing) and
    the statement: while no course changes, a search asks the database for the
    version and the page's availability only. What is free is never kept.
    """

    ordered = True  # for Paginator's check: the rows always have an order

    def __init__(self, queryset, user):
        if not queryset.query.order_by:
            queryset = queryset.order_by(*Course._meta.ordering)
        self.queryset = queryset
        self.user = user
        self._version: int | None = None
        self._version_read = False
        self._statement: tuple[str, tuple] | None = None

    def _kept(self, part: tuple, compute):
        """``compute()``, or what it gave for the same statement and ``part``
        since the catalogue last changed."""
        if not self._version_read:
            self._version, self._version_read = catalogue_version(), True
        if self._version is None:
            return compute()
        if self._statement is None:  # compiled once per listing: count and page share it
            try:
                sql, params = self.queryset.query.sql_with_params()
            except EmptyResultSet:  # ``none()``: nothing to ask the database
                return compute()
            self._statement = (sql, tuple(params))
        key = (connection.settings_dict["NAME"], self._version, *self._statement, part)
        try:
            kept = _kept_listings.get(key)
        except TypeError:  # a parameter that cannot be a key: nothing kept
            return compute()
        if kept is None:
            kept = compute()
            _kept_listings.keep(key, kept)
        return kept

    def count(self) -> int:
        return self._kept(("count",), self.queryset.count)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        carried = tuple(self.queryset.query.annotations)  # e.g. ``distance_km``
        page = self._kept(
            ("page", key.start, key.stop, key.step, carried),
            lambda: tuple(self.queryset.values_list("pk", *carried)[key]),
        )
        if not page:
            return []
        by_id = {
            course.pk: course for course in availability_of([row[0] for row in page], self.user)
        }
        courses = []
        for pk, *values in page:
            if pk in by_id:  # not deleted between the two queries
                course = by_id[pk]
                for name, value in zip(carried, values, strict=True):
                    setattr(course, name, value)
                courses.append(course)
        return courses

    def __iter__(self):
        return iter(self[:])


def sessions_of(course: Course):
    return (
        CourseSession.objects.filter(course=course)
        .select_related("course")
        .order_by("date", "start_time", "pk")
    )


def visible_bookings(user):
    """A learner's own bookings; every booking for a coordinator.

    Each row carries its waiting-list position (1 = next in line).
    """
    if not user.is_authenticated:
        return Booking.objects.none()
    queryset = Booking.objects.select_related("course")
    if not has_role(user, COORDINATOR):
        queryset = queryset.filter(learner=user)
    return with_waitlist_position(queryset)


# --- The web catalogue --------------------------------------------------------------


class _DistanceOf(Func):
    """``CASE municipality_id WHEN <id> THEN <km> … END``: the distance of each
    place within reach, as one expression. The same values as one ``When`` per
    place, which Django resolved and compiled one by one (tens of milliseconds
    per search with the whole district within reach)."""

    output_field = FloatField()

    def __init__(self, distances: dict[int, float]):
        super().__init__(F("municipality_id"))
        self.distances = distances

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        branches = " ".join("WHEN %s THEN %s" for _ in self.distances)
        values = [value for pair in self.distances.items() for value in pair]
        return f"CASE {column} {branches} ELSE NULL END", (*params, *values)


def within_reach(
    queryset, origin: Municipality, radius_km: float, among: list[Municipality] | None = None
):
    """Courses meeting within ``radius_km`` of a municipality, nearest first,
    annotated with ``distance_km``. Online courses have no place and drop out.
    ``among``: the district's municipalities, if the caller read them already
    (``places.selectors.municipalities``)."""
    distances = municipalities_within(origin, radius_km, among)
    if not distances:
        return queryset.none()
    return (
        queryset.filter(municipality_id__in=distances)
        .annotate(distance_km=_DistanceOf(distances))
        .order_by("distance_km", "starts_on", "pk")
    )


def meeting_on_weekday(queryset, weekday: int):
    """Courses with a session on ``weekday`` (0 = Monday).

    Weekdays are a short JSON list that SQLite cannot search, so the ids are
    matched in Python (one query over the narrowed catalogue: hundreds of
    rows, not millions)."""
    ids = [pk for pk, days in queryset.values_list("pk", "weekdays") if weekday in (days or [])]
    return queryset.filter(pk__in=ids)


# Times of day a learner can choose, as [from, until) of the start time.
TIMES_OF_DAY = {
    "morning": (time(0, 0), time(12, 0)),
    "afternoon": (time(12, 0), time(17, 0)),
    "evening": (time(17, 0), time(23, 59, 59)),
}


def catalogue(user, *, today: date | None = None, published_only: bool = True):
    """The courses a search shows: those that have not ended; for everyone but
    coordinators only published ones (unless ``published_only`` is off, e.g. to
    list cancelled ones). The one rule behind the search page and the API list."""
    today = today or timezone.localdate()
    queryset = visible_courses(user).filter(ends_on__gte=today)
    if published_only and not has_role(user, COORDINATOR):
        queryset = queryset.filter(status=CourseStatus.PUBLISHED)
    return queryset


def search_courses(
    user,
    *,
    level: str = "",
    near: Municipality | None = None,
    radius_km: float = 15,
    towns: list[Municipality] | None = None,
    online: bool = False,
    childcare: bool = False,
    weekday: int | None = None,
    time_of_day: str = "",
    today: date | None = None,
):
    """The catalogue as a learner searches it, as a ``Listing`` (availability
    worked out for the page shown).

    Only courses that have not ended. Non-coordinators see published courses
    only; coordinators every state (as in the API). ``online`` means courses one
    can join from home (online or hybrid), wherever they are held, so it
    replaces the search around ``near``. ``towns``: the district's
    municipalities, if the caller read them already.
    """
    queryset = catalogue(user, today=today)
    if level:
        queryset = queryset.filter(level=level)
    if childcare:
        queryset = queryset.filter(childcare_places__gt=0)
    if time_of_day in TIMES_OF_DAY:
        start, end = TIMES_OF_DAY[time_of_day]
        queryset = queryset.filter(start_time__gte=start, start_time__lt=end)
    if weekday is not None:
        queryset = meeting_on_weekday(queryset, weekday)
    if online:
        queryset = queryset.filter(format__in=[Format.ONLINE, Format.HYBRID])
    elif near is not None:
        queryset = within_reach(queryset, near, radius_km, towns)
    return Listing(queryset, user)


def courses_to_manage(*, status: str = "", region: str = ""):
    """Every course for the coordinators' list, drafts and cancelled ones included."""
    queryset = Course.objects.all()
    if status:
        queryset = queryset.filter(status=status)
    if region:
        queryset = queryset.filter(municipality__region=region)
    return queryset.order_by("-starts_on", "title", "pk")


def bookings_of_course(course: Course):
    """A course's confirmed and offered bookings with their learners (coordinators
    only: names are personal data), confirmed first, each in booking order. The
    waiting list is ``waitlist_of``."""
    holding_first = Case(
        When(status=BookingStatus.CONFIRMED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        Booking.objects.filter(course=course, status__in=HOLDING_STATUSES)
        .select_related("learner")
        .annotate(rank=holding_first)
        .order_by("rank", "created_at", "pk")
    )


def my_bookings(user):
    """The signed-in learner's own bookings (also a coordinator's, if they booked),
    with waiting positions and the course's place, current ones first."""
    current_first = Case(
        When(status=BookingStatus.CANCELLED, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return (
        visible_bookings(user)
        .filter(learner=user)
        .select_related("course__municipality", "course__venue")
        .annotate(current_first=current_first)
        .order_by("current_first", "course__starts_on", "-created_at", "pk")
    )


# --- The change log of a course ---------------------------------------------------------

# The course texts kept in every language (courses/translation.py): the plain
# fields are the German source, each translation is a column of its own
# (``title_ar``), written like any other field.
TRANSLATED_FIELDS = ("title", "description", "what_to_bring")
TRANSLATION_COLUMNS = tuple(
    column(field, language) for language in TARGET_LANGUAGES for field in TRANSLATED_FIELDS
)
# What a coordinator may change on a published course, in the order the edit
# page and the change log show it (``services.update_course`` changes these).
EDITABLE_FIELDS = (
    "title", "description", "what_to_bring", "provider", "venue", "helper_languages",
    "online_meeting_link", "seats", "childcare_places", "childcare_min_age",
    "childcare_max_age", "registration_deadline", "offer_hours", "weekdays", "start_time",
    "end_time", *TRANSLATION_COLUMNS,
)  # fmt: skip
# Recorded as well, though changed only through another field (the venue's).
LOGGED_FIELDS = (*EDITABLE_FIELDS, "municipality")
# Long texts are kept (and shown) shortened in the log.
CHANGE_TEXT_LIMIT = 2000
CHANGE_DISPLAY_LIMIT = 200
# Changes the management page shows (the API pages through all of them).
CHANGES_ON_PAGE = 20


def venue_text(venue) -> str | None:
    if venue is None:
        return None
    return ", ".join(part for part in (venue.name, venue.street, venue.postal_code) if part)


def change_values(course: Course) -> dict[str, object]:
    """The course's loggable fields as plain JSON values: names instead of ids
    (the log must read right after a venue is renamed), ISO dates, ``HH:MM``."""
    values: dict[str, object] = {
        name: stored(course, name, SOURCE_LANGUAGE)[:CHANGE_TEXT_LIMIT]
        for name in TRANSLATED_FIELDS
    }
    values["online_meeting_link"] = (course.online_meeting_link or "")[:CHANGE_TEXT_LIMIT]
    values.update(
        (name, (getattr(course, name) or "")[:CHANGE_TEXT_LIMIT]) for name in TRANSLATION_COLUMNS
    )
    values.update(
        provider=course.provider.name if course.provider is not None else None,
        venue=venue_text(course.venue),
        municipality=course.municipality.name if course.municipality is not None else None,
        helper_languages=list(course.helper_languages or []),
        seats=course.seats,
        childcare_places=course.childcare_places,
        childcare_min_age=course.childcare_min_age,
        childcare_max_age=course.childcare_max_age,
        registration_deadline=(
            course.registration_deadline.isoformat() if course.registration_deadline else None
        ),
        offer_hours=course.offer_hours,
        weekdays=sorted(set(course.weekdays or [])),
        start_time=f"{course.start_time:%H:%M}",
        end_time=f"{course.end_time:%H:%M}",
    )
    return values


def changed_values(before: dict, after: dict) -> list[dict]:
    """``[{"field", "old", "new"}]`` for every field whose value differs, in log order."""
    return [
        {"field": name, "old": before.get(name), "new": after.get(name)}
        for name in LOGGED_FIELDS
        if before.get(name) != after.get(name)
    ]


def change_text(field: str, value) -> str:
    """A logged value as display text in the active language."""
    from common import formatting
    from common.languages import language_name

    if value in (None, "", []):
        return "\u2013"  # an en dash: nothing
    if field == "weekdays":
        return ", ".join(formatting.weekday_name(day) for day in value if day in range(7))
    if field == "helper_languages":
        return ", ".join(language_name(code) for code in value)
    if field == "registration_deadline":
        return formatting.short_date(date.fromisoformat(value))
    if field in ("start_time", "end_time"):
        return formatting.time24(time.fromisoformat(value))
    text = str(value)
    if len(text) > CHANGE_DISPLAY_LIMIT:
        text = text[: CHANGE_DISPLAY_LIMIT - 1].rstrip() + "…"
    return text


def field_label(field: str) -> str:
    if field in TRANSLATION_COLUMNS:  # "Titel (Arabisch)"
        from common.languages import language_name

        base, language = field.rsplit("_", 1)
        return f"{field_label(base)} ({language_name(language)})"
    try:
        model_field = Course._meta.get_field(field)
    except Exception:  # a field the model no longer has: its name
        return field
    return str(getattr(model_field, "verbose_name", field))


def describe_changes(change) -> list[dict]:
    """One saved edit's field changes as display text: ``field, label, old, new``."""
    return [
        {
            "field": item.get("field", ""),
            "label": field_label(item.get("field", "")),
            "old": change_text(item.get("field", ""), item.get("old")),
            "new": change_text(item.get("field", ""), item.get("new")),
        }
        for item in change.changes or []
    ]


def course_changes(course: Course):
    """A course's change log, newest first, with who made each change (one query)."""
    from .models import CourseChange

    return CourseChange.objects.filter(course=course).select_related("by").order_by("-at", "-pk")


# --- Teachers and attendance ------------------------------------------------------


def teacher_candidates():
    """People with the teacher role whom a coordinator can assign to a course."""
    return (
        get_user_model()
        .objects.filter(groups__name=TEACHER, is_active=True)
        .order_by("full_name", "email", "pk")
        .distinct()
    )


def first_name(user) -> str:
    """The first word of a person's name: all a teacher learns of who they are."""
    parts = (user.full_name or "").split()
    return parts[0] if parts else ""


def attendance_sessions(user):
    """The sessions whose attendance ``user`` may see and mark: every session for
    coordinators, those of the courses they teach for teachers, none for anyone else."""
    queryset = CourseSession.objects.select_related("course")
    if has_role(user, COORDINATOR):
        return queryset
    return queryset.filter(course__in=courses_taught_by(user))


def session_participants(session: CourseSession):
    """The confirmed participants of the session's course, each with its mark for
    this session (``attendance_status``, ``None`` if not marked yet), by name."""
    mark = Attendance.objects.filter(session=session, booking=OuterRef("pk"))
    return (
        Booking.objects.filter(course_id=session.course_id, status=PARTICIPANT_STATUS)
        .select_related("learner")
        .annotate(
            attendance_status=Subquery(mark.values("status")[:1]),
            attendance_marked_at=Subquery(mark.values("marked_at")[:1]),
        )
        .order_by("learner__full_name", "pk")
    )


def teaching_courses(user, today: date | None = None):
    """The teacher's courses with their next date and number of participants."""
    today = today or timezone.localdate()
    upcoming = CourseSession.objects.filter(
        course=OuterRef("pk"), date__gte=today, status=SessionStatus.SCHEDULED
    ).order_by("date", "start_time")
    participants = (
        Booking.objects.filter(course=OuterRef("pk"), status=PARTICIPANT_STATUS)
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        courses_taught_by(user)
        .select_related("provider", "venue", "municipality")
        .annotate(
            next_session=Subquery(upcoming.values("date")[:1]),
            participants=Coalesce(Subquery(participants, output_field=IntegerField()), 0),
        )
        .order_by("-ends_on", "title", "pk")
    )


@dataclass(frozen=True)
class TeacherParticipant:
    """What a teacher sees of a participant, and nothing more (least privilege)."""

    booking_id: int
    first_name: str
    phone: str
    children_ages: list[int]
    learner_id: int  # not shown: whose data it is, for the access log


def participants_for_teacher(course: Course) -> list[TeacherParticipant]:
    """A course's confirmed participants as its teachers see them: first name,
    phone, the children in childcare (number and ages). One query."""
    rows = (
        Booking.objects.filter(course=course, status=PARTICIPANT_STATUS)
        .order_by("learner__full_name", "pk")
        .values_list("pk", "learner__full_name", "learner__phone", "children_ages", "learner_id")
    )
    return [
        TeacherParticipant(
            booking_id=pk,
            first_name=((name or "").split() or [""])[0],
            phone=phone,
            children_ages=sorted(ages or []),
            learner_id=learner_id,
        )
        for pk, name, phone, ages, learner_id in rows
    ]


@dataclass
class AttendanceFigures:
    """Marks of held sessions: rate = present / marked; excused counted on their own."""

    present: int = 0
    absent: int = 0
    excused: int = 0

    @property
    def marked(self) -> int:
        return self.present + self.absent + self.excused

    @property
    def rate(self) -> int | None:
        """Present as a whole percentage of the marks (None without any mark)."""
        return round(100 * self.present / self.marked) if self.marked else None

    @property
    def excused_rate(self) -> int | None:
        return round(100 * self.excused / self.marked) if self.marked else None

    def add(self, other: "AttendanceFigures") -> None:
        self.present += other.present
        self.absent += other.absent
        self.excused += other.excused


def held_attendance(today: date | None = None):
    """Marks of sessions held so far (not cancelled, today or earlier)."""
    today = today or timezone.localdate()
    return Attendance.objects.filter(
        session__status=SessionStatus.SCHEDULED, session__date__lte=today
    )


def attendance_counts(marks, *keys: str) -> dict:
    """Present, absent and excused counted per value of ``keys`` (one query):
    ``{key value (a tuple if several keys): AttendanceFigures}``."""
    rows = (
        marks.order_by()
        .values(*keys)
        .annotate(
            n_present=Count("pk", filter=Q(status=AttendanceStatus.PRESENT)),
            n_absent=Count("pk", filter=Q(status=AttendanceStatus.ABSENT)),
            n_excused=Count("pk", filter=Q(status=AttendanceStatus.EXCUSED)),
        )
    )
    result = {}
    for row in rows:
        key = row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys)
        result[key] = AttendanceFigures(row["n_present"], row["n_absent"], row["n_excused"])
    return result


def marked_per_session(course: Course) -> dict[int, int]:
    """How many participants are marked in each session of the course (one query)."""
    return dict(
        Attendance.objects.filter(session__course=course)
        .order_by()
        .values("session_id")
        .annotate(n=Count("pk"))
        .values_list("session_id", "n")
    )


@dataclass(frozen=True)
class AbsenceFlag:
    """A confirmed participant absent at the latest ``ABSENCE_STREAK`` marked sessions."""

    booking_id: int
    learner_name: str
    course_id: int
    course_title: str
    since: date  # the first of those sessions
    last: date  # the latest of them
    learner_id: int = 0  # not shown: whose data it is, for the access log


def absence_flags(bookings, today: date | None = None) -> list[AbsenceFlag]:
    """Those of ``bookings`` (confirmed ones count) whose latest ``ABSENCE_STREAK``
    marks in held sessions are all "absent", in one query: a window numbers each
    booking's marks from the latest back, and only the latest few are read.

    A presence or an excused absence breaks the run. Only marked sessions
    count: a session nobody marked the learner in neither breaks nor extends it.
    """
    ranked = (
        held_attendance(today)
        .filter(booking__in=bookings.filter(status=PARTICIPANT_STATUS))
        .annotate(
            recent=Window(
                RowNumber(),
                partition_by=[F("booking_id")],
                order_by=[
                    F("session__date").desc(),
                    F("session__start_time").desc(),
                    F("session_id").desc(),
                ],
            )
        )
        .filter(recent__lte=ABSENCE_STREAK)
        .values_list(
            "booking_id",
            "status",
            "session__date",
            "booking__learner__full_name",
            "booking__learner__email",
            "booking__course_id",
            "booking__course__title",
            "booking__learner_id",
        )
    )
    marks: dict[int, list] = {}
    for row in ranked:
        marks.setdefault(row[0], []).append(row)
    flags = [
        AbsenceFlag(
            booking_id=booking_id,
            learner_name=rows[0][3] or rows[0][4],
            course_id=rows[0][5],
            course_title=rows[0][6],
            since=min(r[2] for r in rows),
            last=max(r[2] for r in rows),
            learner_id=rows[0][7],
        )
        for booking_id, rows in marks.items()
        if len(rows) == ABSENCE_STREAK and all(r[1] == AttendanceStatus.ABSENT for r in rows)
    ]
    return sorted(flags, key=lambda f: (f.course_title, f.course_id, f.learner_name, f.booking_id))


def marks_of_booking(booking: Booking) -> list[tuple[CourseSession, str]]:
    """A booking's marks, latest session first (held and coming ones)."""
    return [
        (mark.session, mark.status)
        for mark in Attendance.objects.filter(booking=booking)
        .select_related("session")
        .order_by("-session__date", "-session__start_time", "-session_id")
    ]


def sheet_participants(course: Course):
    """Confirmed participants for the attendance sheet, by full name (coordinators only)."""
    return (
        Booking.objects.filter(course=course, status=PARTICIPANT_STATUS)
        .select_related("learner")
        .order_by("learner__full_name", "learner__email", "pk")
    )


# --- Messages to a course's people ------------------------------------------------------


def courses_to_write_to(user):
    """The courses whose people ``user`` may write to (and whose messages they may
    read): every course for coordinators, their own for teachers, none otherwise.
    Which audience a teacher may choose is the service's rule
    (``services.audiences_for``)."""
    if has_role(user, COORDINATOR):
        return Course.objects.all()
    return courses_taught_by(user)


def message_recipients(course: Course, audience: str):
    """The bookings a message to ``audience`` reaches, one per learner, in id order
    (``AUDIENCE_STATUSES``: participants are confirmed; the waiting list includes
    open offers; all is every active booking)."""
    return (
        Booking.objects.filter(course=course, status__in=AUDIENCE_STATUSES[audience])
        .select_related("learner")
        .order_by("pk")
    )


def audience_sizes(course: Course) -> dict[str, int]:
    """How many people each audience reaches now (one query), for the form's
    confirmation ("goes to 12 people")."""
    counts = Booking.objects.filter(course=course, status__in=ACTIVE_STATUSES).aggregate(
        **{
            audience: Count("pk", filter=Q(status__in=statuses))
            for audience, statuses in AUDIENCE_STATUSES.items()
        }
    )
    return {str(audience): counts[audience] for audience in AUDIENCE_STATUSES}


def messages_of(course: Course):
    """The messages written about a course, newest first, with their senders."""
    return (
        CourseMessage.objects.filter(course=course)
        .select_related("sender")
        .order_by("-sent_at", "-pk")
    )


# --- Closures and skipped dates -------------------------------------------------------


def closures_to_manage():
    """Every closure, soonest first, with what its scope names (a fixed number of queries)."""
    return Closure.objects.select_related("provider", "venue__municipality").order_by(
        "first_day", "name", "pk"
    )


def closures_applying(first: date, last: date, *, provider_id, venue_id) -> list[Closure]:
    """The closures that stop a course from ``first`` to ``last``: the district's,
    its provider's and its venue's, overlapping the period; in date order."""
    scope = Q(provider__isnull=True, venue__isnull=True)
    if provider_id:
        scope |= Q(provider_id=provider_id)
    if venue_id:
        scope |= Q(venue_id=venue_id)
    return list(
        Closure.objects.filter(scope, first_day__lte=last, last_day__gte=first).order_by(
            "first_day", "pk"
        )
    )


def reason_text(skipped: SkippedDate, language: str | None = None) -> str:
    """Why the date has no session, in the reader's language where we have it:
    a holiday's name (``courses.schedule.holiday_name``), a closure's name as
    the coordinator typed it."""
    if skipped.reason == SkipReason.HOLIDAY:
        return holiday_name(skipped.date, language or translation.get_language(), skipped.name)
    if skipped.reason == SkipReason.CLOSURE and skipped.name:
        return skipped.name
    return str(SkipReason(skipped.reason).label)


def skipped_dates_of(course: Course, *, kept: bool | None = None) -> list[SkippedDate]:
    """The dates of the course's rule it skips, each with ``reason_text`` in the
    current language; ``kept=False`` leaves out those a coordinator kept."""
    rows = SkippedDate.objects.filter(course=course).order_by("date", "pk")
    if kept is not None:
        rows = rows.filter(kept_at__isnull=not kept)
    found = list(rows)
    for row in found:
        row.reason_text = reason_text(row)  # type: ignore[attr-defined]
    return found


# --- What Kurslotse stores about a person (GDPR Art. 15/20) -------------------------------


def personal_data_of(person) -> list[dict]:
    """Every booking of ``person`` (waiting-list places included), with the
    children's ages, the waiting-list position and the attendance marks: the
    ``bookings`` section of ``accounts.services.export_person`` (two queries)."""
    bookings = list(
        with_waitlist_position(
            Booking.objects.filter(learner=person).select_related("course__municipality")
        ).order_by("created_at", "pk")
    )
    marks: dict[int, list[dict]] = {}
    for booking_id, day, status in (
        Attendance.objects.filter(booking__in=bookings)
        .order_by("session__date", "pk")
        .values_list("booking_id", "session__date", "status")
    ):
        marks.setdefault(booking_id, []).append({"date": day, "status": status})
    return [
        {
            "id": booking.pk,
            "course": {
                "id": booking.course_id,
                "title": booking.course.title,
                "level": booking.course.level,
                "starts_on": booking.course.starts_on,
                "ends_on": booking.course.ends_on,
                "municipality": booking.course.municipality.name
                if booking.course.municipality
                else None,
            },
            "status": booking.status,
            "children_ages": booking.children_ages,
            "childcare_places": booking.childcare_places,
            "waitlist_position": booking.waitlist_position,
            "first_in_line": booking.waitlist_priority,
            "reason_for_going_first": booking.priority_reason,
            "booked_at": booking.created_at,
            "offered_at": booking.offered_at,
            "offer_expires_at": booking.offer_expires_at,
            "confirmed_at": booking.confirmed_at,
            "cancelled_at": booking.cancelled_at,
            "cancel_reason": booking.cancel_reason,
            "reason_given_by_the_office": booking.cancel_note,
            "attendance": marks.get(booking.pk, []),
        }
        for booking in bookings
    ]


# --- A learner's next session ------------------------------------------------------


@dataclass(frozen=True)
class NextSession:
    """What a learner needs to get to their next class: when, where, how, what to bring."""

    session: CourseSession
    course: Course
    venue: Venue | None
    directions_url: str  # a journey planner's link ("" for an online course)
    getting_there: str  # the venue's line on buses and trains


def next_session_for(learner, now: datetime | None = None) -> NextSession | None:
    """The next class of a course the learner holds a confirmed place in, in one query.

    A session counts until it ends (someone who opens the page during class
    still sees where it is); cancelled sessions and cancelled courses do not.
    The learner's start page leads with it (issue 13): the one thing a person
    on the way to class needs, before the list of all bookings.
    """
    if not learner.is_authenticated:
        return None
    now = timezone.localtime(now)
    today, clock = now.date(), now.time()
    session = (
        CourseSession.objects.filter(
            course__bookings__learner=learner,
            course__bookings__status=BookingStatus.CONFIRMED,
            course__status=CourseStatus.PUBLISHED,
            status=SessionStatus.SCHEDULED,
        )
        .filter(Q(date__gt=today) | Q(date=today, end_time__gt=clock))
        .select_related("course__venue__municipality", "course__municipality")
        .order_by("date", "start_time", "pk")
        .first()
    )
    if session is None:
        return None
    course = session.course
    venue = course.venue if course.venue_id else None
    return NextSession(
        session=session,
        course=course,
        venue=venue,
        directions_url=directions_url(venue) if venue else "",
        getting_there=venue.getting_there if venue else "",
    )
