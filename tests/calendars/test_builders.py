"""The pure iCalendar builders, read back with icalendar and recurring-ical-events."""

import datetime as dt
from dataclasses import replace
from email import message_from_bytes

import pytest
from django.core.mail import EmailMultiAlternatives

from calendars.builders import (
    PRODID,
    feed,
    invitation,
    invitation_mime_parts,
    rule_dates,
)
from calendars.events import (
    Attendee,
    CourseSeries,
    MeetingEvent,
    Method,
    Person,
    Session,
    series_sequence,
)
from calendars.mail import attach_invitation

from .helpers import BERLIN, content_lines, local_starts, occurrences, parse, vevents

STAMP = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
EVENING = (dt.time(18, 0), dt.time(20, 0))
OFFICE = Person("Kurslotse", "kurslotse@example.org")
LEARNER = Person("Lina Lernende", "lina@example.org")
COACH = Person("Cem Coach", "cem@example.org")


def tuesdays(first: dt.date, last: dt.date, **kwargs) -> CourseSeries:
    """A Tuesday 18:00-20:00 course with one scheduled session per Tuesday."""
    series = CourseSeries(
        course_id=42,
        summary="Deutsch A2 (A2)",
        starts_on=first,
        ends_on=last,
        weekdays=(1,),
        start_time=EVENING[0],
        end_time=EVENING[1],
        stamp=STAMP,
        location="Bürgerhaus, Hauptstraße 1, 74906 Bad Rappenau",
    )
    exceptions = set(kwargs.get("exception_dates", ()))
    sessions = tuple(
        Session(day, day, *EVENING) for day in rule_dates(series) if day not in exceptions
    )
    return replace(series, sessions=sessions, **kwargs)


def change(series: CourseSeries, original: dt.date, **fields) -> CourseSeries:
    """The series after one session changed (as courses.services does: sequence + 1)."""
    sessions = tuple(
        replace(s, sequence=s.sequence + 1, **fields) if s.original_date == original else s
        for s in series.sessions
    )
    return replace(series, sessions=sessions)


AUTUMN = tuesdays(dt.date(2026, 10, 13), dt.date(2026, 11, 10))
SPRING = tuesdays(dt.date(2027, 3, 9), dt.date(2027, 4, 13))


def meeting(**overrides) -> MeetingEvent:
    fields = {
        "meeting_id": 7,
        "summary": "Coaching: Cem Coach and Lina Lernende",
        "starts_at": dt.datetime(2027, 3, 29, 8, 0, tzinfo=dt.UTC),  # 10:00 CEST
        "ends_at": dt.datetime(2027, 3, 29, 9, 0, tzinfo=dt.UTC),
        "stamp": STAMP,
        "sequence": 0,
        "location": "Rathaus Bad Rappenau",
        "organizer": OFFICE,
        "attendees": (
            Attendee(LEARNER, partstat="NEEDS-ACTION", rsvp=True),
            Attendee(COACH, role="CHAIR", partstat="ACCEPTED"),
        ),
    }
    fields.update(overrides)
    return MeetingEvent(**fields)


# --- Dates and daylight saving time ------------------------------------------------------------


def test_course_stays_at_18_berlin_time_on_both_sides_of_the_october_change():
    found = occurrences(feed([AUTUMN], name="x"))
    assert [o.start.date() for o in found] == [
        dt.date(2026, 10, 13), dt.date(2026, 10, 20), dt.date(2026, 10, 27),
        dt.date(2026, 11, 3), dt.date(2026, 11, 10),
    ]  # fmt: skip
    assert {o.start.time() for o in found} == {dt.time(18, 0)}
    assert {o.end.time() for o in found} == {dt.time(20, 0)}
    utc_hours = [o.start.astimezone(dt.UTC).hour for o in found]
    assert utc_hours == [16, 16, 17, 17, 17]  # CEST until 25 Oct, CET after


