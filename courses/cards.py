"""The course card of the search page, written in Python.

``templates/courses/_course_card.html`` is the card as a template, and this
is the same card, byte for byte (``tests/courses/test_catalogue_page.py``
renders both for many courses in several languages): the search page shows
twenty cards, and the template engine spent over a millisecond on each (five
``blocktranslate``, eight ``translate``, four date filters, a ``url``) — more
than the rest of the page. Change both together.

The rules of the template engine are kept: a value is localised and escaped
(``render_value_in_context``), a translated text from ``translate`` or
``blocktranslate`` is not, and only the variables inside ``blocktranslate``
are escaped.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from common import formatting
from common.kept import KeptPerProcess
from common.translated import marked_text

from .constants import CourseStatus, Format

_NO_COURSE = 987_654_321_987
# Dates and times as cards write them (``_Texts._write``).
_WRITTEN: KeptPerProcess[tuple, str] = KeptPerProcess(size=4096)


def _v(value) -> str:
    """``{{ value }}``: localised, then escaped. Text and whole numbers take
    the short way ``localize`` takes for them (no thousands separator here)."""
    if type(value) is str:
        return escape(value)
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    return conditional_escape(localize(value))


def _join(values) -> str:
    """``{{ values|join:", " }}``."""
    return ", ".join(conditional_escape(value) for value in values)


def _blocktranslate(
    texts: "_Texts", singular: str, plural: str | None = None, count=None, **values
) -> str:
    """``{% blocktranslate %}``: the translation, its variables escaped; the
    msgid as written if the translation does not format (as the tag does)."""
    text = texts.translated(singular, plural, count)
    data = {name: _v(value) for name, value in values.items()}
    try:
        return text % data
    except (KeyError, ValueError):
        return (singular if plural is None or count == 1 else plural) % data


# The card's fixed texts, looked up once per page (``_Texts``).
_LABELS = ("Level", "Draft", "Cancelled", "Where", "Online", "When", "Seats",
           "Full: waiting list", "Childcare", "Childcare full: waiting list", "No childcare",
           "Waiting list", "Help in", "Your booking:")  # fmt: skip


class _Texts:
    """What every card of a page shares, in the current language: the fixed
    texts (``{% translate %}``) and the dates and times written once for
    each value (``common.formatting``, as the template's filters)."""

    def __init__(self):
        self.language = get_language()
        self.label = {msgid: gettext(msgid) for msgid in _LABELS}
        self.formats = {value: str(label) for value, label in Format.choices}
        # The detail page's path with a number no course has, to put each id in.
        path = reverse("courses:detail", args=[_NO_COURSE])
        self.detail_path = conditional_escape(path).split(str(_NO_COURSE))
        self._translations: dict[tuple, str] = {}
        self._written: dict[tuple, str] = {}

    def translated(self, singular: str, plural: str | None, count) -> str:
        """``gettext`` or ``ngettext``, once per page for each text and count."""
        key = (singular, plural, count)
        if key not in self._translations:
            self._translations[key] = (
                ngettext(singular, plural, count) if plural is not None else gettext(singular)
            )
        return self._translations[key]

    def date(self, value) -> str:
        """``{{ value|short_date }}``."""
        return self._write("date", value, lambda: formatting.short_date(value))

    def clocks(self, start, end) -> str:
        """``{{ start|time_range:end }}``."""
        return self._write("times", (start, end), lambda: formatting.time_range(start, end))

    def format_label(self, value: str) -> str:
        """``get_format_display``: the label, or the value if it has none."""
        return self.formats.get(value, value)

    def detail_url(self, pk: int) -> str:
        before, after = self.detail_path
        return f"{before}{int(pk)}{after}"

    def _write(self, kind: str, value, write) -> str:
        # Many cards of a page share their dates and times, and many pages
        # theirs: kept per process by the language they are in.
        key = (kind, value)
        if key not in self._written:
            everywhere = (self.language, kind, value)
            written = _WRITTEN.get(everywhere)
            if written is None:
                written = write()
                _WRITTEN.keep(everywhere, written)
            self._written[key] = written
        return self._written[key]


def course_cards(courses) -> list[SafeString]:
    """``course_card`` of each course, in the current language."""
    texts = _Texts()
    return [course_card(course, texts) for course in courses]


def course_card(course, texts: _Texts | None = None) -> SafeString:
    """What ``{% include "courses/_course_card.html" %}`` writes for ``course``
    (described by ``views._describe``)."""
    texts = texts or _Texts()
    label = texts.label
    parts = [
        f'<h2 class="course-card__title"><a href="{texts.detail_url(course.pk)}">'
        f"{marked_text(course, 'title')}</a></h2>\n",
        '<p class="course-card__tags">\n',
        f'  <span class="pill">{label["Level"]} {_v(course.level)}</span>\n',
        f'  <span class="pill">{_v(texts.format_label(course.format))}</span>\n',
        "  ",
    ]
    if course.status == CourseStatus.DRAFT:
        parts.append(f'<span class="pill pill--warn">{label["Draft"]}</span>')
    elif course.status == CourseStatus.CANCELLED:
        parts.append(f'<span class="pill pill--bad">{label["Cancelled"]}</span>')
    parts.append("\n</p>\n")
    parts.append('<dl class="facts">\n')
    parts.append(f"  <dt>{label['Where']}</dt>\n  <dd>")
    if course.municipality:
        parts.append(_v(course.municipality.name))
        distance = getattr(course, "distance_km", None)
        if distance is not None:
            away = _blocktranslate(texts, "%(km)s km away", km=formatting.number(distance, 0))
            parts.append(f" ({away})")
    else:
        parts.append(label["Online"])
    parts.append("</dd>\n")
    parts.append(f"  <dt>{label['When']}</dt>\n")
    parts.append(
        f"  <dd>{_join(course.weekday_names)}, "
        f"{_v(texts.clocks(course.start_time, course.end_time))}<br>\n"
    )
    period = _blocktranslate(
        texts,
        "%(start)s to %(end)s",
        start=texts.date(course.starts_on),
        end=texts.date(course.ends_on),
    )
    parts.append(f"      {period}</dd>\n")
    parts.append(f"  <dt>{label['Seats']}</dt>\n  <dd>")
    if course.seats_left:
        left = _blocktranslate(
            texts,
            "%(counter)s seat left", "%(counter)s seats left", course.seats_left,
            counter=course.seats_left,
        )  # fmt: skip
        parts.append(f'<span class="pill pill--ok">{left}</span>')
    else:
        parts.append(f'<span class="pill pill--warn">{label["Full: waiting list"]}</span>')
    parts.append("</dd>\n")
    parts.append(f"  <dt>{label['Childcare']}</dt>\n  <dd>")
    if course.has_childcare:
        if course.childcare_places_left:
            left = _blocktranslate(
                texts,
                "%(counter)s place left", "%(counter)s places left",
                course.childcare_places_left, counter=course.childcare_places_left,
            )  # fmt: skip
            parts.append(f'<span class="pill pill--ok">{left}</span>')
        else:
            full = label["Childcare full: waiting list"]
            parts.append(f'<span class="pill pill--warn">{full}</span>')
        ages = _blocktranslate(
            texts,
            "ages %(low)s to %(high)s",
            low=course.childcare_min_age,
            high=course.childcare_max_age,
        )
        parts.append(f" ({ages})")
    else:
        parts.append(label["No childcare"])
    parts.append("</dd>\n")
    waiting = _blocktranslate(
        texts,
        "%(counter)s person waiting", "%(counter)s people waiting", course.waitlist_length,
        counter=course.waitlist_length,
    )  # fmt: skip
    parts.append(f"  <dt>{label['Waiting list']}</dt>\n  <dd>{waiting}</dd>\n  ")
    if course.helper_language_names:
        parts.append(f"<dt>{label['Help in']}</dt><dd>{_join(course.helper_language_names)}</dd>")
    parts.append("\n</dl>\n")
    if course.my_booking_label:
        parts.append(
            f"<p><strong>{label['Your booking:']}</strong> {_v(course.my_booking_label)}</p>"
        )
    parts.append("\n")
    return mark_safe("".join(parts))  # every value above is escaped, as the template does
