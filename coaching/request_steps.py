"""The coaching request page in steps, for a phone and someone who reads slowly.

One long form with eleven questions is a wall; four short steps ask one
thing at a time: what help, which languages, where and when, then a check
of everything before it is sent. Each step is a plain POST that the server
checks (the shape with ``CoachingRequestForm``, the rules with
``services.check_request``, both unchanged) and keeps in the session until
the request is sent, then redirects to the next step: no JavaScript, a reload
or the back button loses nothing, and a cheap phone renders one short page
at a time. A POST without ``step`` is still the whole form at once.
"""

from dataclasses import dataclass

from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError

from . import services

DRAFT_KEY = "coaching_request_draft"
# The service calls the weekly times "availability"; the page shows them as rows.
SERVICE_TO_PAGE = {"availability": "slot_0_day"}


@dataclass(frozen=True)
class Step:
    name: str
    title: Promise
    fields: tuple[str, ...]  # "slots" stands for every row of weekly times

    def owns(self, name: str) -> bool:
        return name in self.fields or ("slots" in self.fields and name.startswith("slot_"))


STEPS = (
    Step("help", _("What help do you need?"), ("programme", "goals")),
    Step("languages", _("Your languages"), ("languages", "german_level")),
    Step(
        "when",
        _("Where and when"),
        ("municipality", "slots", "online_ok", "care_facility", "shift_pattern"),
    ),
    Step("check", _("Check and send"), ("coach_gender_preference", "notes")),
)
FIRST, LAST = STEPS[0], STEPS[-1]


def step_named(name: str | None) -> Step | None:
    return next((step for step in STEPS if step.name == name), None)


def number_of(step: Step) -> int:
    return STEPS.index(step) + 1


def previous_of(step: Step) -> Step | None:
    index = STEPS.index(step)
    return STEPS[index - 1] if index else None


def next_of(step: Step) -> Step:
    return STEPS[min(STEPS.index(step) + 1, len(STEPS) - 1)]


def step_of_field(name: str | None) -> Step:
    """The step that asks ``name``; the last one for a refusal of the whole request."""
    return next((step for step in STEPS if name and step.owns(name)), LAST)


# --- The draft: what the learner answered so far, kept in their session ----------------


def draft(session) -> dict[str, list[str]]:
    return dict(session.get(DRAFT_KEY) or {})


def visited(session, step: Step) -> bool:
    return f"seen:{step.name}" in draft(session)


def with_answers(session, step: Step, posted) -> QueryDict:
    """The draft with this step's answers replaced by what was just sent (a box
    left unticked sends nothing, so the step's old answers go first)."""
    data = QueryDict(mutable=True)
    for name, values in draft(session).items():
        if not step.owns(name):
            data.setlist(name, values)
    for name in posted:
        if step.owns(name):
            data.setlist(name, posted.getlist(name))
    data.setlist(f"seen:{step.name}", ["1"])
    return data


def as_data(session) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, values in draft(session).items():
        data.setlist(name, values)
    return data


def keep(session, data: QueryDict) -> None:
    session[DRAFT_KEY] = {name: data.getlist(name) for name in data}


def forget(session) -> None:
    session.pop(DRAFT_KEY, None)


# --- The rules, said at the step that asks the field ---------------------------------------


def rule_problems(full_form, step: Step) -> dict[str, list[str]]:
    """What ``services.check_request`` refuses among the fields of ``step``, given
    everything answered so far (``full_form``: the whole form on the draft; the
    fields of later steps may still be empty and are not judged yet)."""
    full_form.is_valid()
    try:
        services.check_request(dict(full_form.cleaned_data))
    except DomainError as error:
        problems: dict[str, list[str]] = {}
        for name, texts in (error.fields or {}).items():
            field = SERVICE_TO_PAGE.get(name, name)
            if step.owns(field):
                problems[field] = [str(t) for t in (texts if isinstance(texts, list) else [texts])]
        return problems
    return {}


def first_step_with_errors(form) -> Step | None:
    steps = [step_of_field(name if name != "__all__" else None) for name in form.errors]
    return min(steps, key=STEPS.index) if steps else None
