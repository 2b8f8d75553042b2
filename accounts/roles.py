"""The three roles, kept as Django groups, and how views declare who may use them.

A view lists, per action, the roles that may call it. ``PUBLIC`` admits
anyone, signed in or not; ``SIGNED_IN`` any authenticated user. Everything a
view does not declare is refused, so a forgotten declaration fails closed.
"""

from collections.abc import Iterable

LEARNER = "learner"
COACH = "coach"
COORDINATOR = "coordinator"
ALL_ROLES = (LEARNER, COACH, COORDINATOR)

PUBLIC = frozenset({"anonymous", *ALL_ROLES})
SIGNED_IN = frozenset(ALL_ROLES)


def roles_of(user) -> frozenset[str]:
    """The roles a user holds, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset({"anonymous"})
    cached = getattr(user, "_kurslotse_roles", None)
    if cached is None:
        names = {g.name for g in user.groups.all()} & set(ALL_ROLES)
        cached = frozenset(names)
        user._kurslotse_roles = cached
    return cached


def has_role(user, role: str) -> bool:
    return role in roles_of(user)


def has_any_role(user, roles: Iterable[str]) -> bool:
    return bool(roles_of(user) & frozenset(roles))
