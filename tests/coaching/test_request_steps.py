"""The coaching request page asks one thing at a time (coaching/request_steps.py):
what help, languages (the learner's own ticked), where and when, then a check
before sending. The rules are the service's, said at the step that asks."""

import re

import pytest

from accounts.roles import LEARNER
from coaching.models import CoachingRequest

from ..factories import UserFactory, municipality
from .test_views import client_for, open_request

pytestmark = pytest.mark.django_db

HELP = {"step": "help", "programme": "jobcoaching", "goals": ["cv"]}
LANGUAGES = {"step": "languages", "languages": ["ar"], "german_level": "A2"}


def when(**overrides):
    data = {"step": "when", "municipality": municipality("Bad Rappenau").pk,
            "slot_0_day": "1", "slot_0_start": "09:00", "slot_0_end": "11:00"}  # fmt: skip
    data.update(overrides)
    return data


def fields_on(response) -> set[str]:
    return set(re.findall(
        r'<(?:input|select|textarea)[^>]*name="([a-z_0-9]+)"', response.content.decode()
    )) - {
        "csrfmiddlewaretoken", "step", "next", "language",
    }  # fmt: skip


def learner(**fields):
    return UserFactory(roles=[LEARNER], preferred_language="en", **fields)


def test_the_request_is_asked_in_four_short_steps_and_sent_after_a_check():
    client = client_for(learner())
    first = client.get("/coaching/")
    assert fields_on(first) == {"programme", "goals"}
    assert "Step 1 of 4" in first.content.decode()

    answer = client.post("/coaching/", HELP)
    assert answer.status_code == 302
    assert answer["Location"] == "/coaching/?step=languages#request-form"
    assert fields_on(client.get("/coaching/?step=languages")) == {"languages", "german_level"}

    assert client.post("/coaching/", LANGUAGES)["Location"].startswith("/coaching/?step=when")
    step = client.get("/coaching/?step=when")
    assert {"municipality", "slot_0_day", "online_ok"} <= fields_on(step)
    assert "care_facility" not in fields_on(step)  # only asked for care work

    assert client.post("/coaching/", when())["Location"].startswith("/coaching/?step=check")
    check = client.get("/coaching/?step=check").content.decode()
    assert "Bad Rappenau" in check and "Arabic" in check and "Tuesday 09:00" in check
    assert not CoachingRequest.objects.exists()  # nothing sent before the check

    sent = client.post("/coaching/", {"step": "check", "notes": "Am liebsten vormittags"})
    assert sent["Location"] == "/coaching/"
    request = CoachingRequest.objects.get()
    assert (request.programme, request.goals, request.languages) == ("jobcoaching", ["cv"], ["ar"])
    assert request.availability == [{"weekday": 1, "start": "09:00", "end": "11:00"}]
    assert request.notes == "Am liebsten vormittags"
    assert "coaching_request_draft" not in client.session  # forgotten once sent


def test_the_learners_own_language_is_ticked_already():
    client = client_for(learner())
    person = UserFactory(roles=[LEARNER], preferred_language="fa")
    client.force_login(person)
    page = client.get("/coaching/?step=languages").content.decode()
    ticked = re.findall(r'<input[^>]*name="languages"[^>]*>', page)
    assert [tag for tag in ticked if "checked" in tag] == [
        tag for tag in ticked if 'value="fa"' in tag
    ]
    assert any('value="fa"' in tag and "checked" in tag for tag in ticked)


def test_languages_of_an_earlier_request_are_ticked_for_the_next_programme():
    person = learner()
    open_request(person, languages=["uk", "ru"])
    page = client_for(person).get("/coaching/?step=languages").content.decode()
    checked = set(re.findall(r'<input[^>]*name="languages" value="([a-z]+)"[^>]*checked', page))
    assert checked == {"uk", "ru"}


def test_a_rule_is_said_at_the_step_that_asks_and_nothing_moves_on():
    client = client_for(learner())
    client.post("/coaching/", HELP)
    # Below B1 a coach needs a language in common besides German (services.check_request).
    refused = client.post("/coaching/", {"step": "languages", "german_level": "A1"})
    assert refused.status_code == 200
    assert "languages" in refused.context["form"].errors
    assert "data-error-summary" in refused.content.decode()
    assert client.post("/coaching/", when())["Location"].startswith("/coaching/?step=check")
    # The check finds the languages step unanswered and goes back there.
    assert client.get("/coaching/?step=check")["Location"].startswith("/coaching/?step=languages")


def test_care_work_asks_for_the_facility_where_and_when():
    client = client_for(learner())
    client.post("/coaching/", {"step": "help", "programme": "care_language"})
    client.post("/coaching/", LANGUAGES)
    assert "care_facility" in fields_on(client.get("/coaching/?step=when"))
    refused = client.post("/coaching/", when())
    assert refused.status_code == 200 and "care_facility" in refused.context["form"].errors
    assert client.post("/coaching/", when(care_facility="Haus der Pflege")).status_code == 302


def test_unticking_every_language_is_kept_and_a_back_step_shows_the_answers():
    client = client_for(learner())
    client.post("/coaching/", HELP)
    client.post("/coaching/", LANGUAGES)
    client.post("/coaching/", {"step": "languages", "german_level": "B2"})  # none ticked
    page = client.get("/coaching/?step=languages").content.decode()
    assert not re.findall(r'<input[^>]*name="languages"[^>]*checked', page)
    assert re.search(r'<option value="B2" selected>', page)
    assert 'href="?step=help#request-form"' in page  # back


def test_a_second_request_in_the_same_programme_goes_back_to_the_first_step():
    person = learner()
    client = client_for(person)
    client.post("/coaching/", {"step": "help", "programme": "care_language"})
    client.post("/coaching/", LANGUAGES)
    client.post("/coaching/", when(care_facility="Haus der Pflege"))
    open_request(person, programme="care_language", care_facility="Haus")  # meanwhile
    refused = client.post("/coaching/", {"step": "check"})
    assert refused.status_code == 200
    assert refused.context["step"].name == "help"
    assert "programme" in refused.context["form"].errors
    assert CoachingRequest.objects.count() == 1
