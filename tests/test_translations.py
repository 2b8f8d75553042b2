"""Every supported language has every message translated."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != "en"]


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs gettext's msgfmt")
@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_is_complete(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stats = result.stderr.strip().splitlines()[-1]
    assert "untranslated" not in stats and "fuzzy" not in stats, stats


def test_right_to_left_languages_are_marked():
    assert set(settings.LANGUAGES_BIDI) == {"ar", "fa"}


@pytest.mark.django_db
@pytest.mark.parametrize("language", TRANSLATED)
def test_the_start_and_account_pages_have_no_untranslated_text(client, language):
    from .untranslated import record_untranslated

    client.cookies["django_language"] = language
    with record_untranslated() as missing:
        for path in ("/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
            assert client.get(path).status_code == 200
    assert missing == set()


def _learner_pages(world) -> list[str]:
    own = world.own_booking
    return [
        "/courses/", f"/courses/{world.course.pk}/", f"/courses/{world.full_course.pk}/",
        "/bookings/", f"/bookings/{own.pk}/cancel/", "/calendars/subscription/",
        "/coaching/", "/inbox/", "/profile/",
    ]  # fmt: skip


def _coach_pages(world) -> list[str]:
    c = world.coaching
    return [
        "/coach/proposals/", f"/coach/proposals/{c['declinable'].pk}/decline/", "/coach/mentees/",
        f"/mentorships/{c['mentorship'].pk}/", f"/mentorships/{c['mentorship'].pk}/meetings/new/",
        f"/meetings/{c['meeting'].pk}/move/", "/coach/profile/",
    ]  # fmt: skip


def _coordinator_pages(world) -> list[str]:
    return [
        "/dashboard/", "/dashboard/exports/", "/manage/courses/", "/manage/courses/new/",
        f"/manage/courses/{world.course.pk}/", f"/manage/sessions/{world.session.pk}/move/",
        "/manage/coaching/", f"/manage/coaching/requests/{world.coaching['open_request'].pk}/propose/",
        *_waiting_list_and_call_pages(world),
    ]  # fmt: skip


def _waiting_list_and_call_pages(world) -> list[str]:
    """The waiting list's actions, booking for a caller, the call list (with a call on it)."""
    from accounts.services import register_participant_by_phone
    from courses.services import book_course

    caller = register_participant_by_phone(
        full_name="Samira Haddad", phone="0711 123456", preferred_language="ar"
    )
    book_course(course=world.full_course, learner=caller, children_ages=[], confirm_overlap=True)
    waiting = world.extra["waiting"]
    waiting.learner.bookings.filter(pk=waiting.pk).update(waitlist_priority=True,
                                                          priority_reason="Härtefall")  # fmt: skip
    from notifications.constants import Kind
    from notifications.services import notify

    notify(recipient=caller, kind=Kind.WAITLIST_REMOVED, key="translations",
           payload={"title": world.full_course.title, "reason": "Umzug",
                    "course": world.full_course.pk})  # fmt: skip
    full, done = world.full_course.pk, "?done=1"
    return [
        f"/manage/courses/{full}/", f"/manage/courses/{full}/?q=Haddad",
        f"/manage/courses/{full}/?q=Niemand", f"/manage/courses/{world.course.pk}/?learner={caller.pk}",
        f"/manage/bookings/{waiting.pk}/offer/", f"/manage/bookings/{waiting.pk}/remove/",
        "/manage/calls/", f"/manage/calls/{done}",
    ]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("language", TRANSLATED)
def test_every_page_of_every_role_is_fully_translated(client, world, language):
    """No English fallbacks: learners read every word of their pages in their
    language (and so do coaches and coordinators)."""
    from .untranslated import record_untranslated

    pages = {
        "learner": _learner_pages(world),
        "coach": _coach_pages(world),
        "coordinator": _coordinator_pages(world),
    }
    with record_untranslated() as missing:
        for role, paths in pages.items():
            user = world.users[role]
            user.preferred_language = language
            user.save(update_fields=["preferred_language"])
            client.force_login(user)
            for path in paths:
                assert client.get(path).status_code == 200, path
        # A refused booking: the error texts are translated too.
        client.force_login(world.users["learner"])
        client.post(f"/courses/{world.open_course.pk}/book/", {"children_ages_0": "99"})
    assert missing == set()