def test_course_stays_at_18_berlin_time_on_both_sides_of_the_march_change():
    found = occurrences(feed([SPRING], name="x"))
    assert len(found) == 6
    assert {o.start.time() for o in found} == {dt.time(18, 0)}
    utc_hours = [o.start.astimezone(dt.UTC).hour for o in found]
    assert utc_hours == [17, 17, 17, 16, 16, 16]  # CET until 28 Mar 2027, CEST after


def test_rrule_until_is_utc_and_includes_the_last_session():
    lines = content_lines(feed([AUTUMN], name="x"))
    event = lines[lines.index("BEGIN:VEVENT") :]
    rrule = next(line for line in event if line.startswith("RRULE:"))
    assert "FREQ=WEEKLY" in rrule and "BYDAY=TU" in rrule
    # 10 Nov 2026 20:00 CET = 19:00 UTC, written with Z
    assert "UNTIL=20261110T190000Z" in rrule
    assert occurrences(feed([AUTUMN], name="x"))[-1].start.date() == dt.date(2026, 11, 10)


def test_dtstart_and_exdate_carry_the_berlin_tzid_and_a_vtimezone_defines_it():
    series = tuesdays(AUTUMN.starts_on, AUTUMN.ends_on, exception_dates=(dt.date(2026, 10, 27),))
    ics = feed([series], name="x")
    lines = content_lines(ics)
    assert "DTSTART;TZID=Europe/Berlin:20261013T180000" in lines
    assert "EXDATE;TZID=Europe/Berlin:20261027T180000" in lines
    timezones = list(parse(ics).walk("VTIMEZONE"))
    assert [str(tz["TZID"]) for tz in timezones] == ["Europe/Berlin"]
    assert {c.name for c in timezones[0].subcomponents} == {"STANDARD", "DAYLIGHT"}


def test_exception_dates_disappear():
    holidays = (dt.date(2026, 10, 27), dt.date(2026, 11, 3))
    series = tuesdays(AUTUMN.starts_on, AUTUMN.ends_on, exception_dates=holidays)
    starts = [day for day, _ in local_starts(feed([series], name="x"))]
    assert starts == [dt.date(2026, 10, 13), dt.date(2026, 10, 20), dt.date(2026, 11, 10)]


def test_an_exception_on_the_first_date_leaves_the_series_intact():
    series = tuesdays(AUTUMN.starts_on, AUTUMN.ends_on, exception_dates=(AUTUMN.starts_on,))
    starts = [day for day, _ in local_starts(feed([series], name="x"))]
    assert starts[0] == dt.date(2026, 10, 20) and len(starts) == 4


def test_several_weekdays_make_one_rule():
    series = tuesdays(dt.date(2027, 3, 22), dt.date(2027, 4, 2), weekdays=(0, 3))
    series = replace(
        series,
        sessions=tuple(Session(d, d, *EVENING) for d in rule_dates(series)),
    )
    ics = feed([series], name="x")
    assert len(vevents(ics)) == 1
    assert [day for day, _ in local_starts(ics)] == [
        dt.date(2027, 3, 22), dt.date(2027, 3, 25), dt.date(2027, 3, 29), dt.date(2027, 4, 1),
    ]  # fmt: skip
    assert any("BYDAY=MO,TH" in line for line in content_lines(ics))


# --- Moved and cancelled sessions ------------------------------------------------------------


def test_a_moved_session_appears_at_its_new_time_and_not_at_the_old_one():
    moved = change(
        AUTUMN, dt.date(2026, 10, 20), date=dt.date(2026, 10, 29),
        start_time=dt.time(17, 0), end_time=dt.time(19, 30), note="Raum 2",
    )  # fmt: skip
    ics = feed([moved], name="x")
    found = occurrences(ics)
    starts = [(o.start.date(), o.start.time()) for o in found]
    assert (dt.date(2026, 10, 20), dt.time(18, 0)) not in starts
    assert (dt.date(2026, 10, 29), dt.time(17, 0)) in starts
    new = next(o for o in found if o.start.date() == dt.date(2026, 10, 29))
    assert new.end.time() == dt.time(19, 30)
    assert new.start.utcoffset() == dt.timedelta(hours=1)  # after the change to CET
    assert len(found) == 5
    override = next(e for e in vevents(ics) if "RECURRENCE-ID" in e)
    assert str(override["UID"]) == "course-42@kurslotse.invalid"
    assert "RECURRENCE-ID;TZID=Europe/Berlin:20261020T180000" in content_lines(ics)
    assert "Raum 2" in str(override["DESCRIPTION"])


