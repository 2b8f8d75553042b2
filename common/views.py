"""Pages of the frame that belong to no app."""

from django.templatetags.static import static
from django.views.generic import RedirectView

from accounts.page_access import RolePageMixin
from accounts.roles import PUBLIC


class FaviconView(RolePageMixin, RedirectView):
    """Browsers ask for /favicon.ico on pages without an icon link (the admin's).

    Resolved per request: in production the static URL has a content hash
    that only exists after collectstatic."""

    allowed_roles = {"get": PUBLIC}
    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("favicon.svg")
