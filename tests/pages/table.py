"""The vocabulary of page rows: what a role gets when it opens a page.

``OK``: the page works (200, or a redirect after a successful form).
``LOGIN``: a visitor who is not signed in is sent to the sign-in page.
``DENIED``: a signed-in person without the role gets the 403 page.
``HIDDEN``: 404, someone else's object or one the role may not know exists.
"""

from collections.abc import Callable
from dataclasses import dataclass

from ..world import ROLES

__all__ = ["DENIED", "HIDDEN", "LOGIN", "OK", "ROLES", "PageRow", "everyone", "only", "signed_in"]

# The outcomes, shared with the API table (tests/test_permissions.py), which has no LOGIN:
# an API answers 401 where a page sends a visitor to the sign-in page.
OK, LOGIN, DENIED, HIDDEN = "ok", "login", "denied", "hidden"


@dataclass(frozen=True)
class PageRow:
    name: str
    method: str
    url: Callable  # (world) -> str
    expected: dict
    route: str  # the URL name this row covers, e.g. "courses:detail"
    data: Callable | None = None  # (world, role) -> dict of form fields for POST


def everyone(outcome=OK) -> dict:
    return dict.fromkeys(ROLES, outcome)


def only(*roles, other=DENIED) -> dict:
    """The named roles get OK; other signed-in roles ``other``; visitors LOGIN."""
    expected = {role: (OK if role in roles else other) for role in ROLES}
    if "anonymous" not in roles:
        expected["anonymous"] = LOGIN
    return expected


def signed_in() -> dict:
    """Every signed-in role, the data-protection officer too: one's own things."""
    return only(*(role for role in ROLES if role != "anonymous"))
