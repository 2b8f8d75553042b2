from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from common import retention

        from . import (
            notifications,
            schema,  # noqa: F401  (registers the OpenAPI auth extension)
            selectors,
            services,
        )
        from .personal_data import ERASE_LAST, register_section

        # What accounts itself holds about a person. The user row is deleted by
        # erase_person after every section; the trail and the sign-in records go last.
        register_section("profile", _("Profile"), export=selectors.profile_of)
        # The history goes with the user row (CASCADE): it names no one else.
        register_section("consents", _("Consents"), export=selectors.consents_for_export)
        register_section(
            "access_log",
            _("Who looked at your data"),
            export=selectors.access_trail_of,
            erase=services.erase_trail_of,
            erase_order=ERASE_LAST,
        )
        register_section(
            "sign_in", _("Account and security"), erase=services.erase_sign_in_of,
            erase_order=ERASE_LAST,
        )  # fmt: skip

        # The warning before an unused account is erased: by email even to
        # those who chose no email notifications, by the office's call to
        # those without an address.
        notifications.register()
        retention.register(
            retention.RetentionRule(
                key="access_log",
                label=_("Access log"),
                setting="KURSLOTSE_RETENTION_ACCESS_LOG_MONTHS",
                unit=retention.MONTHS,
                what_happens=_("Deleted this long after the access was recorded."),
                remove=services.delete_access_log_before,
            )
        )
        # Erasure first: someone warned today is never erased by the same run.
        retention.register(
            retention.RetentionRule(
                key="unused_accounts_erased",
                label=_("Unused accounts: erasure"),
                setting="KURSLOTSE_RETENTION_ERASURE_WARNING_DAYS",
                unit=retention.DAYS,
                what_happens=_(
                    "Erased this long after the warning, unless the person signed in "
                    "(without email: booked or asked for a coach) meanwhile."
                ),
                remove=services.erase_warned_accounts_before,
            )
        )
        retention.register(
            retention.RetentionRule(
                key="unused_accounts_warned",
                label=_("Unused accounts: warning"),
                setting="KURSLOTSE_RETENTION_INACTIVE_ACCOUNT_MONTHS",
                unit=retention.MONTHS,
                what_happens=_(
                    "Warned by email after this long without a sign-in; people without "
                    "email by a call from the office, after this long without a booking "
                    "or coaching request."
                ),
                remove=services.warn_inactive_accounts_before,
            )
        )
