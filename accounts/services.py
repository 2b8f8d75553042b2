"""Writes about users: creating people with a role, changing a profile."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from .roles import ALL_ROLES


def ensure_role_groups() -> None:
    for name in ALL_ROLES:
        Group.objects.get_or_create(name=name)


@transaction.atomic
def create_person(
    *, email: str, password: str | None, roles: list[str], verified: bool = True, **fields
):
    """Create a user with roles and (for people we enter ourselves) a verified address."""
    unknown = set(roles) - set(ALL_ROLES)
    if unknown:
        raise ValueError(f"Unknown roles: {sorted(unknown)}")
    user = get_user_model().objects.create_user(email=email, password=password, **fields)
    for name in roles:
        group, _ = Group.objects.get_or_create(name=name)
        user.groups.add(group)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    return user


def update_profile(*, user, **fields):
    allowed = {
        "full_name",
        "preferred_language",
        "phone",
        "home_municipality",
        "notification_channels",
    }
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(f"Not a profile field: {name}")
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=[*fields])
    return user


def log_access(*, actor, subject, what: str, object_ids=()) -> None:
    """Record that ``actor`` read ``what`` (one row per object) of ``subject``."""
    from .models import AccessLog

    ids = list(object_ids) or [None]
    AccessLog.objects.bulk_create(
        AccessLog(actor=actor, subject=subject, what=what, object_id=pk) for pk in ids
    )
