"""The feed's ETag from one cheap statement, without building the feed.

A polling calendar sends ``If-None-Match`` every few minutes; answering it by
building a thousand events and hashing the bytes costs as much as sending
them. Instead the ETag is a digest of *everything the feed is made of*, read
in one statement (plus the token lookup) that reads no session, so an
unchanged feed answers 304 without building, and any change that can alter
the body changes the ETag:

- the person: their id, name, email, phone (a name falls back to them) and
  language (texts and date formats); the region asked for and, for a region
  feed, today's cut-off date (old courses drop out as days pass);
- the person's bookings, all of them: how many, the sum of their ids per
  state that matters (confirmed; cancelled after being confirmed; cancelled
  with the course) and the latest confirmation and cancellation — a booking
  made, confirmed, left or cancelled with its course, or deleted (retention,
  erasure) changes one of these;
- the courses the feed shows (the person's, or a region's): how many, the sum
  of their ids, of their ``calendar_sequence`` and of their
  ``sessions_version``, and their latest ``updated_at``; their venues' latest
  ``updated_at`` — every write in ``courses.services`` either stamps
  ``updated_at`` or raises ``calendar_sequence``, and the database itself
  raises a course's ``sessions_version`` with every insert, update and delete
  of its sessions (triggers, migration ``courses.0008``: whichever code path
  wrote them, bulk updates and cascades included), so the sessions need not be
  read; courses that appear or vanish change the counts and sums;
- the meetings of the person's running mentorships (count, ids, sequences,
  latest ``updated_at``), and those mentorships themselves with both people's
  names, emails and phones (a coach erased or renamed, a mentorship ended);
- the municipalities the courses are in (name and region: coordinators may
  correct one in the admin; the feed shows the course's municipality by name);
- what the code makes of it: the installation's calendar settings, the
  translations of the feed's texts in the person's language, the source of
  the modules that write the feed and the icalendar version.

Statements run before the feed is built, so a body is never older than its
ETag (a change in between gives a newer body under an older ETag, which the
next poll replaces). There is no Last-Modified: an event can leave a feed
without any timestamp recording it.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import cache
from pathlib import Path

import icalendar
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from common import formatting
from common.prepared import fetch_prepared
from courses.constants import BookingStatus, CancelReason, CourseStatus
from places.constants import Region

_SOURCES = ("builders.py", "events.py", "selectors.py", "feed_version.py", "feeds.py")

# Booking states the digest keeps apart (see the module docstring).
_CONFIRMED = BookingStatus.CONFIRMED.value
_CANCELLED = BookingStatus.CANCELLED.value
_COURSE_CANCELLED = CancelReason.COURSE_CANCELLED.value


@cache
def _code_digest() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(icalendar.__version__.encode())
    for name in _SOURCES:
        path = here / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@cache
def _texts_digest(language: str) -> str:
    """The feed's texts as the person's language writes them (from the
    translation catalogue loaded in this process)."""
    with translation.override(language):
        texts = [
            _("Cancelled: %(summary)s"),
            _("Join online: %(link)s"),
            _("No session on: %(dates)s"),
            _("Online"),
            _("Coaching: %(coach)s and %(learner)s"),
            _("Kurslotse: my dates"),
            _("Kurslotse: courses in %(region)s"),
            formatting.short_date(date(2001, 12, 31)),  # how this language writes a date
            *(str(label) for label in Region.labels),
        ]
    return hashlib.sha256("\x1f".join(texts).encode()).hexdigest()


def feed_courses_clause(region: str | None, course: str = "") -> tuple[str, list]:
    """``courses_course.id IN (…)``: the courses the feed shows (the ETag and
    ``selectors.feed_plan`` read the same ones), ``course`` the table's alias
    (with its dot). Its parameters: the user's id, the three below and, for a
    region, the cut-off date and the region."""
    own = (
        "SELECT b.course_id FROM courses_booking b WHERE b.learner_id = %s AND "
        "(b.status = %s OR (b.status = %s AND b.cancel_reason = %s "
        "AND b.confirmed_at IS NOT NULL))"
    )
    clause, params = f"{course}id IN ({own})", [_CONFIRMED, _CANCELLED, _COURSE_CANCELLED]
    if region is not None:
        clause += (
            f" OR ({course}status = %s AND {course}ends_on >= %s AND {course}municipality_id IN "
            "(SELECT id FROM places_municipality WHERE region = %s))"
        )
        params += [CourseStatus.PUBLISHED.value]
    return clause, params


def _digest_statement(user_id: int, region: str | None, since: date | None):
    """One statement: a few rows of aggregates and texts, every value as text or
    a number (no timestamp for the driver to parse).

    The feed's courses are read once (``shown``); their sessions are not read at
    all: ``sessions_version``, raised by the database with every insert, update
    and delete of a course's sessions (migration ``courses.0008``), only rises,
    so its sum over the feed's courses changes whenever one of their sessions
    does (and a course entering or leaving the feed changes the count and the
    sum of ids)."""
    courses, course_params = feed_courses_clause(region, "c.")
    values = [user_id, *course_params[:3]]
    if region is not None:
        values += [course_params[3], since, region]
    sql = f"""
        WITH shown AS (
            SELECT c.id, c.calendar_sequence, c.sessions_version, c.updated_at, c.status,
                   c.municipality_id, v.id AS venue_id, v.updated_at AS venue_changed
              FROM courses_course c LEFT JOIN places_venue v ON v.id = c.venue_id
             WHERE {courses})
        SELECT 'b', COUNT(*), SUM(id),
               SUM(CASE WHEN status = %s THEN id ELSE 0 END),
               SUM(CASE WHEN status = %s AND confirmed_at IS NOT NULL THEN id ELSE 0 END),
               SUM(CASE WHEN cancel_reason = %s THEN id ELSE 0 END),
               CAST(MAX(confirmed_at) AS TEXT), CAST(MAX(cancelled_at) AS TEXT),
               NULL, NULL, NULL, NULL
          FROM courses_booking WHERE learner_id = %s
        UNION ALL
        SELECT 'c', COUNT(*), SUM(id), SUM(calendar_sequence), SUM(sessions_version),
               SUM(CASE WHEN status = %s THEN id ELSE 0 END),
               CAST(MAX(updated_at) AS TEXT), CAST(MAX(venue_changed) AS TEXT),
               CAST(SUM(venue_id) AS TEXT), NULL, NULL, NULL
          FROM shown
        UNION ALL
        SELECT 'm', COUNT(*), SUM(id), SUM(sequence), NULL, NULL,
               CAST(MAX(updated_at) AS TEXT), NULL, NULL, NULL, NULL, NULL
          FROM coaching_meeting WHERE mentorship_id IN
               (SELECT id FROM coaching_mentorship
                 WHERE (coach_id = %s OR learner_id = %s) AND ended_at IS NULL)
        UNION ALL
        SELECT 'p', ms.id, ms.coach_id, ms.learner_id, NULL, NULL,
               cu.full_name, cu.email, cu.phone, lu.full_name, lu.email, lu.phone
          FROM coaching_mentorship ms
          LEFT JOIN accounts_user cu ON cu.id = ms.coach_id
          JOIN accounts_user lu ON lu.id = ms.learner_id
         WHERE (ms.coach_id = %s OR ms.learner_id = %s) AND ms.ended_at IS NULL
        UNION ALL
        SELECT 'u', mu.id, NULL, NULL, NULL, NULL, mu.name, mu.region, NULL, NULL, NULL, NULL
          FROM places_municipality mu WHERE mu.id IN (SELECT municipality_id FROM shown)
    """
    params = [
        *values,
        _CONFIRMED, _CANCELLED, _COURSE_CANCELLED, user_id,
        CourseStatus.CANCELLED.value,
        user_id, user_id,
        user_id, user_id,
    ]  # fmt: skip
    return sql, params


def feed_etag(user, region: str | None, since: date | None, language: str) -> str:
    """The strong ETag of ``user``'s feed (quoted), from one statement."""
    digest = hashlib.sha256()
    person = (
        user.pk, user.full_name, user.email, user.phone, language, region, since,
        settings.KURSLOTSE_CALENDAR_DOMAIN, settings.KURSLOTSE_CALENDAR_ORGANIZER,
        settings.DEFAULT_FROM_EMAIL, _code_digest(), _texts_digest(language),
    )  # fmt: skip
    digest.update(repr(person).encode())
    rows = fetch_prepared(*_digest_statement(user.pk, region, since))  # planned once
    digest.update(repr(sorted((tuple(row) for row in rows), key=repr)).encode())
    return '"' + digest.hexdigest()[:32] + '"'
