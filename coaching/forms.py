"""Forms of the coaching pages: they check the shape of input, the services the rules.

Weekly times and spoken languages are lists in the models. On the page they
are a fixed number of rows (day, from, until / language, level), so they
work on a phone without JavaScript: people fill as many rows as they need
and leave the rest empty.
"""

import datetime as dt
from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from common.languages import language_name
from common.validators import validate_single_line
from places.models import Municipality

from .constants import (
    OTHER_LANGUAGE_CODES,
    SKILL_CHOICES,
    EndReason,
    Gender,
    GermanLevel,
    LanguageLevel,
    MilestoneKind,
    Programme,
    ShiftPattern,
)

# Extra empty rows shown below the filled ones, and the fewest rows shown.
SPARE_ROWS = 2
MIN_ROWS = 3
MAX_ROWS = 14

WEEKDAY_CHOICES = [("", _("(no day)")), *((str(day), name) for day, name in WEEKDAYS.items())]


def language_choices():
    """Languages besides German, by their name."""
    return sorted(
        ((code, language_name(code)) for code in OTHER_LANGUAGE_CODES),
        key=lambda choice: choice[1],
    )


def _time_widget():
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _municipalities():
    return Municipality.objects.order_by("name")


class RowsForm(forms.Form):
    """Numbered groups of fields (``<prefix>_<n>_<part>``) shown as one fieldset each."""

    def _row_count(self, prefix: str, existing: int) -> int:
        data = getattr(self, "data", None) or {}
        posted = [
            int(key.split("_")[1])
            for key in data
            if key.startswith(f"{prefix}_") and key.split("_")[1].isdigit()
        ]
        needed = max(posted, default=-1) + 1
        return min(max(existing + SPARE_ROWS, MIN_ROWS, needed), MAX_ROWS)

    def rows(self, prefix: str, parts: tuple[str, ...]) -> list[list]:
        count = len([name for name in self.fields if name.startswith(f"{prefix}_")]) // len(parts)
        return [[self[f"{prefix}_{index}_{part}"] for part in parts] for index in range(count)]


class AvailabilityForm(RowsForm):
    """Weekly availability as rows of day, from and until."""

    availability_required_message = _("Give at least one time in the week.")

    def add_availability_fields(self, initial: list[dict]) -> None:
        for index in range(self._row_count("slot", len(initial))):
            slot = initial[index] if index < len(initial) else {}
            self.fields[f"slot_{index}_day"] = forms.ChoiceField(
                label=_("Day"), choices=WEEKDAY_CHOICES, required=False,
                initial=str(slot.get("weekday", "")),
            )  # fmt: skip
            self.fields[f"slot_{index}_start"] = forms.TimeField(
                label=_("From"), required=False, widget=_time_widget(), initial=slot.get("start")
            )
            self.fields[f"slot_{index}_end"] = forms.TimeField(
                label=_("Until"), required=False, widget=_time_widget(), initial=slot.get("end")
            )

    @property
    def availability_rows(self):
        return self.rows("slot", ("day", "start", "end"))

    def availability_from_rows(self, cleaned: dict) -> list[dict]:
        slots = []
        count = len([name for name in self.fields if name.startswith("slot_")]) // 3
        for index in range(count):
            day = cleaned.get(f"slot_{index}_day")
            start = cleaned.get(f"slot_{index}_start")
            end = cleaned.get(f"slot_{index}_end")
            names = {part: f"slot_{index}_{part}" for part in ("day", "start", "end")}
            if any(name in self.errors for name in names.values()):
                continue
            if not day and start is None and end is None:
                continue
            if not day:
                self.add_error(names["day"], _("Choose the day."))
            elif start is None:
                self.add_error(names["start"], _("Give the time."))
            elif end is None:
                self.add_error(names["end"], _("Give the time."))
            elif end <= start:
                self.add_error(names["end"], _("The end must be after the start."))
            else:
                slots.append(
                    {
                        "weekday": int(day),
                        "start": start.strftime("%H:%M"),
                        "end": end.strftime("%H:%M"),
                    }
                )
        slot_errors = [name for name in self.errors if name.startswith("slot_")]
        if not slots and not slot_errors:
            self.add_error("slot_0_day", self.availability_required_message)
        return slots


# --- Learners ------------------------------------------------------------------------------


