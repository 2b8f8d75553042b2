from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from . import (
            schema,  # noqa: F401  (registers the OpenAPI auth extension)
            selectors,
            services,
        )
        from .personal_data import ERASE_LAST, register_section

        # What accounts itself holds about a person. The user row is deleted by
        # erase_person after every section; the trail and the sign-in records go last.
        register_section("profile", _("Profile"), export=selectors.profile_of)
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
