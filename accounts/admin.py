"""People and the access log in the admin."""

from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from backend.admin import CoordinatorPermissions, LogsAdminReads
from common.errors import DomainError

from .constants import AccessWhat
from .models import AccessLog, User
from .services import erase_someone_else

# The five role groups (learner, coach, coordinator, teacher, data-protection officer) are data the code
# relies on (accounts.roles); roles are given on a person's page (its groups),
# never renamed or re-permissioned here.
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(LogsAdminReads, CoordinatorPermissions, BaseUserAdmin):
    """People are created by signing up or by a coordinator's pages
    (``accounts.services.create_person`` also records the verified address), not
    here. Coordinators give roles and correct profiles; only superusers may
    touch superusers and the staff/superuser flags, so nobody can raise their
    own rights. Listing or opening people is a read of their contact details
    (access log)."""

    access_what, access_subjects = AccessWhat.CONTACT_DETAILS, ("pk",)
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
        """Deleting a person is erasing them (GDPR Art. 17): superusers only, and
        never a raw cascade — see ``delete_model``."""
        return request.user.is_superuser

    # Deleting here is erasure, the same as everywhere (accounts.services.erase_person):
    # bookings cancelled and their places offered on, coaching requests withdrawn,
    # mentorships ended (a coach's learners keep their history), figures kept
    # without a name. The learners' and coaches' foreign keys are PROTECT, so a
    # raw cascade cannot happen behind these rules.

    def get_deleted_objects(self, objs, request):
        people = [
            _("%(person)s: all their data is erased (bookings cancelled and offered on, "
              "coaching ended, figures kept without a name)") % {"person": person}
            for person in objs
        ]  # fmt: skip
        return people, {}, set(), []

    def _erase(self, request, person) -> None:
        try:
            erase_someone_else(person=person, by=request.user, reason="deleted in the admin")
        except DomainError as error:
            self.message_user(request, error.message, level=messages.ERROR)

    def delete_model(self, request, obj) -> None:
        self._erase(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for person in queryset.order_by("pk"):
            self._erase(request, person)


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """The access trail: written by ``accounts.services.log_access`` only.

    Nobody adds, changes or deletes a row here, not even a superuser (the
    permissions below are False for everyone, so Django's superuser bypass does
    not apply). Only superusers may look, for emergencies: coordinators are the
    people the trail watches, and the data-protection officer reads it on the
    page and the API (``/privacy/access-log/``, ``/api/v1/access-log/``) —
    the admin would show them far more than the trail (least privilege).
    Retention deletes old rows by its own service, not by hand.
    """

    list_per_page = 50
    show_full_result_count = False

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    list_display = ["at", "actor", "subject", "what", "object_id"]
    list_filter = ["what", "at"]
    list_select_related = ["actor", "subject"]
    search_fields = ["actor__email", "subject__email", "what"]
    date_hierarchy = "at"


admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class EmailAddressAdmin(LogsAdminReads, CoordinatorPermissions, AllauthEmailAddressAdmin):
    """Coordinators see people's addresses and whether they are verified; adding,
    changing or verifying one is for superusers only: an address added to
    someone else's account receives their password reset."""

    access_what, access_subjects = AccessWhat.CONTACT_DETAILS, ("user",)

    def has_add_permission(self, request, *args) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def get_actions(self, request):
        return super().get_actions(request) if request.user.is_superuser else {}

    list_select_related = ["user"]
