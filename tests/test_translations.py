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
