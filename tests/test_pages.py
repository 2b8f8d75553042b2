"""The few server-rendered pages of this slice answer, in the visitor's language."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/",
                                  "/accounts/password/reset/", "/api/docs/"])  # fmt: skip
def test_public_page_renders(client, path):
    assert client.get(path).status_code == 200


def test_home_page_is_right_to_left_in_arabic(client):
    page = client.get("/", headers={"accept-language": "ar"}).content.decode()
    assert 'dir="rtl"' in page
    assert 'lang="ar"' in page


def test_admin_is_closed_to_learners(client, learner):
    client.force_login(learner)
    assert client.get("/admin/").status_code == 302


def test_pages_send_a_strict_content_security_policy(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_every_static_asset_of_the_frame_is_served_by_the_app(client):
    """No CDN: every script, stylesheet and icon of the frame is a local URL."""
    import re

    page = client.get("/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|svg))"', page)
    assert assets, "the frame loads no assets at all?"
    assert all(url.startswith("/static/") for url in assets), assets


def test_language_switch_after_a_refused_form_returns_to_the_page_the_form_was_on(client, learner):
    """A refused POST renders at the form's target address, which may have no
    page of its own: the switcher goes back to the referring page instead."""
    client.force_login(learner)
    response = client.post(
        "/profile/",
        {"preferred_language": "xx"},
        headers={"referer": "http://testserver/bookings/"},
    )
    assert 'name="next" value="http://testserver/bookings/"' in response.content.decode()
