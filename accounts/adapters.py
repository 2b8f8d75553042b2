"""allauth glue: everyone who signs up themselves is a learner; a sign-in keeps
an unused account from being erased (``services.record_sign_in``)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import translation

from .roles import LEARNER


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        # allauth greets with the site's host ("Hallo von 127.0.0.1:8000!"); people
        # know the programme by the district's name (templates/account/email/).
        super().send_mail(
            template_prefix, email, {**context, "site_name": settings.KURSLOTSE_SITE_NAME}
        )

    def login(self, request, user):
        # Every sign-in (pages, the app API, after two-factor) ends here.
        super().login(request, user)
        from . import services

        services.record_sign_in(user=user)

    def save_user(self, request, user, form, commit=True):
        # Whoever signs up in Arabic gets their messages in Arabic from then on.
        language = translation.get_language() or ""
        if language in dict(settings.LANGUAGES):
            user.preferred_language = language
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            group, _ = Group.objects.get_or_create(name=LEARNER)
            user.groups.add(group)
        return user
