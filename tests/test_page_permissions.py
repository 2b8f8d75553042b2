"""The page permission table: every web page x every role, one generated test per cell.

Rows live in ``tests/pages/<app>.py`` (``ROWS``), in the vocabulary of
``tests/pages/table.py``; they use the same world as the API table.
``test_every_page_is_in_the_table`` makes sure no page ships without a row.
"""

import importlib
import pkgutil
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from . import pages
from .pages.table import DENIED, HIDDEN, LOGIN, OK, ROLES

pytestmark = pytest.mark.django_db


def _all_rows():
    rows = []
    for module in pkgutil.iter_modules(pages.__path__):
        if module.name != "table":
            rows += importlib.import_module(f"{pages.__name__}.{module.name}").ROWS
    return rows


TABLE = _all_rows()


@pytest.fixture
def world(world_shared_by_the_module):
    """The table's cells share one world per module (tests/world.py)."""
    return world_shared_by_the_module


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", TABLE, ids=lambda row: row.name)
def test_page_permission_cell(world, row, role):
    client = Client()
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    url = row.url(world)
    if row.method == "get":
        response = client.get(url)
    else:
        response = client.post(url, row.data(world, role) if row.data else {})
    expected = row.expected[role]
    status = response.status_code
    login_url = reverse(settings.LOGIN_URL)
    sent_to_login = status == 302 and response["Location"].startswith(login_url)
    if expected == OK:
        assert status in (200, 302) and not sent_to_login, (status, response.get("Location"))
        if status == 200 and response["Content-Type"].startswith("text/html"):
            _loads_htmx_only_if_it_uses_it(response.content)
        if status == 200 and row.method == "post":
            # A form answered with itself: that is fine only without errors.
            assert b'class="error-summary"' not in response.content, response.content[:2000]
    elif expected == LOGIN:
        assert sent_to_login, status
    elif expected == DENIED:
        assert status == 403, status
    elif expected == HIDDEN:
        assert status == 404, status
    else:  # pragma: no cover - a typo in a row
        pytest.fail(f"unknown outcome {expected!r}")


def _loads_htmx_only_if_it_uses_it(html: bytes) -> None:
    """htmx (42 KB) is fetched only by pages that have hx- attributes, and every
    such page has it (a page's block ``htmx`` holds ``{% htmx_script %}``)."""
    uses = re.search(rb"\shx-(get|post|target|swap|push-url|trigger)=", html) is not None
    loads = b"django_htmx/htmx" in html
    assert uses == loads, "uses hx- attributes" if uses else "loads htmx without using it"


def _page_route_names(resolver=None, namespace=""):
    """Every named URL that is a page of ours: not the API, admin, allauth or i18n."""
    resolver = resolver or get_resolver()
    skip = {"api", "admin", "schema", "swagger-ui"}
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns in skip or entry.urlconf_name in ("allauth.urls", "django.conf.urls.i18n"):
                continue
            if getattr(entry.urlconf_module, "__name__", "").startswith(
                ("allauth", "django.conf.urls.i18n")
            ):
                continue
            yield from _page_route_names(entry, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern) and entry.name and entry.name not in skip:
            yield f"{namespace}{entry.name}"


def test_every_page_is_in_the_table():
    covered = {row.route for row in TABLE}
    routes = set(_page_route_names())
    assert {"home", "accounts:profile"} <= routes
    assert routes - covered == set()


def test_every_page_view_declares_its_roles():
    """A page view without RolePageMixin would be open to everyone by accident."""
    from accounts.page_access import RolePageMixin

    for entry in _iter_patterns(get_resolver()):
        view = getattr(entry.callback, "view_class", None)
        if entry.callback.__module__ == "calendars.views":
            continue  # the feed: its token is the credential (tests/pages/calendars.py)
        assert view is not None or entry.callback.__module__.startswith(
            ("allauth", "django", "drf_spectacular")
        ), f"{entry.callback.__module__}.{entry.callback.__name__} is not a class-based page"
        if view is None or view.__module__.startswith(
            ("allauth", "django", "rest_framework", "drf_spectacular")
        ):
            continue
        assert issubclass(view, RolePageMixin), f"{view.__module__}.{view.__name__}"


def _iter_patterns(resolver):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if (entry.namespace or "") in {"api", "admin"}:
                continue
            yield from _iter_patterns(entry)
        else:
            yield entry
