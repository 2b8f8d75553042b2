"""Shared pieces of the API views."""

from django.utils import translation


class UserLanguageMixin:
    """Answer in the signed-in user's preferred language.

    DRF authenticates token requests inside the view, after the locale
    middleware has run, so the language is switched here once the user is known.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        user = request.user
        if user.is_authenticated and user.preferred_language:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
