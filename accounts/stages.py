"""allauth's sign-in stages, as Kurslotse needs them with phone numbers.

Sign-in is by email address or by phone number (README "Phone first").
allauth can only ask for email verification for everyone ("mandatory", which
it allows only when every sign-up has an address) or for no one; people who
sign up with a phone number have none. So allauth's setting is "optional",
and these stages apply Kurslotse's rule (``KURSLOTSE_EMAIL_VERIFICATION``,
"mandatory" unless set otherwise): whoever has an address confirms it before
they are signed in, as before; whoever has only a phone number confirms that
number instead, with a code sent to it by SMS. A phone number on an email
account's profile is a contact detail: it is not asked to be verified at
every sign-in (it is verified the first time it signs in by code).
"""

from allauth.account import stages
from allauth.account.app_settings import EmailVerificationMethod
from django.conf import settings


def _has_address(login) -> bool:
    return bool(login.email or (login.user is not None and login.user.email))


class EmailVerificationStage(stages.EmailVerificationStage):
    def handle(self):
        if not _has_address(self.login):
            return None, True  # a phone-only account: the phone stage verified it
        self.login.email_verification = EmailVerificationMethod(
            settings.KURSLOTSE_EMAIL_VERIFICATION
        )
        return super().handle()


class PhoneVerificationStage(stages.PhoneVerificationStage):
    def handle(self):
        if _has_address(self.login):
            return None, True
        return super().handle()


def login_stages(default: list[str]) -> list[str]:
    """allauth's stages with these two in place of its own."""
    ours = {
        "allauth.account.stages.EmailVerificationStage": "accounts.stages.EmailVerificationStage",
        "allauth.account.stages.PhoneVerificationStage": "accounts.stages.PhoneVerificationStage",
    }
    return [ours.get(path, path) for path in default]
