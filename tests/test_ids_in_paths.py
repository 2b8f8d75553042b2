"""Every route with an id in its path, API and pages: a malformed or impossible
id is a 404 — never a 500 — whoever asks.

The routes are found with the URL resolver (as the permission tables' guards
find theirs), so a new route with an id is covered the day it is added. API
ids match only digits (common/routers.py); pages use ``<int:pk>``. Ids beyond
the database's integer range match those patterns and must be answered 404
by the views too (tested on PostgreSQL in CI, on SQLite here).
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.roles import COACH, COORDINATOR, LEARNER, TEACHER

from .factories import UserFactory

pytestmark = pytest.mark.django_db

OUR_APPS = ("accounts", "courses", "coaching", "notifications", "calendars", "dashboard",
            "places", "common", "backend")  # fmt: skip
# Path parameters that are not ids, and why.
NOT_IDS = {
    "token": "the calendar feed's secret; its own pattern, tested in tests/calendars",
    "name": "the name of an export (dashboard), looked up in a fixed table",
    "fmt": "the file format of an export (csv, xlsx)",
}
# No route may match these: the resolver answers before any view (or role) is asked.
NOT_NUMBERS = ["abc", "1.5", "-1", "1%0A", "%D9%A1"]  # the last: an Arabic-Indic 1
# Numbers beyond any database integer (bigint ends at 9223372036854775807).
OUT_OF_RANGE = ["99999999999999999999", "9" * 400]


def _view_module(callback) -> str:
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback
    return view.__module__


def _methods(callback) -> list[str]:
    actions = getattr(callback, "actions", None)
    if actions:
        return sorted(actions)
    view = getattr(callback, "view_class", None)
    if view is None:
        return ["get"]
    declared = getattr(view, "allowed_roles", None)  # RolePageMixin: roles per method
    return sorted(declared) if declared else ["get"]


def routes_with_parameters(resolver=None, prefix=""):
    """(path template, parameter names, methods) of every route of ours."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue  # Django's ModelAdmin.get_object answers malformed ids itself
            yield from routes_with_parameters(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and _view_module(entry.callback).startswith(OUR_APPS):
            params = set(entry.pattern.regex.groupindex)
            if params:
                yield prefix + str(entry.pattern), params, _methods(entry.callback), entry


def _url(template: str, params: set[str], value: str) -> str:
    """The route's path with its id set to ``value`` (other parameters valid)."""
    path = "/" + template
    for name in params:
        filler = NOT_ID_VALUES.get(name, value)
        path = re.sub(rf"<(?:\w+:)?{name}>|\(\?P<{name}>[^)]*\)", lambda _m, f=filler: f, path)
    path = path.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")
    assert "<" not in path and "(" not in path, path
    return path


NOT_ID_VALUES = {"token": "a" * 32, "name": "participants", "fmt": "csv"}


ROUTES = [(template, params, methods, entry)
          for template, params, methods, entry in routes_with_parameters()]  # fmt: skip
ID_ROUTES = [route for route in ROUTES if route[1] - set(NOT_IDS)]


def test_the_walk_finds_the_routes_named_in_the_issue():
    templates = {template for template, *_ in ID_ROUTES}
    assert "api/v1/^courses/(?P<pk>[0-9]+)/sessions/$" in templates
    assert "api/v1/^coaching/matching-runs/(?P<pk>[0-9]+)/$" in templates
    assert "courses/<int:pk>/" in templates
    assert len(ID_ROUTES) > 40


def test_every_path_parameter_is_an_id_or_named_here():
    for template, params, _methods, _entry in ROUTES:
        ids = params - set(NOT_IDS)  # the object's pk, and ids of what lies under it
        assert all(name == "pk" or name.endswith("_id") for name in ids), (
            f"{template}: what are {params}?"
        )


@pytest.fixture
def people(db):
    return [UserFactory(roles=[role]) for role in (COORDINATOR, COACH, LEARNER, TEACHER)]


@pytest.mark.parametrize(("template", "params", "methods", "entry"), ID_ROUTES,
                         ids=[route[0] for route in ID_ROUTES])  # fmt: skip
def test_a_bad_id_is_not_found_for_everyone(client, people, template, params, methods, entry):
    is_api = template.startswith("api/")

    def ask(person, method, url):
        client.force_login(person)
        response = getattr(client, method)(url, {}, content_type="application/json")
        assert response.status_code in (403, 404), (url, method, person, response.content[:300])
        if is_api:
            assert response.json()["error"]["code"] in ("not_found", "permission_denied")
        return response.status_code

    for method in methods:
        for value in NOT_NUMBERS:
            # 404, not 403: a 403 would mean a view (and its role check) was reached.
            assert ask(people[0], method, _url(template, params, value)) == 404, value
        for value in OUT_OF_RANGE:
            url = _url(template, params, value)
            statuses = [ask(person, method, url) for person in people]
            assert 404 in statuses, (url, method, statuses)
