"""The privacy notice (GDPR Art. 13): in every language, with the controller,
the data protection officer, the authority and the retention periods the
system enforces, read from the settings; linked from every page."""

import pytest
from django.conf import settings as django_settings
from django.test import Client

from ..untranslated import record_untranslated

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _ in django_settings.LANGUAGES]
# Each language's word for a number of months and days, as the notice writes them.
MONTHS = {"de": "{n} Monate", "en": "{n} months", "ar": "{n} شهرًا", "uk": "{n} місяців",
          "tr": "{n} ay", "fa": "{n} ماه", "ru": "{n} месяцев"}  # fmt: skip
DAYS = {"de": "{n} Tage", "en": "{n} days", "ar": "{n} يومًا", "uk": "{n} днів",
        "tr": "{n} gün", "fa": "{n} روز", "ru": "{n} дней"}  # fmt: skip


def page_in(language: str, path: str = "/privacy/") -> str:
    client = Client()
    client.cookies["django_language"] = language
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_notice_in_every_language_states_the_configured_periods(settings, language):
    # Periods no default uses, so the text cannot have them written in.
    settings.KURSLOTSE_RETENTION_COACH_NOTES_MONTHS = 11
    settings.KURSLOTSE_RETENTION_BOOKINGS_MONTHS = 37
    settings.KURSLOTSE_RETENTION_NOTIFICATIONS_MONTHS = 15
    settings.KURSLOTSE_RETENTION_ACCESS_LOG_MONTHS = 29
    settings.KURSLOTSE_RETENTION_INACTIVE_ACCOUNT_MONTHS = 26
    settings.KURSLOTSE_RETENTION_ERASURE_WARNING_DAYS = 45
    settings.KURSLOTSE_PRIVACY_NOTICE_VERSION = "2031-07-01"
    with record_untranslated() as missing:
        page = page_in(language)
    assert missing == set()
    for months in (11, 37, 15, 29, 26):
        assert MONTHS[language].format(n=months) in page, months
    assert DAYS[language].format(n=45) in page
    assert "2031-07-01" in page
    for fact in ("Landratsamt Heilbronn", "Lerchenstraße 40, 74072 Heilbronn",
                 "integration@landratsamt-heilbronn.de", "datenschutz@landratsamt-heilbronn.de",
                 "Lautenschlagerstraße 20, 70173 Stuttgart"):  # fmt: skip
        assert fact in page, fact
    for article in (
        ("6(1)(e)", "6(1)(c)", "6(1)(a)", "9(2)(g)")
        if language != "de"
        else ("lit. e", "lit. c", "lit. a", "Art. 9 Abs. 2 lit. g")
    ):
        assert article in page, article
    direction = "rtl" if language in ("ar", "fa") else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in page


def test_the_controller_comes_from_the_settings(settings):
    settings.KURSLOTSE_CONTROLLER_NAME = "Landratsamt Musterkreis"
    settings.KURSLOTSE_DPO_EMAIL = "dsb@musterkreis.example"
    page = page_in("de")
    assert "Landratsamt Musterkreis" in page and "dsb@musterkreis.example" in page
    assert "Landratsamt Musterkreis speichert" in page_in("de", "/accounts/signup/")


@pytest.mark.parametrize("path", ["/", "/courses/", "/accounts/login/", "/accounts/signup/"])
def test_every_page_links_the_notice(path):
    assert 'href="/privacy/"' in page_in("de", path)


def test_signed_in_pages_link_the_notice_too(learner):
    client = Client()
    client.force_login(learner)
    assert 'href="/privacy/"' in client.get("/profile/").content.decode()
