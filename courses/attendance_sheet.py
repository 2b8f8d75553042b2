"""The printable attendance sheet of a course: a PDF rendered on the server with fpdf2.

What funders ask for: one row per confirmed participant, one column per
session date with a box to sign, and a header naming the course, its number,
provider, venue, period, times and teachers, with room for the funding
programme and the teacher's signature. Landscape A4; when there are more
dates than fit across, or more people than fit down, the sheet continues on
further pages, each with the full header (dates first, then people).

Names come in every script the district's learners write (Cyrillic, Arabic,
Turkish, Persian …), so the sheet embeds DejaVu Sans Condensed, shipped in
``courses/fonts`` with its licence: nothing is downloaded at run time.
Right-to-left names are put in visual order with fpdf2's own bidi algorithm;
where ``uharfbuzz`` is installed, fpdf2 also shapes them (joined Arabic
letters).

The view passes plain data (``SheetData``), so this module renders and
decides nothing about who may see what.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path

from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.bidi import BidiParagraph
from fpdf.enums import TextDirection
from fpdf.errors import FPDFException

from common import formatting

from .constants import AttendanceStatus

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
MARGIN = 10  # mm
NUMBER_WIDTH = 9
NAME_WIDTH = 58
DATE_WIDTH = 19
ROW_HEIGHT = 10  # room to sign
HEADER_ROW_HEIGHT = 11
DATES_PER_PAGE = 11  # (277 - 9 - 58) / 19
ROWS_PER_PAGE = 11
DASH = "\u2013"  # the en dash of ranges and empty values


@dataclass(frozen=True)
class SheetSession:
    date: date
    marks: dict[int, str] = field(default_factory=dict)  # booking id -> status


@dataclass(frozen=True)
class SheetParticipant:
    booking_id: int
    name: str


@dataclass(frozen=True)
class SheetData:
    course_number: int
    title: str
    level: str
    provider: str
    venue: str
    starts_on: date
    ends_on: date
    weekdays: list[str]
    start_time: time
    end_time: time
    teachers: list[str]
    participants: list[SheetParticipant]
    sessions: list[SheetSession]
    printed_on: date


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def _has_rtl(text: str) -> bool:
    return any("\u0590" <= ch <= "\u08ff" or "\ufb1d" <= ch <= "\ufeff" for ch in text)


class _Sheet(FPDF):
    def __init__(self, data: SheetData) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.data = data
        self.shaping = False
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSansCondensed.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSansCondensed-Bold.ttf"))
        try:
            self.set_text_shaping(True)
            self.shaping = True
        except FPDFException:  # uharfbuzz is optional (it joins Arabic letters)
            self.shaping = False
        self.set_title(f"{_('Attendance sheet')} {data.title}")
        self.set_creator("Kurslotse")
        self.set_lang("de")

    def text_of(self, text: str) -> str:
        """Right-to-left runs in visual order when fpdf2 cannot shape them itself."""
        if self.shaping or not _has_rtl(text):
            return text
        parts = BidiParagraph(text=text).get_bidi_fragments()
        return "".join(
            part[::-1] if direction == TextDirection.RTL else part for part, direction in parts
        )

    def fitted(self, text: str, width: float) -> str:
        text = self.text_of(text)
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "…") > width:
            text = text[:-1]
        return text + "…"

    def header(self) -> None:
        data = self.data
        self.set_font(FONT, "B", 15)
        self.cell(0, 8, _("Attendance sheet"), new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "B", 12)
        self.cell(
            0,
            7,
            self.fitted(f"{data.title} ({data.level})", self.epw),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        start, end = (formatting.short_date(d) for d in (data.starts_on, data.ends_on))
        period = f"{start} {DASH} {end}"
        hours = formatting.time_range(data.start_time, data.end_time)
        times = f"{', '.join(data.weekdays)}, {hours}"
        facts = [
            (_("Course number"), str(data.course_number)),
            (_("Provider"), data.provider or DASH),
            (_("Venue"), data.venue or _("Online")),
            (_("Period"), period),
            (_("Times"), times),
            (_("Teachers"), ", ".join(data.teachers) or DASH),
            (_("Funding programme"), ""),
            (_("Printed on"), formatting.short_date(data.printed_on)),
        ]
        half = self.epw / 2
        label_width = 34
        for index, (label, value) in enumerate(facts):
            x = MARGIN + (index % 2) * half
            if index % 2 == 0 and index:
                self.ln(5.5)
            self.set_xy(x, self.get_y())
            self.set_font(FONT, "B", 9)
            self.cell(label_width, 5.5, f"{label}:")
            self.set_font(FONT, "", 9)
            if value:
                self.cell(half - label_width - 4, 5.5, self.fitted(value, half - label_width - 4))
            else:  # a line to fill in by hand
                y = self.get_y() + 4.5
                self.line(self.get_x(), y, x + half - 8, y)
        self.ln(8)

    def footer(self) -> None:
        self.set_y(-16)
        self.set_font(FONT, "", 9)
        self.cell(self.epw * 0.6, 6, _("Signature of the teacher:"))
        self.line(MARGIN + 45, self.get_y() + 5, MARGIN + 150, self.get_y() + 5)
        self.cell(
            0,
            6,
            _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"},
            align="R",
        )

    def table_page(
        self, sessions: list[SheetSession], people: list[tuple[int, SheetParticipant]]
    ) -> None:
        self.add_page()
        self.set_font(FONT, "B", 9)
        self.set_fill_color(235, 238, 242)
        top = self.get_y()
        self.cell(NUMBER_WIDTH, HEADER_ROW_HEIGHT, _("No."), border=1, align="C", fill=True)
        self.cell(NAME_WIDTH, HEADER_ROW_HEIGHT, _("Name"), border=1, fill=True)
        for session in sessions:
            x = self.get_x()
            self.cell(DATE_WIDTH, HEADER_ROW_HEIGHT, "", border=1, fill=True)
            self.set_xy(x, top + 0.8)
            self.set_font(FONT, "", 8)
            self.cell(
                DATE_WIDTH,
                4.5,
                formatting.weekday_name(session.date, width="abbreviated"),
                align="C",
            )
            self.set_xy(x, top + 5.3)
            self.set_font(FONT, "B", 8)
            self.cell(DATE_WIDTH, 4.5, formatting.short_date(session.date), align="C")
            self.set_xy(x + DATE_WIDTH, top)
        self.set_xy(MARGIN, top + HEADER_ROW_HEIGHT)
        if not people:
            self.set_font(FONT, "", 10)
            width = NUMBER_WIDTH + NAME_WIDTH + DATE_WIDTH * len(sessions)
            self.cell(width, ROW_HEIGHT, _("No confirmed participants yet."), border=1)
            return
        labels: dict[str, str] = {
            AttendanceStatus.ABSENT: _("absent"),
            AttendanceStatus.EXCUSED: _("excused"),
        }
        for number, person in people:
            self.set_font(FONT, "", 10)
            self.cell(NUMBER_WIDTH, ROW_HEIGHT, str(number), border=1, align="C")
            self.cell(NAME_WIDTH, ROW_HEIGHT, self.fitted(person.name, NAME_WIDTH - 2), border=1)
            self.set_font(FONT, "", 7)
            self.set_text_color(90, 90, 90)
            for session in sessions:
                mark = labels.get(session.marks.get(person.booking_id, ""), "")
                self.cell(DATE_WIDTH, ROW_HEIGHT, mark, border=1, align="C")
            self.set_text_color(0, 0, 0)
            self.ln(ROW_HEIGHT)


def render(data: SheetData) -> bytes:
    """The sheet as PDF bytes, in the active language."""
    pdf = _Sheet(data)
    numbered = list(enumerate(data.participants, start=1))
    for sessions in _chunks(data.sessions, DATES_PER_PAGE):
        for people in _chunks(numbered, ROWS_PER_PAGE):
            pdf.table_page(sessions, people)
    return bytes(pdf.output())


def sheet_data(course, today: date | None = None):
    """What the sheet of ``course`` shows (four queries), and the learners on it."""
    from django.utils import timezone

    from . import selectors
    from .constants import SessionStatus
    from .models import Attendance

    bookings = list(selectors.sheet_participants(course))
    sessions = list(selectors.sessions_of(course).filter(status=SessionStatus.SCHEDULED))
    marks: dict[int, dict[int, str]] = {}
    for session_id, booking_id, status in Attendance.objects.filter(
        session__in=sessions
    ).values_list("session_id", "booking_id", "status"):
        marks.setdefault(session_id, {})[booking_id] = status
    venue = course.venue
    place = ""
    if venue is not None:
        town = venue.municipality.name if venue.municipality_id else ""
        place = ", ".join(
            p for p in (venue.name, venue.street, f"{venue.postal_code} {town}".strip()) if p
        )
    teachers = [t.full_name or t.email for t in course.teachers.order_by("full_name", "email")]
    data = SheetData(
        course_number=course.pk,
        title=course.title,
        level=course.level,
        provider=course.provider.name if course.provider_id else "",
        venue=place,
        starts_on=course.starts_on,
        ends_on=course.ends_on,
        weekdays=[
            formatting.weekday_name(day, width="abbreviated")
            for day in sorted(course.weekdays or [])
        ],
        start_time=course.start_time,
        end_time=course.end_time,
        teachers=teachers,
        participants=[
            SheetParticipant(booking_id=b.pk, name=b.learner.full_name or str(b.learner))
            for b in bookings
        ],
        sessions=[SheetSession(date=s.date, marks=marks.get(s.pk, {})) for s in sessions],
        printed_on=today or timezone.localdate(),
    )
    return data, [b.learner for b in bookings]
