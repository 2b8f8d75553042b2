"""Browser tests: Playwright (Python) driving Debian's headless Chromium against
the live test server.

Chromium comes from Debian (``apt-get install chromium chromium-driver``;
``.ci/run`` installs it); Playwright never downloads a browser here. Where
``/usr/bin/chromium`` is missing, these tests skip with that instruction, but
in CI (``KURSLOTSE_REQUIRE_SERVICES=1``) a missing browser fails the run.

Screenshots of the main pages at phone width go to ``var/screenshots/``
(``KURSLOTSE_SCREENSHOTS`` overrides), named after the test.
"""

import contextlib
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from ..conftest import REQUIRE_SERVICES

# Playwright's sync API runs an event loop in this thread; the ORM calls of
# the test itself (making users, reading results) are still plain sync code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("KURSLOTSE_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = Path(
    os.environ.get("KURSLOTSE_SCREENSHOTS", settings.BASE_DIR / "var" / "screenshots")
)
PASSWORD = "correct-horse-battery"  # tests/factories.py UserFactory

# Chromium on a machine without internet: no background connections at all.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which(CHROMIUM) or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if path is None:
        message = (
            f"Chromium not found at {CHROMIUM}. Install Debian's packages: "
            "`sudo apt-get install -y chromium chromium-driver` (or set KURSLOTSE_CHROMIUM)."
        )
        if REQUIRE_SERVICES:
            pytest.fail(message + " KURSLOTSE_REQUIRE_SERVICES=1 forbids skipping browser tests.")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh phone-sized browser tab; nothing is shared between tests."""
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="de-DE")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))
    tab.on("pageerror", lambda error: problems.append(str(error)))
    # No request may leave the app: no CDN, no font, no tracker.
    outside: list[str] = []
    tab.on(
        "request",
        lambda req: (
            None
            if req.url.startswith((live_server.url, "data:", "about:"))
            else outside.append(req.url)
        ),
    )
    yield tab
    context.close()
    assert outside == [], f"requests to third parties: {outside}"
    assert problems == [], f"errors in the browser console: {problems}"


@pytest.fixture
def sign_in(page):
    """Sign in through the real sign-in form."""

    def sign_in_as(user, password=PASSWORD):
        page.goto("/accounts/login/")
        page.fill("input[name=login]", user.email)
        page.fill("input[name=password]", password)
        page.click("form button[type=submit]")
        page.wait_for_load_state()
        return page

    return sign_in_as


@pytest.fixture
def screenshot(page, request):
    """Save a full-page phone-width screenshot under var/screenshots/<name>.png."""

    def take(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def serious_accessibility_violations(page) -> list[dict]:
    """axe-core's serious and critical findings on the current page (WCAG 2.1 A/AA)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        },
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@contextlib.contextmanager
def phone_tab_of(browser, live_server, person):
    """A fresh 360 px tab signed in as ``person`` and the list of every answer it
    receives, for measuring what a first load transfers."""
    from django.test import Client

    client = Client()
    client.force_login(person)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    try:
        tab = context.new_page()
        responses: list = []
        tab.on("response", lambda response: responses.append(response))
        yield tab, responses
    finally:
        context.close()
