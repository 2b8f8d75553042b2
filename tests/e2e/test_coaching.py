"""Coaching in a real browser at phone width: a coach accepts a proposal and
plans the first meeting, a coordinator runs matching and approves, a learner
asks for a coach. Every page visited is checked with axe."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import COORDINATOR, LEARNER
from coaching.constants import ProposalStatus, RequestStatus
from coaching.models import CoachingRequest, MatchProposal, Meeting

from ..factories import UserFactory, make_coach, municipality
from .conftest import PHONE, serious_accessibility_violations

pytestmark = pytest.mark.django_db(transaction=True)


def english(user):
    user.preferred_language = "en"
    user.save(update_fields=["preferred_language"])
    return user


def matchable_request(learner=None) -> CoachingRequest:
    """A request the coach from ``make_coach`` fits: Arabic, Bad Rappenau, Tuesday morning."""
    learner = learner or UserFactory(roles=[LEARNER], full_name="Amal Learner")
    return CoachingRequest.objects.create(
        learner=learner, created_by=learner, programme="jobcoaching", languages=["ar"],
        german_level="A2", municipality=municipality("Bad Rappenau"), goals=["cv"],
        availability=[{"weekday": 1, "start": "09:00", "end": "11:00"}],
    )  # fmt: skip


def accessible(page) -> None:
    """No serious axe finding, and nothing wider than the phone (no sideways scrolling)."""
    assert serious_accessibility_violations(page) == [], page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_coach_accepts_a_proposal_and_plans_the_first_meeting(page, sign_in, screenshot):
    coach = english(make_coach(name="Samira Coach"))
    request = matchable_request()
    request.status = RequestStatus.PROPOSED
    request.save()
    MatchProposal.objects.create(
        request=request, coach=coach, status=ProposalStatus.APPROVED, score=80,
        score_parts=[{"name": "language", "points": 30, "maximum": 30,
                      "facts": {"shared": ["ar"], "best_level": "fluent"}}],
        expires_at=timezone.now() + dt.timedelta(days=7),
    )  # fmt: skip
    sign_in(coach)

    page.goto("/coach/proposals/")
    assert "Speaks Arabic (fluent)" in page.inner_text("main")
    accessible(page)
    screenshot("coach-proposals")

    page.click("form[action$='/accept/'] button")
    page.wait_for_load_state()
    assert "/mentorships/" in page.url
    assert "Amal Learner" in page.inner_text("h1")
    accessible(page)

    page.click("main a[href$='/meetings/new/']")
    page.wait_for_load_state()
    accessible(page)
    day = timezone.localdate() + dt.timedelta(days=3)
    page.fill("#id_date", day.isoformat())
    page.fill("#id_start", "10:00")
    page.fill("#id_end", "11:00")
    page.fill("#id_place", "Stadtbücherei Bad Rappenau")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()

    assert "/mentorships/" in page.url
    assert "Stadtbücherei Bad Rappenau" in page.inner_text("main .meetings")
    assert Meeting.objects.get().mentorship.coach == coach
    accessible(page)
    screenshot("coach-mentorship")

    page.goto("/coach/profile/")
    accessible(page)
    screenshot("coach-profile")
    page.goto("/coach/mentees/")
    assert "Amal Learner" in page.inner_text("main")
    accessible(page)


def test_coordinator_runs_matching_and_approves_a_proposal(page, sign_in, screenshot):
    coach = make_coach(name="Samira Coach")
    matchable_request()
    CoachingRequest.objects.create(  # nobody speaks Tigrinya: stays unmatched, with reasons
        learner=UserFactory(roles=[LEARNER], full_name="Tesfay Learner"),
        programme="jobcoaching", languages=["ti"], german_level="none",
        municipality=municipality("Eppingen"),
        availability=[{"weekday": 3, "start": "14:00", "end": "16:00"}],
    )  # fmt: skip
    sign_in(english(UserFactory(roles=[COORDINATOR])))

    page.goto("/manage/coaching/")
    assert "Amal Learner" in page.inner_text("main")
    accessible(page)
    screenshot("coordinator-coaching")

    page.click("form[action$='/manage/coaching/run/'] button")
    page.wait_for_load_state()
    assert "/manage/coaching/runs/" in page.url
    main = page.inner_text("main")
    assert "Samira Coach" in main and "Speaks Arabic" in main
    assert "No active coach speaks Tigrinya" in main
    accessible(page)

    page.click("form[action$='/approve/'] button")  # htmx swaps the card in place
    card = page.locator(".proposals > li").first
    expect(card).to_contain_text("Waiting for the coach")
    expect(card.locator(".pill")).to_be_focused()
    expect(card.locator("form")).to_have_count(0)
    assert MatchProposal.objects.get(coach=coach).status == ProposalStatus.APPROVED
    accessible(page)
    screenshot("coordinator-run")

    # The dashboard shows what the run left open, as charts next to their tables.
    page.goto("/dashboard/")
    widths = page.eval_on_selector_all(".chart img", "images => images.map(i => i.naturalWidth)")
    assert widths and all(width > 0 for width in widths), widths
    assert (
        page.locator('#reasons-table tr[data-reason="no_common_language"] td').inner_text() == "1"
    )


def test_learner_asks_for_a_coach(page, sign_in, screenshot):
    learner = english(UserFactory(roles=[LEARNER]))
    sign_in(learner)

    page.goto("/coaching/")
    accessible(page)
    screenshot("learner-coaching")
    # One thing at a time: what help, languages, where and when, then a check.
    page.check("#id_programme_0")
    page.click("form.coaching-request button[type=submit]")
    page.wait_for_load_state()
    # The next step's heading has the focus (read out, in view).
    assert page.evaluate("document.activeElement.id") == "request-form"
    assert page.is_checked("input[name=languages][value=en]")  # her own language, ticked
    page.check("input[name=languages][value=ar]")
    page.select_option("#id_german_level", "A2")
    accessible(page)
    page.click("form.coaching-request button[type=submit]")
    page.wait_for_load_state()
    page.select_option("#id_municipality", label="Bad Rappenau")
    page.select_option("#id_slot_0_day", "1")
    page.fill("#id_slot_0_start", "09:00")
    page.fill("#id_slot_0_end", "11:00")
    accessible(page)
    page.click("form.coaching-request button[type=submit]")
    page.wait_for_load_state()
    assert "Bad Rappenau" in page.inner_text("#request-form")
    accessible(page)
    screenshot("learner-coaching-check")
    page.click("form.coaching-request button[type=submit]")
    page.wait_for_load_state()

    assert "Waiting for a coach" in page.inner_text("main")
    request = CoachingRequest.objects.get(learner=learner)
    assert request.availability == [{"weekday": 1, "start": "09:00", "end": "11:00"}]
    accessible(page)
    screenshot("learner-coaching-waiting")
