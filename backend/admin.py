"""The Django admin, for coordinators: "everything else" the pages do not cover.

Who gets in is decided by role, like everywhere else in Kurslotse, not by
Django's ``is_staff`` flag or model permissions:

- coordinators (``roles_of`` — which drops the role while a required second
  factor is missing) and superusers (for emergencies) may use the admin;
- a learner or coach gets the 403 page, even if someone set ``is_staff``;
- there is no admin sign-in form: everyone signs in through the normal
  sign-in (allauth, with two-factor authentication), then comes back.

Model access is granted by ``CoordinatorPermissions`` on our own ModelAdmins,
not by a data migration giving the coordinator group Django permissions: a
group permission would still hold while the coordinator's second factor is
missing, and would have to be kept in step with every new model. Third-party
admins (celery beat schedules, allauth's authenticators) keep Django's model
permissions, so only superusers see them.

Each ModelAdmin makes read-only what must change only through a service (the
service keeps the invariants and sends the notifications); its docstring says
which and why.
"""

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy

from accounts.roles import COORDINATOR, coordinator_mfa_pending, roles_of
from common.web import safe_next


def may_use_admin(user) -> bool:
    """Coordinators (with their second factor where required) and superusers."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or COORDINATOR in roles_of(user)


class KurslotseAdminSite(admin.AdminSite):
    site_header = gettext_lazy("Kurslotse administration")
    site_title = gettext_lazy("Kurslotse administration")
    index_title = gettext_lazy("Everything else")
    enable_nav_sidebar = False  # fewer queries per page; the breadcrumbs suffice

    def has_permission(self, request) -> bool:
        return may_use_admin(request.user)

    def login(self, request, extra_context=None):
        """No second sign-in form: send visitors to the real one, refuse other roles."""
        from django.contrib.auth.views import redirect_to_login

        next_url = safe_next(
            request, reverse("admin:index", current_app=self.name), request.GET.get("next", "")
        )
        if not request.user.is_authenticated:
            return redirect_to_login(next_url, settings.LOGIN_URL)
        if self.has_permission(request):
            return redirect(next_url)
        if coordinator_mfa_pending(request.user):
            # Imported here: this module loads with the app registry, before models.
            from accounts.page_access import send_to_mfa_setup

            return send_to_mfa_setup(request)
        raise PermissionDenied


class KurslotseAdminConfig(AdminConfig):
    """Named in INSTALLED_APPS instead of "django.contrib.admin"."""

    default_site = "backend.admin.KurslotseAdminSite"


class CoordinatorPermissions:
    """Coordinators may view, add, change and delete; subclasses take away
    what must go through a service (return False, and say why)."""

    def has_module_permission(self, request) -> bool:
        return may_use_admin(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return may_use_admin(request.user)

    def has_add_permission(self, request, *args) -> bool:
        return may_use_admin(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return may_use_admin(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return may_use_admin(request.user)


class LogsAdminReads:
    """The admin's list and change pages of people's records are reads of their
    personal data: each is written to the access log (one query for whose
    records they are, one INSERT), like the same reads on the pages and the API.

    A ModelAdmin of a model with personal data names ``access_what`` (an
    ``accounts.constants.AccessWhat``) and ``access_subjects``, the lookups from
    the model to the people whose data a row is (``"learner"``,
    ``"mentorship__learner"``, ``"pk"`` for a person). Without ``access_what``
    nothing is logged: the model holds no one's personal data.
    """

    model: Any  # set by ModelAdmin
    access_what = ""
    access_subjects: tuple[str, ...] = ()

    def log_admin_reads(self, request, pks) -> None:
        if not self.access_what or not pks:
            return
        from accounts.services import log_reads

        rows = self.model._default_manager.filter(pk__in=list(pks)).values_list(
            "pk", *self.access_subjects
        )
        log_reads(
            actor=request.user,
            what=self.access_what,
            reads=[(subject, row[0]) for row in rows for subject in row[1:]],
        )

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)  # type: ignore[misc]
        if self.access_what:
            changelist.result_list = list(changelist.result_list)
            self.log_admin_reads(request, [obj.pk for obj in changelist.result_list])
        return changelist

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        if request.method == "GET" and getattr(response, "status_code", None) == 200:
            self.log_admin_reads(request, [object_id])
        return response


class CoordinatorAdmin(LogsAdminReads, CoordinatorPermissions, admin.ModelAdmin):
    """The base of every ModelAdmin of ours."""

    list_per_page = 50
    show_full_result_count = False  # one COUNT(*) less on big tables
    # Links people type without a scheme are https (Django 6's default already).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class ReadOnlyPermissions(CoordinatorPermissions):
    """For records that only services write: coordinators look, nobody edits here."""

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyPermissions, CoordinatorAdmin):
    pass


class ReadOnlyInline(ReadOnlyPermissions, admin.TabularInline):
    extra = 0
    can_delete = False
