"""allauth glue: everyone who signs up themselves is a learner."""

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.models import Group

from .roles import LEARNER


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            group, _ = Group.objects.get_or_create(name=LEARNER)
            user.groups.add(group)
        return user
