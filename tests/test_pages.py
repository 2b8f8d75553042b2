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
