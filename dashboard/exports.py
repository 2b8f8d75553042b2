"""Exports for funders and course providers, as CSV or Excel files.

Two of them are aggregated and carry no personal data (``participants``,
``coaching``); one (``course_participants``) is the attendance list of one
course with names and email addresses, which is why it needs an explicit
course and every download is written to the access log for each learner.

CSV: UTF-8 with a byte-order mark and semicolons between fields, because
that is what Excel in German-speaking offices opens correctly with a double
click (its list separator is the semicolon). All numbers are whole numbers,
so no decimal separator can be misread. Header rows are in the language of
the person downloading.
"""

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.constants import AccessWhat
from accounts.services import log_reads
from coaching.constants import EndReason, MilestoneKind, Programme
from courses.selectors import AttendanceFigures

from . import selectors
from .forms import Filters

CSV_DELIMITER = ";"
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list]


@dataclass(frozen=True)
class Export:
    name: str
    title: object  # lazy string
    description: object
    personal: bool  # True: needs a course and writes the access log
    build: Callable[..., Table]


def _month(day: date) -> str:
    return day.strftime("%Y-%m")


def participants_table(filters: Filters, **_ignored) -> Table:
    headers = [_("Month"), _("Course"), _("Course number"), _("Level"), _("Municipality"),
               _("Region"), _("Learners with a confirmed place")]  # fmt: skip
    rows = [
        [
            _month(r.month),
            r.title,
            r.course_pk,
            r.level,
            r.municipality,
            selectors.region_label(r.region),
            r.learners,
        ]
        for r in selectors.participants_by_month(filters)
    ]
    return Table(headers, rows)


def coaching_table(filters: Filters, **_ignored) -> Table:
    programmes = dict(Programme.choices)
    headers = [
        _("Month"), _("Programme"), _("Requests"), _("Matched"), _("Median days to match"),
        *[_("Ended: %(reason)s") % {"reason": label} for _code, label in EndReason.choices],
        *[_("Milestone: %(kind)s") % {"kind": label} for _code, label in MilestoneKind.choices],
    ]  # fmt: skip
    rows = [
        [
            _month(r.month),
            str(programmes.get(r.programme, r.programme)),
            r.requests,
            r.matched,
            r.median_days_to_match if r.median_days_to_match is not None else "",
            *[r.ended[code] for code in EndReason.values],
            *[r.milestones[kind] for kind in MilestoneKind.values],
        ]
        for r in selectors.coaching_outcomes(filters)
    ]
    return Table(headers, rows)


def course_participants_table(filters: Filters, *, course, actor, **_ignored) -> Table:
    """The attendance list; reading it is logged for every learner on it."""
    bookings = list(selectors.confirmed_participants(course))
    log_reads(
        actor=actor, what=AccessWhat.EXPORT, reads=[(b.learner_id, course.pk) for b in bookings]
    )
    attendance = selectors.attendance_of_participants(course)
    headers = [_("Name"), _("Email"), _("Children"), _("Childcare places"), _("Confirmed on"),
               *_attendance_headers()]  # fmt: skip
    rows = [
        [
            b.learner.full_name,
            b.learner.email or "",
            len(b.children_ages or []),
            b.childcare_places,
            timezone.localtime(b.confirmed_at).date().isoformat() if b.confirmed_at else "",
            *_attendance_cells(attendance.get(b.pk, AttendanceFigures())),
        ]
        for b in bookings
    ]
    return Table(headers, rows)


def _rate(figures) -> int | str:
    return figures.rate if figures.rate is not None else ""


def _attendance_headers() -> list[str]:
    return [_("Marks"), _("Present"), _("Excused"), _("Absent"), _("Attendance rate (%)")]


def _attendance_cells(figures) -> list:
    return [figures.marked, figures.present, figures.excused, figures.absent, _rate(figures)]