def test_a_session_moved_to_another_hour_on_its_day_is_an_override_too():
    moved = change(AUTUMN, dt.date(2026, 11, 3), start_time=dt.time(9), end_time=dt.time(11))
    starts = local_starts(feed([moved], name="x"))
    assert (dt.date(2026, 11, 3), dt.time(9)) in starts
    assert (dt.date(2026, 11, 3), dt.time(18)) not in starts


def test_a_cancelled_session_is_an_exdate_and_disappears():
    cancelled = change(AUTUMN, dt.date(2026, 10, 20), cancelled=True)
    ics = feed([cancelled], name="x")
    assert dt.date(2026, 10, 20) not in [day for day, _ in local_starts(ics)]
    assert len(occurrences(ics)) == 4
    assert "EXDATE;TZID=Europe/Berlin:20261020T180000" in content_lines(ics)
    assert len(vevents(ics)) == 1  # no override with STATUS:CANCELLED


def test_a_moved_then_cancelled_session_leaves_neither_date():
    moved = change(AUTUMN, dt.date(2026, 10, 20), date=dt.date(2026, 10, 22))
    both = change(moved, dt.date(2026, 10, 20), cancelled=True)
    days = [day for day, _ in local_starts(feed([both], name="x"))]
    assert dt.date(2026, 10, 20) not in days and dt.date(2026, 10, 22) not in days


def test_a_cancelled_course_is_cancelled_on_every_date_including_moved_ones():
    moved = change(AUTUMN, dt.date(2026, 10, 20), date=dt.date(2026, 10, 22))
    sessions = tuple(replace(s, cancelled=True, sequence=s.sequence + 1) for s in moved.sessions)
    cancelled = replace(moved, sessions=sessions, cancelled=True)
    found = occurrences(feed([cancelled], name="x"))
    assert len(found) == 5
    assert {o.status for o in found} == {"CANCELLED"}
    assert dt.date(2026, 10, 22) in [o.start.date() for o in found]


# --- UID and SEQUENCE ------------------------------------------------------------------------


def test_uid_is_stable_across_rebuilds_and_shared_by_invitation_and_feed():
    moved = change(AUTUMN, dt.date(2026, 10, 20), date=dt.date(2026, 10, 22))
    uids = set()
    for ics in (
        feed([AUTUMN], name="x"),
        feed([moved], name="y"),
        invitation(AUTUMN, Method.REQUEST),
        invitation(moved, Method.REQUEST),
        invitation(moved, Method.CANCEL),
    ):
        uids |= {str(e["UID"]) for e in vevents(ics)}
    assert uids == {"course-42@kurslotse.invalid"}
    meeting_uids = {
        str(e["UID"])
        for ics in (feed([meeting()], name="x"), invitation(meeting(), "REQUEST"))
        for e in vevents(ics)
    }
    assert meeting_uids == {"meeting-7@kurslotse.invalid"}


