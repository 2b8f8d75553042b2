"""allauth glue: everyone who signs up themselves is a learner; a sign-in keeps
an unused account from being erased (``services.record_sign_in``); phone
numbers as allauth's phone support needs them.

Phone numbers live in ``User.phone`` (E.164, ``accounts.phones``) with
``User.phone_verified``. A number signs in (by a code sent to it, or with the
password) only when it is verified and belongs to exactly one active person:
a family sharing one phone (the office registers them one by one) cannot sign
in by it, since a code could not say whose account it opens. The code is sent
straight through the SMS gateway (``notifications.sms.gateways``), not through
the outbox: it is a secret valid for minutes, so it is never stored in a row
that is kept for a year, and it must not wait behind a batch of reminders.
"""

import logging

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import phones
from .roles import LEARNER
from .stages import login_stages

logger = logging.getLogger(__name__)


class PhoneNumberField(forms.CharField):
    """A phone number as people write it ("0151 2345678"), cleaned to E.164."""

    default_error_messages = {"invalid_phone": phones.PhoneValidator.message}

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Phone"))
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"type": "tel", "autocomplete": "tel",
                                   "placeholder": _("e.g. 0151 2345678")}),
        )  # fmt: skip
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        number = phones.normalise(value)
        if not number:
            raise forms.ValidationError(self.error_messages["invalid_phone"], code="invalid_phone")
        return number


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

    def get_login_stages(self) -> list[str]:
        return login_stages(super().get_login_stages())

    # --- Phone numbers -----------------------------------------------------------

    def phone_form_field(self, **kwargs):
        return PhoneNumberField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        return phones.normalise(phone) or phone

    def set_phone(self, user, phone: str, verified: bool) -> None:
        user.phone = phones.normalise(phone) or phone
        user.phone_verified = verified
        user.save(update_fields=["phone", "phone_verified"])

    def get_phone(self, user) -> tuple[str, bool] | None:
        if not user.phone:
            return None
        return user.phone, user.phone_verified

    def set_phone_verified(self, user, phone: str) -> None:
        number = phones.normalise(phone) or phone
        get_user_model().objects.filter(pk=user.pk, phone=number).update(phone_verified=True)
        if user.phone == number:
            user.phone_verified = True

    def get_user_by_phone(self, phone: str):
        number = phones.normalise(phone)
        if not number:
            return None
        found = list(
            get_user_model().objects.filter(phone=number, phone_verified=True, is_active=True)[:2]
        )
        return found[0] if len(found) == 1 else None

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        from notifications.errors import PermanentError, TransientError
        from notifications.sms.gateways import Message, gateway

        language = getattr(user, "preferred_language", "") or translation.get_language()
        with translation.override(language or settings.LANGUAGE_CODE):
            text = gettext("%(code)s is your %(site)s code. It is valid for a few minutes.") % {
                "code": code,
                "site": "Kurslotse",
            }
        try:
            gateway().send(
                Message(to=phones.normalise(phone) or phone, text=text, reference=f"code:{user.pk}")
            )
        except (TransientError, PermanentError):
            logger.exception("Could not send a sign-in code by SMS to user %s", user.pk)
            if self.request is not None:
                messages.error(
                    self.request,
                    gettext(
                        "The text message could not be sent. Please try again in a few minutes."
                    ),
                )
