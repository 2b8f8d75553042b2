"""The API's router: ids in paths are numbers, or the route does not match.

DRF's default lookup pattern (``[^/.]+``) lets ``/courses/abc/`` reach the
view, where a hand-written ``get_object_or_404(…, pk="abc")`` raises a
``ValueError`` (a 500). Here every detail route and every nested route
(``/courses/{id}/sessions/``) only matches digits, so a malformed id is a
plain 404 before any view runs. A viewset whose lookup is not a number sets
its own ``lookup_value_regex``.
"""

from rest_framework.routers import DefaultRouter

# Digits only. Ids beyond the database's integer range still match; Django's
# lookups answer "no such row" for them (no query), so they are 404 too.
ID_PATTERN = r"[0-9]+"


class Router(DefaultRouter):
    # No ``/courses/1.json`` twins: the API speaks JSON only, and the format
    # kwarg those routes pass would reach actions that do not take it.
    include_format_suffixes = False

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        return self._base_pattern.format(
            lookup_prefix=lookup_prefix,
            lookup_url_kwarg=getattr(viewset, "lookup_url_kwarg", None) or lookup_field,
            lookup_value=getattr(viewset, "lookup_value_regex", ID_PATTERN),
        )