class CoachingRequestForm(AvailabilityForm):
    """A learner asks for a coach: the fields the API's request serializer takes."""

    programme = forms.ChoiceField(
        label=_("What kind of coaching?"), choices=Programme.choices, widget=forms.RadioSelect
    )
    goals = forms.MultipleChoiceField(
        label=_("What should the coach help you with?"), choices=SKILL_CHOICES,
        widget=forms.CheckboxSelectMultiple, required=False,
        help_text=_("Your goals, and the fields of work you are interested in."),
    )  # fmt: skip
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak besides German"), choices=language_choices,
        widget=forms.CheckboxSelectMultiple, required=False,
        help_text=_("We look for a coach who speaks one of them."),
    )  # fmt: skip
    german_level = forms.ChoiceField(label=_("Your German"), choices=GermanLevel.choices)
    municipality = forms.ModelChoiceField(
        label=_("Where do you live?"), queryset=Municipality.objects.none()
    )
    online_ok = forms.BooleanField(label=_("Meeting online is fine for me"), required=False)
    coach_gender_preference = forms.ChoiceField(
        label=_("Should your coach be a woman or a man?"), required=False,
        choices=[("", _("It does not matter")), *Gender.choices],
    )  # fmt: skip
    care_facility = forms.CharField(
        label=_("Care facility where you work"), max_length=200, required=False,
        help_text=_("Only for language coaching in care work."),
        validators=[validate_single_line],  # as on the model field
    )  # fmt: skip
    shift_pattern = forms.ChoiceField(
        label=_("Your shifts"), required=False,
        choices=[("", _("No shifts / not in care work")), *ShiftPattern.choices],
    )  # fmt: skip
    notes = forms.CharField(
        label=_("Anything else the coach should know"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def __init__(self, *args, step=None, **kwargs):
        """``step`` (``request_steps.Step``): only the questions of that step; the
        care facility and shifts only for language coaching in care work."""
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = _municipalities()
        self.add_availability_fields([])
        self.availability_required_message = _("Give at least one time when you could meet.")
        if step is not None:
            programme = self.data.get("programme") or self.initial.get("programme")
            for name in list(self.fields):
                in_care = name in ("care_facility", "shift_pattern")
                if not step.owns(name) or (in_care and programme != Programme.CARE_LANGUAGE):
                    del self.fields[name]

    # The service names the weekly times "availability"; the page shows them as rows.
    service_field_names = {"availability": "slot_0_day"}

    def clean(self):
        """Only the shape; ``services.check_request`` says which requests can be matched."""
        cleaned = super().clean()
        if "slot_0_day" in self.fields:
            cleaned["availability"] = self.availability_from_rows(cleaned)
        return cleaned

    def service_fields(self) -> dict:
        """The keyword arguments for ``services.create_request``."""
        data = self.cleaned_data
        names = ("programme", "goals", "languages", "german_level", "municipality",
                 "availability", "online_ok", "coach_gender_preference", "care_facility",
                 "shift_pattern", "notes")  # fmt: skip
        return {name: data[name] for name in names}


# --- Coaches -------------------------------------------------------------------------------


class CoachProfileForm(AvailabilityForm):
    """What a coach sets about themselves; the onboarding checks are the office's."""

    programmes = forms.MultipleChoiceField(
        label=_("Programmes"), choices=Programme.choices, widget=forms.CheckboxSelectMultiple
    )
    municipality = forms.ModelChoiceField(
        label=_("Where you live"), queryset=Municipality.objects.none()
    )
    travel_radius_km = forms.IntegerField(
        label=_("How far you travel (km)"), min_value=0, max_value=100, initial=15
    )
    online_ok = forms.BooleanField(label=_("Coaching online is fine"), required=False)
    capacity = forms.IntegerField(
        label=_("How many mentees at a time"), min_value=0, max_value=20, initial=2,
        help_text=_("Set 0 if you cannot take anyone new for now."),
    )  # fmt: skip
    skills = forms.MultipleChoiceField(
        label=_("What you can help with"), choices=SKILL_CHOICES,
        widget=forms.CheckboxSelectMultiple, required=False,
    )  # fmt: skip
    gender = forms.ChoiceField(
        label=_("Gender"), required=False, choices=[("", _("Not given")), *Gender.choices],
        help_text=_("Some learners ask for a coach of a certain gender."),
    )  # fmt: skip
    is_active = forms.BooleanField(
        label=_("I take new mentees"), required=False,
        help_text=_("Untick to pause: you get no new proposals."),
    )  # fmt: skip

    def __init__(self, *args, profile=None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        if profile is not None:
            initial.update(
                programmes=profile.programmes, municipality=profile.municipality_id,
                travel_radius_km=profile.travel_radius_km, online_ok=profile.online_ok,
                capacity=profile.capacity, skills=profile.skills, gender=profile.gender,
                is_active=profile.is_active,
            )  # fmt: skip
        else:
            initial.setdefault("is_active", True)
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = _municipalities()
        languages = profile.languages if profile else []
        self.add_language_fields(languages)
        self.add_availability_fields(profile.availability if profile else [])

    def add_language_fields(self, initial: list[dict]) -> None:
        level_choices = [("", _("(level)")), *LanguageLevel.choices]
        for index in range(self._row_count("lang", len(initial))):
            spoken = initial[index] if index < len(initial) else {}
            self.fields[f"lang_{index}_code"] = forms.ChoiceField(
                label=_("Language"), choices=[("", _("(none)")), *language_choices()],
                required=False, initial=spoken.get("code", ""),
            )  # fmt: skip
            self.fields[f"lang_{index}_level"] = forms.ChoiceField(
                label=_("How well"), choices=level_choices, required=False,
                initial=spoken.get("level", ""),
            )  # fmt: skip

    @property
    def language_rows(self):
        return self.rows("lang", ("code", "level"))

    def clean(self):
        cleaned = super().clean()
        cleaned["availability"] = self.availability_from_rows(cleaned)
        cleaned["languages"] = self.languages_from_rows(cleaned)
        return cleaned

    def languages_from_rows(self, cleaned: dict) -> list[dict]:
        spoken, seen = [], set()
        count = len([name for name in self.fields if name.startswith("lang_")]) // 2
        for index in range(count):
            code = cleaned.get(f"lang_{index}_code")
            level = cleaned.get(f"lang_{index}_level")
            if not code and not level:
                continue
            if not code:
                self.add_error(f"lang_{index}_code", _("Choose the language."))
            elif not level:
                self.add_error(f"lang_{index}_level", _("Say how well you speak it."))
            elif code in seen:
                self.add_error(f"lang_{index}_code", _("This language is already listed."))
            else:
                seen.add(code)
                spoken.append({"code": code, "level": level})
        if not spoken and not any(name.startswith("lang_") for name in self.errors):
            self.add_error("lang_0_code", _("Give at least one language you speak."))
        return spoken

    def service_fields(self) -> dict:
        """The keyword arguments for ``services.save_coach_profile``."""
        data = self.cleaned_data
        names = ("programmes", "languages", "municipality", "travel_radius_km", "online_ok",
                 "availability", "capacity", "skills", "gender", "is_active")  # fmt: skip
        return {name: data[name] for name in names}


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you decline?"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The coordination office reads this to find a better coach."),
    )  # fmt: skip


class MeetingForm(forms.Form):
    """Date, start and end in the local time zone, and where to meet."""

    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start = forms.TimeField(label=_("Starts at"), widget=_time_widget())
    end = forms.TimeField(label=_("Ends at"), widget=_time_widget())
    place = forms.CharField(
        label=_("Place"), max_length=200, required=False,
        help_text=_("Where you meet in person, or leave empty and give an online link."),
    )  # fmt: skip
    online_link = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")

    # The services name the times starts_at / ends_at.
    service_field_names = {"starts_at": "start", "ends_at": "end"}

    @classmethod
    def initial_for(cls, meeting) -> dict:
        starts = timezone.localtime(meeting.starts_at)
        return {
            "date": starts.date(),
            "start": starts.time(),
            "end": timezone.localtime(meeting.ends_at).time(),
            "place": meeting.place,
            "online_link": meeting.online_link,
        }

    def times(self) -> tuple[datetime, datetime]:
        day = self.cleaned_data["date"]

        def at(time: dt.time) -> datetime:
            return timezone.make_aware(datetime.combine(day, time))

        return at(self.cleaned_data["start"]), at(self.cleaned_data["end"])


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("New note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only you and the coordination office read notes."),
    )  # fmt: skip


class MilestoneForm(forms.Form):
    kind = forms.ChoiceField(label=_("What happened"), choices=MilestoneKind.choices)
    occurred_on = forms.DateField(
        label=_("When"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class EndForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why does the coaching end?"), choices=EndReason.choices)


# --- Coordinators ----------------------------------------------------------------------------


class RunMatchingForm(forms.Form):
    programme = forms.ChoiceField(
        label=_("Programme"), required=False,
        choices=[("", _("All programmes")), *Programme.choices],
    )  # fmt: skip


class CoachChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.user.get_full_name()} ({obj.municipality.name})"


class ProposeForm(forms.Form):
    coach = CoachChoiceField(label=_("Coach"), queryset=None)
    override = forms.BooleanField(
        label=_("Propose anyway, although rules are broken"), required=False,
        help_text=_("The broken rules are recorded with the proposal."),
    )  # fmt: skip

    def __init__(self, *args, coaches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coach"].queryset = coaches
