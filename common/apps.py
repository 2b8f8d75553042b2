from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = _("General")

    def ready(self):
        from . import offline  # noqa: F401  (connects the sign-in/sign-out receivers)
