"""The dashboard's and the exports' filters: a region and a period.

The period is either a preset relative to today or two dates. Without any
choice it is the current calendar quarter, the unit funders report in. A
period is at most three years long, so every figure stays cheap to compute
and an export never turns into a dump of everything.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import formatting
from places.constants import Region

MAX_PERIOD_DAYS = 3 * 366

PERIOD_CHOICES = [
    ("quarter", _("This quarter")),
    ("next30", _("Next 30 days")),
    ("next90", _("Next 90 days")),
    ("last30", _("Last 30 days")),
    ("last90", _("Last 90 days")),
    ("year", _("This year")),
    ("dates", _("Between the dates below")),
]


@dataclass(frozen=True)
class Filters:
    """What every dashboard selector and export is asked for."""

    start: date
    end: date
    region: str = ""  # "" means the whole district, online courses included

    @property
    def region_label(self) -> str:
        return str(dict(Region.choices).get(self.region, _("Whole district")))


def quarter_of(day: date) -> tuple[date, date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    next_start = date(day.year + (first_month + 3 > 12), (first_month + 2) % 12 + 1, 1)
    return start, next_start - timedelta(days=1)


def preset_period(preset: str, today: date) -> tuple[date, date]:
    if preset == "next30":
        return today, today + timedelta(days=29)
    if preset == "next90":
        return today, today + timedelta(days=89)
    if preset == "last30":
        return today - timedelta(days=29), today
    if preset == "last90":
        return today - timedelta(days=89), today
    if preset == "year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    return quarter_of(today)


class FilterForm(forms.Form):
    """Region and period. Always bound (to request.GET), so an empty query is valid."""

    region = forms.ChoiceField(
        label=_("Region"),
        choices=[("", _("Whole district")), *Region.choices],
        required=False,
    )
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False)
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        preset = data.get("period") or ""
        if self.errors:
            return data
        # Dates given without a preset mean the dates; a preset ignores them.
        if preset == "dates" or (not preset and (start or end)):
            if not start or not end:
                raise forms.ValidationError(_("Give both dates of the period."), code="dates")
        else:
            start, end = preset_period(preset, timezone.localdate())
        if end < start:
            raise forms.ValidationError(
                _("The end of the period must not be before its start."), code="order"
            )
        if (end - start).days > MAX_PERIOD_DAYS:
            raise forms.ValidationError(
                _("A period may be at most three years long."), code="too_long"
            )
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> Filters:
        """The valid choice; call after is_valid()."""
        data = self.cleaned_data
        return Filters(start=data["start"], end=data["end"], region=data.get("region") or "")


def default_filters() -> Filters:
    start, end = quarter_of(timezone.localdate())
    return Filters(start=start, end=end)


class CourseField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        place = obj.municipality.name if obj.municipality_id else _("Online")
        return f"{obj.title} ({obj.level}), {place}, {formatting.short_date(obj.starts_on)}"


class CourseChoiceForm(forms.Form):
    """The one course whose participant list a coordinator downloads."""

    course = CourseField(label=_("Course"), queryset=None)  # type: ignore[arg-type]

    def __init__(self, *args, courses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses
