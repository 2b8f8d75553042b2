"""Forms of the course pages. They check the shape of what people type (a
number, a date); the rules of courses and bookings stay in the services and
in ``Course.clean``, whose messages the views attach to these fields."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.template.loader import render_to_string
from django.utils.dates import WEEKDAYS
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from common.kept import KeptPerProcess
from common.languages import language_name
from common.translated import (
    SOURCE_LANGUAGE,
    TARGET_LANGUAGES,
    column,
    direction,
    missing_languages,
    stored,
)
from common.web import show_domain_error
from places.constants import Region
from places.models import Municipality, Venue
from places.selectors import municipalities

from .constants import (
    HELPER_LANGUAGES,
    MAX_CHILD_AGE,
    MAX_RADIUS_KM,
    MAX_REASON_LENGTH,
    MESSAGE_BODY_MAX_LENGTH,
    MESSAGE_SUBJECT_MAX_LENGTH,
    MIN_RADIUS_KM,
    AttendanceStatus,
    Audience,
    CourseStatus,
    Level,
)
from .models import Closure, Course, Provider
from .selectors import EDITABLE_FIELDS, TRANSLATED_FIELDS, TRANSLATION_COLUMNS

WEEKDAY_CHOICES = [(number, WEEKDAYS[number]) for number in range(7)]
RADIUS_CHOICES = [(5, _("5 km")), (10, _("10 km")), (15, _("15 km")), (25, _("25 km")),
                  (50, _("50 km"))]  # fmt: skip
DEFAULT_RADIUS_KM = 15
TIME_OF_DAY_CHOICES = [
    ("", _("Any time")),
    ("morning", _("Morning (before 12:00)")),
    ("afternoon", _("Afternoon (12:00 to 17:00)")),
    ("evening", _("Evening (from 17:00)")),
]
# Age inputs on the booking form: enough for nearly every family, short on a phone.
CHILD_AGE_INPUTS = 4


def _municipalities():
    return Municipality.objects.order_by("name")


def _attributes(attrs: dict) -> str:
    """``django/forms/widgets/attrs.html`` in Python: `` name="value"`` each,
    the bare name for True, nothing for False."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    """A ``Select`` that writes the same HTML as Django's templates
    (``select.html``, ``select_option.html``, ``attrs.html``, byte for byte:
    ``tests/courses/test_catalogue_page.py`` compares them) without rendering
    two templates per option — the search page has about 80 options, which
    cost more than its twenty course cards."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"']
        parts.append(_attributes(widget["attrs"]) + ">")
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attributes(option['attrs'])}>{conditional_escape(option['label'])}"
                    "</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")  # the renderer strips the template's last newline
        return mark_safe("".join(parts))  # every value above is escaped


class TownField(forms.ChoiceField):
    """A choice of the district's municipalities, from a list the form read
    once (``places.selectors.municipalities``); cleans to the ``Municipality``
    or None, as a ``ModelChoiceField`` would, with its message — but without
    one query to list the towns and another to find the one chosen."""

    default_error_messages = forms.ModelChoiceField.default_error_messages

    def __init__(self, *, empty_label, **kwargs):
        self.empty_label = empty_label
        self.towns: dict[str, Municipality] = {}
        super().__init__(choices=[("", empty_label)], **kwargs)

    def offer(self, towns: list[Municipality]) -> None:
        self.towns = {str(town.pk): town for town in towns}
        self.choices = [("", self.empty_label), *((town.pk, town.name) for town in towns)]

    def clean(self, value):
        if value in self.empty_values:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        town = self.towns.get(str(value))
        if town is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return town


class CourseSearchForm(forms.Form):
    """The learner's search. Every field is optional; an unbound search starts
    around the learner's home municipality (see the view)."""

    level = forms.ChoiceField(
        label=_("Level"),
        choices=[("", _("Any level")), *Level.choices],
        required=False,
        widget=QuickSelect,
    )
    near = TownField(
        label=_("Near"),
        required=False,
        empty_label=_("Anywhere in the district"),
        widget=QuickSelect,
    )
    radius_km = forms.TypedChoiceField(
        label=_("Distance"),
        choices=RADIUS_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        widget=QuickSelect,
    )
    weekday = forms.TypedChoiceField(
        label=_("Day"),
        choices=[("", _("Any day")), *WEEKDAY_CHOICES],
        coerce=int,
        required=False,
        empty_value=None,
        widget=QuickSelect,
    )
    time_of_day = forms.ChoiceField(
        label=_("Time of day"), choices=TIME_OF_DAY_CHOICES, required=False, widget=QuickSelect
    )
    childcare = forms.BooleanField(label=_("With childcare"), required=False)
    # Courses one can join from home (online or hybrid), wherever they are held.
    online = forms.BooleanField(label=_("Only courses I can join online"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.towns = municipalities()
        near = self.fields["near"]
        assert isinstance(near, TownField)
        near.offer(self.towns)
        self._offer_the_asked_radius()

    def _offer_the_asked_radius(self) -> None:
        """A link may ask for any distance the API accepts (1 to 200 km, e.g. 20):
        it joins the choices instead of making the search fail."""
        asked = str(self.data.get("radius_km", "")) if self.is_bound else ""
        field = self.fields["radius_km"]
        assert isinstance(field, forms.TypedChoiceField)
        known = {str(value) for value, _label in RADIUS_CHOICES}
        if asked.isdigit() and MIN_RADIUS_KM <= int(asked) <= MAX_RADIUS_KM and asked not in known:
            choices = [*RADIUS_CHOICES, (int(asked), _("%(n)s km") % {"n": int(asked)})]
            field.choices = sorted(choices, key=lambda choice: choice[0])

    def search_arguments(self) -> dict:
        """Keyword arguments for ``selectors.search_courses``."""
        data = self.cleaned_data
        return {
            "level": data["level"],
            "near": data["near"],
            "radius_km": data["radius_km"] or DEFAULT_RADIUS_KM,
            "towns": self.towns,
            "online": data["online"],
            "childcare": data["childcare"],
            "weekday": data["weekday"],
            "time_of_day": data["time_of_day"],
        }


# The search form's HTML by everything it is made of (``search_form_html``).
_search_forms: KeptPerProcess[tuple, SafeString] = KeptPerProcess(size=512)


def search_form_html(form: CourseSearchForm) -> SafeString:
    """``includes/form_fields.html`` for the search form, kept per process
    under everything that HTML is made of: the language, the towns as read
    for this request (a town renamed is a new key), and what was asked of
    each field (which also decides the errors shown and the distances
    offered). Rendering its labels, selects and checkboxes cost more than
    PostgreSQL spends on the whole search; the form is the same for most."""
    asked = None
    if form.is_bound:
        data = form.data
        asked = tuple(
            (name, tuple(data.getlist(name)) if hasattr(data, "getlist") else data.get(name))
            for name in form.fields
        )
    key = (get_language(), tuple((town.pk, town.name) for town in form.towns), asked)
    try:
        html = _search_forms.get(key)
    except TypeError:  # a value that cannot be a key: render it as it is
        return render_to_string("includes/form_fields.html", {"form": form})
    if html is None:
        html = mark_safe(render_to_string("includes/form_fields.html", {"form": form}))
        _search_forms.keep(key, html)
    return html


class ChildAgesWidget(forms.MultiWidget):
    """A few number inputs, each with its own visible label (see the template).

    Only the boxes that hold a refused age are marked invalid and tied to the
    message (``ChildAgesBoundField`` says which): a screen reader that hears
    "invalid" on all four boxes cannot tell which child to correct."""

    template_name = "courses/widgets/child_ages.html"
    use_fieldset = True

    def __init__(self, count: int):
        attrs = {"min": 0, "max": MAX_CHILD_AGE, "inputmode": "numeric", "class": "age"}
        super().__init__([forms.NumberInput(attrs=attrs) for _ in range(count)])

    def decompress(self, value):
        ages = list(value or [])
        return ages + [None] * (len(self.widgets) - len(ages))

    def get_context(self, name, value, attrs):
        attrs = dict(attrs or {})
        attrs.pop("aria-invalid", None)
        refused = attrs.pop("refused_boxes", ())
        context = super().get_context(name, value, attrs)
        for index, subwidget in enumerate(context["widget"]["subwidgets"]):
            if index in refused:
                subwidget["attrs"]["aria-invalid"] = "true"
                subwidget["attrs"]["aria-describedby"] = f"{attrs.get('id', '')}_error"
        return context


class ChildAgesBoundField(forms.BoundField):
    """The children's ages on a page: which boxes hold what was refused."""

    def refused_boxes(self) -> list[int]:
        """Boxes that are not an age, or hold an age the rules refused
        (``InvalidChildren.ages``, put on the field by the view); every filled
        box when the refusal is about them all (too many, no childcare)."""
        if not self.errors:
            return []
        raw = self.value() if self.form.is_bound else []
        raw = list(raw or []) if isinstance(raw, list | tuple) else []
        field = self.field
        assert isinstance(field, ChildAgesField)
        filled, refused = [], []
        for index, (subfield, text) in enumerate(zip(field.fields, raw, strict=False)):
            try:
                age = subfield.clean(text)
            except ValidationError:
                refused.append(index)
                continue
            if age is not None:
                filled.append(index)
                if age in field.refused_ages:
                    refused.append(index)
        return refused or filled or [0]

    @property
    def error_target(self) -> str:
        boxes = self.refused_boxes()
        return f"{self.auto_id}_{boxes[0]}" if boxes else ""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        attrs.pop("aria-invalid", None)
        attrs["refused_boxes"] = self.refused_boxes()
        return attrs


class ChildAgesField(forms.MultiValueField):
    """Ages of the children who need childcare; empty inputs mean no child."""

    widget: ChildAgesWidget
    bound_field_class = ChildAgesBoundField

    def __init__(self, count: int = CHILD_AGE_INPUTS, **kwargs):
        # Ages a rule refused (``services.InvalidChildren.ages``), to mark their boxes.
        self.refused_ages: list[int] = []
        messages = {
            "invalid": _("Write each age as a whole number, for example 4."),
            "min_value": _("An age cannot be below 0."),
            "max_value": _("Childcare is for children up to %(limit_value)s years."),
        }
        fields = [
            forms.IntegerField(
                min_value=0, max_value=MAX_CHILD_AGE, required=False, error_messages=messages
            )
            for _ in range(count)
        ]
        super().__init__(
            fields,
            widget=ChildAgesWidget(count),
            require_all_fields=False,
            required=False,
            **kwargs,
        )

    def compress(self, data_list):
        return [age for age in data_list or [] if age is not None]


class BookingForm(forms.Form):
    """Book a seat, with the ages of the children who come to childcare, in one step."""

    children_ages = ChildAgesField(
        label=_("Children who need childcare"),
        help_text=_("Write the age in years of each child. Leave empty without children."),
    )
    # Set when the person was asked and wants the course although it meets at
    # the same time as another of theirs (services.OverlapsBooking).
    confirm_overlap = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, course: Course, **kwargs):
        super().__init__(*args, **kwargs)
        self.course = course
        field = self.fields["children_ages"]
        if course.has_childcare:
            field.help_text = _(
                "Childcare is for children from %(low)s to %(high)s years. "
                "Write the age in years of each child; leave the boxes empty without children."
            ) % {"low": course.childcare_min_age, "high": course.childcare_max_age}
        else:
            # The course has no childcare: nothing to ask.
            del self.fields["children_ages"]

    def ages(self) -> list[int]:
        return self.cleaned_data.get("children_ages") or []

    def refuse_ages(self, ages: list[int]) -> None:
        """Mark the boxes holding ``ages`` as the ones a rule refused."""
        field = self.fields.get("children_ages")
        if isinstance(field, ChildAgesField):
            field.refused_ages = list(ages)

    def confirmed_overlap(self) -> bool:
        return bool(self.cleaned_data.get("confirm_overlap"))

    def asking_about_overlap(self) -> "BookingForm":
        """The same form again, to be sent with "book anyway" (the ages kept)."""
        data = {key: self.data.get(key) for key in self.data}
        data["confirm_overlap"] = "True"
        return type(self)(data, course=self.course)


class PhoneBookingForm(BookingForm):
    """The office books for a caller: the learner it found or registered, the children."""

    learner = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, course: Course, **kwargs):
        super().__init__(*args, course=course, **kwargs)
        if "children_ages" in self.fields:
            self.fields["children_ages"].help_text = _(
                "Childcare is for children from %(low)s to %(high)s years. Ask the caller for "
                "the age of each child who comes along; leave the boxes empty without children."
            ) % {"low": course.childcare_min_age, "high": course.childcare_max_age}


class ParticipantSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, email or phone of the caller"),
        max_length=100,
        required=False,
        help_text=_("At least two characters; a phone number in any spelling, e.g. 0711 123456."),
    )


class NewParticipantForm(forms.Form):
    """Someone without email who called: checked by
    ``accounts.services.register_participant_by_phone``."""

    full_name = forms.CharField(label=_("Name"), max_length=150)
    phone = forms.CharField(
        label=_("Phone"), max_length=32, widget=forms.TextInput(attrs={"type": "tel"})
    )
    preferred_language = forms.ChoiceField(
        label=_("Language to speak with them"), choices=settings.LANGUAGES
    )
    home_municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.none(), required=False
    )
    sms_notifications = forms.BooleanField(
        label=_("Agrees to get their messages by text message (SMS)"),
        required=False,
        initial=True,
        help_text=_("Ask on the call. Only a mobile number gets them; landlines are called by us."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_municipality"].queryset = _municipalities()


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=MAX_REASON_LENGTH)


def https_links(model_field, **kwargs):
    """Links typed without a scheme are taken as https (Django 6's default)."""
    if isinstance(model_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return model_field.formfield(**kwargs)


class CourseForm(forms.ModelForm):
    """What a coordinator fills in to create a course (it starts as a draft).

    No dates to leave out: public holidays and the closures on the closures
    page are skipped when the sessions are generated, and shown on the
    course's page, where a coordinator can keep a date after all."""

    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    helper_languages = forms.MultipleChoiceField(
        label=_("Helper languages"),
        choices=sorted(HELPER_LANGUAGES.items(), key=lambda item: str(item[1])),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Languages the teacher can explain things in."),
    )

    class Meta:
        model = Course
        formfield_callback = https_links
        fields = [
            "title", "level", "format", "description", "what_to_bring", "provider",
            "municipality", "venue", "online_meeting_link", "seats", "childcare_places",
            "childcare_min_age", "childcare_max_age", "helper_languages", "starts_on", "ends_on",
            "weekdays", "start_time", "end_time", "registration_deadline", "offer_hours",
        ]  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "what_to_bring": forms.Textarea(attrs={"rows": 3}),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "registration_deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = _municipalities()
        self.fields["municipality"].help_text = _("Leave empty for an online course.")
        _place_and_seat_fields(self)


def _place_and_seat_fields(form) -> None:
    """Venue and provider choices and the seat minimum, shared by creating and editing."""
    form.fields["venue"].queryset = Venue.objects.select_related("municipality").order_by(
        "municipality__name", "name"
    )
    form.fields["venue"].label_from_instance = lambda venue: (
        f"{venue.name}, {venue.street} ({venue.municipality.name})"
    )
    form.fields["provider"].queryset = Provider.objects.order_by("name")
    form.fields["seats"].min_value = 1
    form.fields["seats"].widget.attrs["min"] = 1


class CourseEditForm(forms.ModelForm):
    """What a coordinator may change on a course that exists (``selectors.EDITABLE_FIELDS``).

    The course as it would be is checked by the service's rule
    (``services.apply_course_changes``: the municipality follows a new venue,
    then ``Course.clean``), not by the ModelForm's own model validation;
    ``update_course`` checks again under the course's lock, with the places taken.
    """

    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "For the dates from today on: dates on a weekday you remove are cancelled, "
            "a weekday you add gets its dates up to the last day."
        ),
    )
    helper_languages = CourseForm.base_fields["helper_languages"]
    missing: list[str]  # languages lacking a translation (``translation_fields``)

    class Meta:
        model = Course
        formfield_callback = https_links
        fields = list(EDITABLE_FIELDS)
        widgets = {
            **{
                name: widget
                for name, widget in CourseForm.Meta.widgets.items()
                if name in EDITABLE_FIELDS
            },
            **{
                column(field, language): CourseForm.Meta.widgets[field]
                for field in ("description", "what_to_bring")
                for language in TARGET_LANGUAGES
            },
        }
        help_texts = {
            "seats": _("More seats are offered to the waiting list at once."),
            "start_time": _("For the dates from today on. A date moved on its own keeps its time."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _place_and_seat_fields(self)
        translation_fields(self)

    def _post_clean(self):
        """The service's check of the course as it would be (see the class docstring)."""
        course_changes_on_form(self)

    def source_fields(self):
        """The visible fields but the translations: German texts first, as the source."""
        return [field for field in self.visible_fields() if field.name not in TRANSLATION_COLUMNS]

    def translation_groups(self) -> list[dict]:
        """Per language its text fields, and whether any text with a German
        source is missing in it (the marker on the edit page)."""
        return [
            {
                "code": language,
                "name": language_name(language),
                "missing": language in self.missing,
                "fields": [self[column(field, language)] for field in TRANSLATED_FIELDS],
                "has_errors": any(
                    self[column(field, language)].errors for field in TRANSLATED_FIELDS
                ),
            }
            for language in TARGET_LANGUAGES
        ]


def _field_name(field: str) -> str:
    return capfirst(str(getattr(Course._meta.get_field(field), "verbose_name", field)))


def translation_fields(form) -> None:
    """The plain texts are the German source: shown as stored in German, whatever
    language the coordinator reads the page in (the model's attribute follows
    the active language). Each translation is labelled with its language and
    typed in its direction; ``form.missing`` lists the languages a German text
    has no translation in."""
    instance = form.instance
    if instance.pk:
        for field in TRANSLATED_FIELDS:
            form.initial[field] = stored(instance, field, SOURCE_LANGUAGE)
    for field in TRANSLATED_FIELDS:
        if field in form.fields:
            form.fields[field].label = _("%(field)s (German, the source)") % {
                "field": _field_name(field)
            }
    for language in TARGET_LANGUAGES:
        for field in TRANSLATED_FIELDS:
            name = column(field, language)
            if name not in form.fields:
                continue
            form_field = form.fields[name]
            form_field.label = _field_name(field)
            form_field.required = False
            form_field.widget.attrs.update(lang=language, dir=direction(language))
    form.missing = missing_languages(instance, TRANSLATED_FIELDS) if instance.pk else []


def course_changes_on_form(form) -> None:
    """Check a course form's changes with ``services.apply_course_changes`` on
    its instance (a copy, never saved here); refusals go on their fields."""
    from . import services

    changes = {
        name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data
    }
    try:
        services.apply_course_changes(form.instance, changes)
    except ValidationError as error:
        messages = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
        for name, texts in messages.items():
            form.add_error(name if name in form.fields else None, texts)
    except DomainError as error:
        show_domain_error(form, error)


class CourseFilterForm(forms.Form):
    """The coordinators' course list: by status and region."""

    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *CourseStatus.choices], required=False
    )
    region = forms.ChoiceField(
        label=_("Region"), choices=[("", _("Every region")), *Region.choices], required=False
    )


class MoveSessionForm(forms.Form):
    date = forms.DateField(
        label=_("New date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    start_time = forms.TimeField(
        label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("End time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    note = forms.CharField(
        label=_("Note for the participants"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example the reason, or a different room."),
    )


class CancelSessionForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the participants"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example the reason, and whether the date is made up later."),
    )


class TeachersForm(forms.Form):
    """Who teaches a course: people with the teacher role (see ``services.assign_teachers``)."""

    teachers = forms.ModelMultipleChoiceField(
        label=_("Teachers"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Give someone the teacher role first (Django admin, their person's page)."),
    )

    def __init__(self, *args, **kwargs):
        from .selectors import teacher_candidates

        super().__init__(*args, **kwargs)
        field = self.fields["teachers"]
        field.queryset = teacher_candidates()
        field.label_from_instance = lambda user: (
            f"{user.full_name} ({user.email})" if user.full_name else user.email
        )


class AttendanceForm(forms.Form):
    """One choice per participant: present, absent or excused. A participant
    left without a choice keeps their mark (or stays unmarked). The button
    "everyone else present" fills the rest in one tap."""

    FILL = "everyone_else_present"

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.participants = list(participants)
        for booking in self.participants:
            self.fields[f"booking_{booking.pk}"] = forms.ChoiceField(
                label=booking.first_name or _("(no name given)"),
                choices=AttendanceStatus.choices,
                widget=forms.RadioSelect,
                required=False,
                initial=booking.attendance_status,
            )

    def entries(self, *, fill_present: bool = False) -> list[dict]:
        """What to save: each choice made, and with ``fill_present`` everyone
        neither chosen now nor marked before as present."""
        entries = []
        for booking in self.participants:
            status = self.cleaned_data.get(f"booking_{booking.pk}") or ""
            if not status and fill_present and not booking.attendance_status:
                status = AttendanceStatus.PRESENT
            if status:
                entries.append({"booking": booking.pk, "status": status})
        return entries


class CourseMessageForm(forms.Form):
    """Write to a course's people. Only the shape is checked here (lengths); who
    may write to whom, and what a message may hold, is ``services.send_course_message``'s."""

    audience = forms.ChoiceField(label=_("To"), widget=forms.RadioSelect)
    subject = forms.CharField(label=_("Subject"), max_length=MESSAGE_SUBJECT_MAX_LENGTH)
    body = forms.CharField(
        label=_("Message"),
        max_length=MESSAGE_BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def __init__(self, *args, audiences: list[str], sizes: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Audience.choices)
        audience_field = self.fields["audience"]
        assert isinstance(audience_field, forms.ChoiceField)
        audience_field.choices = [
            (
                audience,
                ngettext(
                    "%(audience)s (%(n)s person)", "%(audience)s (%(n)s people)", sizes[audience]
                )
                % {"audience": labels[audience], "n": sizes[audience]},
            )
            for audience in audiences
        ]
        if len(audiences) == 1:
            audience_field.initial = audiences[0]
        self.fields["subject"].help_text = gettext("One line, at most %(n)s characters.") % {
            "n": MESSAGE_SUBJECT_MAX_LENGTH
        }
        self.fields["body"].help_text = gettext(
            "At most %(n)s characters. It is sent as you write it, with a short note in each "
            "person's language around it."
        ) % {"n": MESSAGE_BODY_MAX_LENGTH}


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ClosureForm(forms.ModelForm):
    """A closure: its name, its days, and whose courses it stops (the whole
    district, one provider, or one venue; ``Closure.clean`` checks the rest)."""

    class Meta:
        model = Closure
        fields = ["name", "first_day", "last_day", "provider", "venue"]
        widgets = {"first_day": DATE_INPUT, "last_day": DATE_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Provider.objects.order_by("name")
        self.fields["provider"].empty_label = _("Every provider")
        self.fields["venue"].queryset = Venue.objects.select_related("municipality").order_by(
            "municipality__name", "name"
        )
        self.fields["venue"].empty_label = _("Every venue")
        self.fields["venue"].label_from_instance = lambda venue: (
            f"{venue.name}, {venue.street} ({venue.municipality.name})"
        )


class KeepDateForm(forms.Form):
    """Keep a date the plan skipped: the date, as the button on the course page sends it."""

    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