def test_sequence_rises_with_every_move_and_cancellation():
    steps = [AUTUMN]
    steps.append(change(steps[-1], dt.date(2026, 10, 13), date=dt.date(2026, 10, 14)))
    # a second, different session moved once: the maximum would stay at 1
    steps.append(change(steps[-1], dt.date(2026, 10, 20), date=dt.date(2026, 10, 21)))
    steps.append(change(steps[-1], dt.date(2026, 11, 3), cancelled=True))
    steps.append(change(steps[-1], dt.date(2026, 10, 13), date=dt.date(2026, 10, 15)))
    cancel_all = replace(
        steps[-1],
        cancelled=True,
        sessions=tuple(
            s if s.cancelled else replace(s, cancelled=True, sequence=s.sequence + 1)
            for s in steps[-1].sessions
        ),
    )
    steps.append(cancel_all)
    sequences = [series_sequence(s) for s in steps]
    assert sequences == sorted(set(sequences)), sequences
    for series in steps:
        ics = invitation(series, Method.REQUEST)
        assert {int(e["SEQUENCE"]) for e in vevents(ics)} == {series.sequence}


def test_the_course_sequence_counts_even_when_nothing_was_left_to_cancel():
    all_cancelled = replace(
        AUTUMN, sessions=tuple(replace(s, cancelled=True, sequence=1) for s in AUTUMN.sessions)
    )
    assert (
        series_sequence(replace(all_cancelled, cancelled=True))
        == series_sequence(all_cancelled) + 1
    )


# --- Invitations and feeds ---------------------------------------------------------------------


def test_request_invitation_has_method_organizer_attendee_master_and_overrides():
    moved = change(AUTUMN, dt.date(2026, 10, 20), date=dt.date(2026, 10, 22))
    booked = replace(
        moved,
        organizer=OFFICE,
        attendees=(Attendee(LEARNER, partstat="ACCEPTED"),),
    )
    now = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC)
    ics = invitation(booked, Method.REQUEST, now=now)
    calendar = parse(ics)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar["PRODID"]) == PRODID
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    events = vevents(ics)
    assert len(events) == 2 and {str(e["UID"]) for e in events} == {"course-42@kurslotse.invalid"}
    for event in events:
        assert str(event["ORGANIZER"]) == "mailto:kurslotse@example.org"
        assert str(event["ATTENDEE"]) == "mailto:lina@example.org"
        assert event["DTSTAMP"].dt == now
    assert list(calendar.walk("VTIMEZONE"))


def test_cancel_invitation_is_the_master_only_with_status_cancelled():
    raised = replace(AUTUMN, sequence_offset=5, organizer=OFFICE)
    ics = invitation(
        change(raised, dt.date(2026, 10, 20), date=dt.date(2026, 10, 22)), Method.CANCEL
    )
    assert str(parse(ics)["METHOD"]) == "CANCEL"
    events = vevents(ics)
    assert len(events) == 1 and "RECURRENCE-ID" not in events[0]
    assert str(events[0]["STATUS"]) == "CANCELLED"
    assert int(events[0]["SEQUENCE"]) == 6


def test_feed_has_no_method_but_a_name_and_a_refresh_interval():
    ics = feed([AUTUMN, meeting()], name="Kurslotse: meine Termine")
    calendar = parse(ics)
    assert "METHOD" not in calendar
    assert str(calendar["X-WR-CALNAME"]) == "Kurslotse: meine Termine"
    lines = content_lines(ics)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT12H" in lines
    assert "X-PUBLISHED-TTL:PT12H" in lines
    assert {str(e["UID"]) for e in vevents(ics)} == {
        "course-42@kurslotse.invalid",
        "meeting-7@kurslotse.invalid",
    }


def test_same_data_gives_the_same_feed_bytes():
    assert feed([meeting(), AUTUMN], name="x") == feed([AUTUMN, meeting()], name="x")


def test_an_empty_feed_is_a_valid_calendar():
    calendar = parse(feed([], name="x"))
    assert list(calendar.walk("VEVENT")) == []
    assert str(calendar["PRODID"]) == PRODID


def test_a_course_without_any_date_cannot_be_an_invitation():
    nothing = tuesdays(dt.date(2026, 10, 14), dt.date(2026, 10, 15))  # no Tuesday in it
    with pytest.raises(ValueError, match="no date"):
        invitation(nothing, Method.REQUEST)
    assert vevents(feed([nothing], name="x")) == []