def attendance_table(filters: Filters, **_ignored) -> Table:
    """Marks of held sessions per course and month: present of all marks, excused apart."""
    headers = [_("Month"), _("Course"), _("Course number"), _("Level"), _("Municipality"),
               _("Region"), *_attendance_headers()]  # fmt: skip
    rows = [
        [
            _month(r.month),
            r.title,
            r.course_pk,
            r.level,
            r.municipality,
            selectors.region_label(r.region),
            *_attendance_cells(r.figures),
        ]
        for r in selectors.attendance_by_month(filters)
    ]
    return Table(headers, rows)


def attendance_regions_table(filters: Filters, **_ignored) -> Table:
    """The same marks summed per region and month."""
    sums: dict[tuple[date, str], AttendanceFigures] = {}
    for r in selectors.attendance_by_month(filters):
        sums.setdefault((r.month, r.region), AttendanceFigures()).add(r.figures)
    headers = [_("Month"), _("Region"), *_attendance_headers()]
    rows = [
        [_month(month), selectors.region_label(region), *_attendance_cells(figures)]
        for (month, region), figures in sorted(sums.items())
    ]
    return Table(headers, rows)


EXPORTS = {
    export.name: export
    for export in [
        Export(
            "participants",
            gettext_lazy("Participants by course and month"),
            gettext_lazy(
                "Learners with a confirmed place, per course, level, municipality and month. "
                "A course counts in every month of the period in which it has a session. "
                "No names."
            ),
            False,
            participants_table,
        ),
        Export(
            "coaching",
            gettext_lazy("Coaching outcomes by programme and month"),
            gettext_lazy(
                "Requests, matches and days to match, mentorships ended by reason and "
                "milestones by kind. No names."
            ),
            False,
            coaching_table,
        ),
        Export(
            "attendance",
            gettext_lazy("Attendance by course and month"),
            gettext_lazy(
                "Marks of the sessions held so far: present, excused, absent and the rate "
                "(present of all marks), per course, level, municipality and month. No names."
            ),
            False,
            attendance_table,
        ),
        Export(
            "attendance_regions",
            gettext_lazy("Attendance by region and month"),
            gettext_lazy(
                "The same marks summed per region and month: present, excused, absent and the "
                "rate. No names."
            ),
            False,
            attendance_regions_table,
        ),
        Export(
            "course_participants",
            gettext_lazy("Attendance list of one course"),
            gettext_lazy(
                "Names, email addresses and number of children of a course's confirmed "
                "participants, for the course provider. Every download is recorded in the "
                "access log."
            ),
            True,
            course_participants_table,
        ),
    ]
}


def filename(name: str, fmt: str, filters: Filters, course=None) -> str:
    if course is not None:
        return f"kurslotse-{name}-{course.pk}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    region = f"-{filters.region}" if filters.region else ""
    return f"kurslotse-{name}{region}-{filters.start:%Y-%m-%d}-{filters.end:%Y-%m-%d}.{fmt}"


# A cell starting with one of these is a formula (or DDE) to Excel and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")
# Spreadsheets skip these before looking for a formula start.
LEADING_BLANKS = ' \t\r\n\u00a0"'


def inert(value):
    """Text people typed (a name) can never run as a formula in the funder's
    spreadsheet: a leading quote makes it plain text. Numbers stay numbers.

    Blanks and quotes in front do not hide a formula. Separators inside a value
    cannot start a new cell: ``as_csv`` quotes every text cell, so a spreadsheet
    that splits on commas, tabs or pipes instead of semicolons still sees the
    whole value as one (quoted) cell."""
    if isinstance(value, str) and value.lstrip(LEADING_BLANKS).startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _inert_rows(table: Table) -> list[list]:
    return [[inert(value) for value in row] for row in table.rows]


def as_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC
    )
    writer.writerow(table.headers)
    writer.writerows(_inert_rows(table))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(table: Table, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    # Excel forbids some characters in sheet names and allows 31 of the rest.
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", title)[:31]
    sheet.append(table.headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _inert_rows(table):
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, even after the quote
    sheet.freeze_panes = "A2"
    for index, header in enumerate(table.headers, start=1):
        width = max([len(str(header)), *(len(str(row[index - 1])) for row in table.rows)])
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(width + 2, 60)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(table: Table, fmt: str, title: str) -> bytes:
    return as_csv(table) if fmt == "csv" else as_xlsx(table, title)
