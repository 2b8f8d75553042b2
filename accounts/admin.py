"""People and the access log in the admin."""

from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from backend.admin import CoordinatorPermissions, ReadOnlyAdmin

from .models import AccessLog, User

# The four role groups (learner, coach, coordinator, teacher) are data the code
# relies on (accounts.roles); roles are given on a person's page (its groups),
# never renamed or re-permissioned here.
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(CoordinatorPermissions, BaseUserAdmin):
    """People are created by signing up or by a coordinator's pages
    (``accounts.services.create_person`` also records the verified address), not
    here. Coordinators give roles and correct profiles; only superusers may
    touch superusers and the staff/superuser flags, so nobody can raise their
    own rights."""

    ordering = ["email"]
    list_display = ["email", "full_name", "preferred_language", "home_municipality", "is_active",
                    "date_joined"]  # fmt: skip
    list_filter = ["groups", "preferred_language", "is_active", "home_municipality__region"]
    list_select_related = ["home_municipality"]
    search_fields = ["email", "full_name", "phone"]
    date_hierarchy = "date_joined"
    autocomplete_fields = ["home_municipality"]
    filter_horizontal = ["groups"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Profile"),
            {
                "fields": (
                    "full_name", "preferred_language", "phone", "home_municipality",
                    "notification_channels", "consents",
                )
            },
        ),
        (_("Roles and rights"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )  # fmt: skip
    # notification_channels follows the email consent (record_consent), never set
    # here; consents change only by the person's own choice, so both are read-only.
    readonly_fields = ["last_login", "date_joined", "notification_channels", "consents"]

    @admin.display(description=_("consents"))
    def consents(self, obj):
        rows = obj.consents.order_by("-at", "-pk") if obj and obj.pk else []
        return format_html_join(
            "", "<div>{}: {}: {} ({}, {})</div>",
            ((row.at.strftime("%Y-%m-%d %H:%M"), row.get_purpose_display(),
              _("given") if row.given else _("withdrawn"), row.get_via_display(),
              row.text_version) for row in rows),
        )  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        """The sign-in (email, password) and the rights are superusers' business:
        a coordinator who could change them could take over any account."""
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["email", "is_staff", "is_superuser"]
        return fields

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        """Deleting a person cascades to their bookings (freeing seats without
        offering them to the waiting list) and coaching history: superusers only."""
        return request.user.is_superuser


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    """The audit trail: written by ``accounts.services.log_access`` only, never edited."""

    list_display = ["at", "actor", "subject", "what", "object_id"]
    list_filter = ["what", "at"]
    list_select_related = ["actor", "subject"]
    search_fields = ["actor__email", "subject__email", "what"]
    date_hierarchy = "at"


admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class EmailAddressAdmin(CoordinatorPermissions, AllauthEmailAddressAdmin):
    """Coordinators see people's addresses and whether they are verified; adding,
    changing or verifying one is for superusers only: an address added to
    someone else's account receives their password reset."""

    def has_add_permission(self, request, *args) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def get_actions(self, request):
        return super().get_actions(request) if request.user.is_superuser else {}

    list_select_related = ["user"]
