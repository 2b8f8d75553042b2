"""Every supported language has every message translated."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from .world import closure, skipping_course

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
        f"/manage/courses/{world.course.pk}/edit/",
        "/manage/closures/", "/manage/closures/new/", f"/manage/closures/{closure(world).pk}/edit/",
        f"/manage/closures/{closure(world).pk}/delete/", f"/manage/courses/{skipping_course(world).pk}/",
        f"/courses/{skipping_course(world).pk}/",
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
    from courses.notifications import Kind
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


def _teacher_pages(world) -> list[str]:
    return [
        "/teach/", f"/teach/courses/{world.course.pk}/",
        f"/teach/sessions/{world.session.pk}/attendance/",
    ]  # fmt: skip


def _coordinators_attendance_pages(world) -> list[str]:
    return [f"/manage/bookings/{world.own_booking.pk}/"]


def _data_protection_pages(world) -> dict[str, list[str]]:
    """The person's own rights (data, erasure, the notice) and the office's and
    the data protection officer's pages about them."""
    learner = world.users["learner"]
    return {
        "learner": ["/privacy/", "/privacy/my-data/", "/privacy/erase/"],
        "coordinator": [
            f"/manage/people/?q={learner.email.split('@')[0]}",
            "/manage/people/?q=x",
            f"/manage/people/{learner.pk}/erase/",
        ],
        "data_protection_officer": ["/privacy/access-log/", "/dashboard/retention/"],
    }


def _retention_pages(world) -> list[str]:
    """The retention page with a run on it (its rules' labels and periods)."""
    from common.services import run_retention

    run_retention()
    return ["/dashboard/retention/"]


@pytest.mark.django_db
@pytest.mark.parametrize("language", TRANSLATED)
def test_every_page_of_every_role_is_fully_translated(client, world, language):
    """No English fallbacks: learners read every word of their pages in their
    language (and so do coaches and coordinators)."""
    from .untranslated import record_untranslated

    pages = {
        "learner": _learner_pages(world),
        "coach": _coach_pages(world),
        "coordinator": _coordinator_pages(world)
        + _coordinators_attendance_pages(world)
        + _retention_pages(world),
        "teacher": _teacher_pages(world),
    }
    for role, paths in _data_protection_pages(world).items():
        pages[role] = pages.get(role, []) + paths
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


INFORMAL_GERMAN = re.compile(r"\b(Gib|Wähle|Stelle|Überprüfe|du|dein|deine|deinen|dich|dir)\b")


def test_german_messages_of_the_libraries_say_sie_like_ours():
    """DRF's German catalogue says "du" ("Gib eine gültige URL ein"); every German
    text here says "Sie", so our catalogue overrides each such message."""
    import gettext

    import rest_framework
    from django.utils import translation

    mo = Path(rest_framework.__file__).parent / "locale" / "de" / "LC_MESSAGES" / "django.mo"
    library = gettext.GNUTranslations(mo.open("rb"))._catalog  # type: ignore[attr-defined]
    informal = [msgid for msgid, text in library.items()
                if isinstance(msgid, str) and msgid and INFORMAL_GERMAN.search(str(text))]  # fmt: skip
    assert informal, "the check would find nothing to check"
    with translation.override("de"):
        still = [msgid for msgid in informal if INFORMAL_GERMAN.search(translation.gettext(msgid))]
    assert still == []