def test_text_is_escaped_and_unicode_survives():
    series = replace(AUTUMN, summary="Deutsch; Kurs, für Mütter", description="Zeile 1\nZeile 2")
    event = vevents(feed([series], name="x"))[0]
    assert str(event["SUMMARY"]) == "Deutsch; Kurs, für Mütter"
    assert str(event["DESCRIPTION"]) == "Zeile 1\nZeile 2"


# --- Meetings ----------------------------------------------------------------------------------


def test_meeting_has_organizer_and_attendees_with_rsvp_for_the_learner():
    ics = invitation(meeting(), Method.REQUEST)
    event = vevents(ics)[0]
    organizer = event["ORGANIZER"]
    assert (
        str(organizer) == "mailto:kurslotse@example.org" and organizer.params["CN"] == "Kurslotse"
    )
    assert "SENT-BY" not in organizer.params
    attendees = {str(a): a.params for a in event["ATTENDEE"]}
    learner = attendees["mailto:lina@example.org"]
    assert learner["RSVP"] == "TRUE" and learner["PARTSTAT"] == "NEEDS-ACTION"
    assert learner["ROLE"] == "REQ-PARTICIPANT" and learner["CN"] == "Lina Lernende"
    coach = attendees["mailto:cem@example.org"]
    assert coach["ROLE"] == "CHAIR" and coach["PARTSTAT"] == "ACCEPTED" and coach["RSVP"] == "FALSE"
    assert str(event["LOCATION"]) == "Rathaus Bad Rappenau"


def test_meeting_times_are_written_in_berlin_time():
    ics = invitation(meeting(), Method.REQUEST)
    assert "DTSTART;TZID=Europe/Berlin:20270329T100000" in content_lines(ics)
    found = occurrences(ics)
    assert found[0].start == dt.datetime(2027, 3, 29, 10, 0, tzinfo=BERLIN)


def test_meeting_cancel_keeps_uid_and_carries_the_raised_sequence():
    cancelled = meeting(sequence=2, cancelled=True)
    ics = invitation(cancelled, "CANCEL")
    event = vevents(ics)[0]
    assert str(parse(ics)["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 2
    assert str(event["UID"]) == "meeting-7@kurslotse.invalid"


def test_a_cancelled_meeting_in_a_feed_is_marked_cancelled():
    found = occurrences(feed([meeting(cancelled=True, sequence=1)], name="x"))
    assert [o.status for o in found] == ["CANCELLED"]


# --- Email parts -------------------------------------------------------------------------------


def test_mime_parts_name_the_method():
    ics = invitation(AUTUMN, Method.CANCEL)
    parts = invitation_mime_parts(ics, "CANCEL")
    assert parts.content_type == "text/calendar; method=CANCEL; charset=UTF-8"
    assert parts.content == ics and parts.filename == "invite.ics"
    assert parts.method == "CANCEL"


def test_attached_invitation_is_a_calendar_alternative_with_one_charset_and_an_attachment():
    ics = invitation(replace(AUTUMN, organizer=OFFICE), Method.REQUEST)
    message = EmailMultiAlternatives("Kurs", "Text", "office@example.org", ["lina@example.org"])
    message.attach_alternative("<p>Text</p>", "text/html")
    attach_invitation(message, ics, Method.REQUEST)
    parsed = message_from_bytes(message.message().as_bytes())
    alternative = next(p for p in parsed.walk() if p.get_content_type() == "multipart/alternative")
    calendar_parts = [
        p for p in alternative.get_payload() if p.get_content_type() == "text/calendar"
    ]
    assert len(calendar_parts) == 1
    part = calendar_parts[0]
    assert part.get_param("method") == "REQUEST"
    assert part["Content-Type"].lower().count("charset") == 1
    assert parse(part.get_payload(decode=True))["METHOD"] == "REQUEST"
    attachment = next(p for p in parsed.walk() if p.get_filename() == "invite.ics")
    assert parse(attachment.get_payload(decode=True))["METHOD"] == "REQUEST"
