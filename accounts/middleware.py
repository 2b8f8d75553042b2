"""Speak to a signed-in person in the language they chose on their profile."""

from django.utils import translation


class UserLanguageMiddleware:
    """Activate the user's preferred language for session-authenticated requests.

    Token-authenticated API calls are authenticated later, inside DRF; the
    API views activate the language there (common.api.LanguageMixin).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.preferred_language:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        return self.get_response(request)
