"""The five roles, kept as Django groups, and how views declare who may use them.

A view lists, per action, the roles that may call it. ``PUBLIC`` admits
anyone, signed in or not; ``SIGNED_IN`` any authenticated user. Everything a
view does not declare is refused, so a forgotten declaration fails closed.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

LEARNER = "learner"
COACH = "coach"
COORDINATOR = "coordinator"
# Course leaders (at the Volkshochschule or another provider): they see only the
# courses a coordinator assigned to them (``Course.teachers``).
TEACHER = "teacher"
# The data-protection officer reads the access trail (who looked at whose data)
# and nothing else of other people (least privilege).
DATA_PROTECTION_OFFICER = "data_protection_officer"
ALL_ROLES = (LEARNER, COACH, COORDINATOR, TEACHER, DATA_PROTECTION_OFFICER)
# What each role is called on pages.
ROLE_LABELS = {
    LEARNER: _("Learner"),
    COACH: _("Coach"),
    COORDINATOR: _("Coordinator"),
    TEACHER: _("Teacher"),
    DATA_PROTECTION_OFFICER: _("Data protection officer"),
}

PUBLIC = frozenset({"anonymous", *ALL_ROLES})
SIGNED_IN = frozenset(ALL_ROLES)
# One role each, for ``allowed_roles`` declarations.
LEARNERS = frozenset({LEARNER})
COACHES = frozenset({COACH})
COORDINATORS = frozenset({COORDINATOR})
TEACHERS = frozenset({TEACHER})
DATA_PROTECTION_OFFICERS = frozenset({DATA_PROTECTION_OFFICER})


def roles_of(user) -> frozenset[str]:
    """The roles a user may act in now, cached on the user object for the request.

    Where the deployment requires it, the coordinator role only counts once the
    person has set up TOTP; until then they act with their other roles only, so
    no selector can hand them coordinator-wide data either.
    """
    if not getattr(user, "is_authenticated", False):
        return frozenset({"anonymous"})
    cached = getattr(user, "_kurslotse_roles", None)
    if cached is None:
        names = {g.name for g in user.groups.all()} & set(ALL_ROLES)
        user._kurslotse_mfa_pending = COORDINATOR in names and coordinator_lacks_mfa(user)
        if user._kurslotse_mfa_pending:
            names.discard(COORDINATOR)
        cached = frozenset(names)
        user._kurslotse_roles = cached
    return cached


def coordinator_mfa_pending(user) -> bool:
    """True if the user is a coordinator who must still set up TOTP."""
    roles_of(user)
    return getattr(user, "_kurslotse_mfa_pending", False)


def coordinator_lacks_mfa(user) -> bool:
    """True if the deployment demands TOTP for coordinators and this one has none."""
    if not settings.KURSLOTSE_COORDINATOR_MFA_REQUIRED:
        return False
    from allauth.mfa.models import Authenticator

    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def has_role(user, role: str) -> bool:
    return role in roles_of(user)
