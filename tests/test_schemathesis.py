"""schemathesis, a tool nobody here wrote, checks the API against its own OpenAPI schema.

Every operation of the schema, once per role (anonymous, learner, coach,
coordinator), with requests generated from the schema (valid and invalid
ones): no answer is a server error, every status code is documented for the
operation, and every body matches the documented schema for its status.

Deterministic (``derandomize``, no example database) and bounded: a few
generated examples per operation plus schemathesis' coverage cases. Three path
ids in four are drawn from the objects that exist (tests/world.py), so
operations answer with real objects, not only 404. A failure prints the
request as a curl command to reproduce it. Run alone with

    .venv/bin/pytest tests/test_schemathesis.py -p no:cacheprovider

The figures (requests per role, seconds) are printed at the end of the run.
"""

import functools
import json
import re
import time
from collections import Counter, defaultdict

import pytest
import schemathesis
from django.contrib.sessions.backends.db import SessionStore
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.roles import COORDINATOR
from backend.wsgi import application

from .factories import ProviderFactory, VenueFactory
from .world import ROLES

# The three the issue names, and that an answer comes in the documented media type.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]
MAX_EXAMPLES = 15
# A role the view does not admit is refused before the input is read; after this
# many refusals (each checked) the rest of that operation's cases are not sent.
REFUSALS_SENT = 25

# What the ids in each path name, so that generated ids hit real objects too.
MODELS = {
    "/api/v1/municipalities/": "places.Municipality",
    "/api/v1/venues/": "places.Venue",
    "/api/v1/providers/": "courses.Provider",
    "/api/v1/courses/": "courses.Course",
    "/api/v1/sessions/": "courses.CourseSession",
    "/api/v1/bookings/": "courses.Booking",
    "/api/v1/notifications/": "notifications.Notification",
    "/api/v1/coaching/requests/": "coaching.CoachingRequest",
    "/api/v1/coaching/matching-runs/": "coaching.MatchingRun",
    "/api/v1/coaching/proposals/": "coaching.MatchProposal",
    "/api/v1/coaching/mentorships/": "coaching.Mentorship",
    "/api/v1/coaching/meetings/": "coaching.Meeting",
    "/api/v1/closures/": "courses.Closure",
}
# People can be erased during a run; drawing from the accounts that exist *now* would
# change the choices between an example and its replay (hypothesis: "flaky strategy").
# So their ids are the accounts that existed when the test began; an erased one is a 404.
PEOPLE_PATH = "/api/v1/people/"
PEOPLE_AT_START: list[int] = []

TALLY: dict[str, Counter] = defaultdict(Counter)
SECONDS: dict[str, float] = defaultdict(float)
REFUSED: Counter = Counter()
NOT_SENT: Counter = Counter()


def _openapi_document() -> dict:
    """The schema exactly as /api/schema/ serves it (rendered, so lazy texts are plain)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))


def _ids_of(path: str) -> list[int]:
    from django.apps import apps

    if path.startswith(PEOPLE_PATH):
        return list(PEOPLE_AT_START)
    for prefix, label in MODELS.items():
        if path.startswith(prefix):
            return list(apps.get_model(label).objects.order_by("pk").values_list("pk", flat=True))
    return []


schema = schemathesis.openapi.from_dict(_openapi_document())
schema.app = application


@st.composite
def _existing_id(draw, path: str, path_parameters: dict) -> dict:
    try:
        ids = _ids_of(path)
    except RuntimeError:  # schema examples are drawn while collecting, without a database
        ids = []
    if not ids:
        return path_parameters
    return {**path_parameters, "id": draw(st.sampled_from(ids))}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Three ids in four name objects that exist now (including those made during the
    run), so that operations act on real objects, and on the same ones again."""
    if not context.operation or "id" not in (path_parameters or {}):
        return st.just(path_parameters)
    existing = _existing_id(context.operation.path, path_parameters)
    return st.one_of(st.just(path_parameters), existing, existing, existing)


@functools.cache
def _admits(role: str, method: str, path: str) -> bool:
    """Whether the view behind the operation declares the role (``allowed_roles``)."""
    match = resolve(re.sub(r"\{\w+\}", "1", path))  # {id}, {note_id}, …
    actions = getattr(match.func, "actions", None)
    action = actions.get(method.lower()) if actions else method.lower()
    return role in match.func.cls.allowed_roles.get(action, ())


@pytest.fixture
def signed_in(world):
    """The ``X-Session-Token`` of each role: allauth's app token is a signed-in session's key.

    Around the permission tables' world there is also a venue, a provider and a
    matching run, so that every kind of object behind a path exists."""
    from coaching.services import start_matching_run

    VenueFactory()
    ProviderFactory()
    start_matching_run(by=world.users[COORDINATOR])
    PEOPLE_AT_START[:] = (
        world.users[COORDINATOR].__class__.objects.order_by("pk").values_list("pk", flat=True)
    )
    # Schemathesis calls the app in-process (WSGI) and checks the body as it comes:
    # ask for it uncompressed (gzip itself is tested in tests/common/test_compression.py).
    plain = {"Accept-Encoding": "identity"}
    headers = {"anonymous": plain}
    for role in ROLES[1:]:
        user = world.users[role]
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        headers[role] = {**plain, "X-Session-Token": session.session_key}
    return headers


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django closes the database connection after each request it serves; the
    test's transaction lives on that connection. Its test client keeps it open
    the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module", autouse=True)
def _print_figures(request):
    yield
    if not TALLY:
        return
    lines = ["", "schemathesis: requests per role, seconds spent answering them, status codes"]
    for role in ROLES:
        counts = TALLY.get(role)
        if counts:
            codes = ", ".join(f"{code}: {n}" for code, n in sorted(counts.items()))
            lines.append(
                f"  {role:<12} {sum(counts.values()):>6} requests {SECONDS[role]:6.1f} s  ({codes}); "
                f"{NOT_SENT[role]} more refusals not sent"
            )
    total = sum(sum(c.values()) for c in TALLY.values())
    lines.append(f"  {'all':<12} {total:>6} requests {sum(SECONDS.values()):6.1f} s")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print("\n".join(lines))
    TALLY.clear()  # pytest-django runs this module's database-free test apart: print once


@pytest.mark.parametrize("role", ROLES)
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@schema.parametrize()
def test_every_operation_answers_as_its_schema_says(case, role, signed_in):
    key = (role, case.operation.label)
    if not _admits(role, case.method, case.operation.path):
        if REFUSED[key] >= REFUSALS_SENT:
            NOT_SENT[role] += 1
            return
        REFUSED[key] += 1
    started = time.perf_counter()
    response = case.call(headers=signed_in[role])
    SECONDS[role] += time.perf_counter() - started
    TALLY[role][response.status_code] += 1
    case.validate_response(response, checks=CHECKS, headers=signed_in[role])


def test_every_id_in_a_path_is_drawn_from_real_objects():
    """A new resource with ``{id}`` in its paths needs a line in MODELS, or schemathesis
    would only ever see it answer 404."""
    with_ids = [path for path in schema.raw_schema["paths"] if "{id}" in path]
    assert with_ids
    drawn = (*MODELS, PEOPLE_PATH)
    assert [path for path in with_ids if not any(path.startswith(p) for p in drawn)] == []
