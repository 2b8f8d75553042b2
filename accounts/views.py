"""Pages every signed-in person has: the start page, their profile, the language switch."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import NoReverseMatch
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import FormView, TemplateView

from common.errors import DomainError
from common.web import safe_next, show_domain_error

from .constants import ConsentPurpose
from .forms import ProfileForm
from .page_access import RolePageMixin
from .roles import COACH, COORDINATOR, LEARNER, PUBLIC, SIGNED_IN, TEACHER, roles_of
from .selectors import consent_history, consent_state
from .services import update_profile

# Where each role starts its work, most powerful role first.
START_PAGES = [
    (COORDINATOR, "dashboard:index"),
    (TEACHER, "courses:teach"),
    (COACH, "coaching:mentees"),
    (LEARNER, "courses:my_bookings"),
]


class HomeView(RolePageMixin, TemplateView):
    """Signed-in people go straight to their work; visitors see what Kurslotse offers."""

    allowed_roles = {"get": PUBLIC}
    template_name = "home.html"

    def get(self, request, *args, **kwargs):
        roles = roles_of(request.user)
        for role, page in START_PAGES:
            if role in roles:
                try:
                    return redirect(page)
                except NoReverseMatch:
                    continue
        return super().get(request, *args, **kwargs)


class ProfileView(RolePageMixin, FormView):
    allowed_roles = {"get": SIGNED_IN, "post": SIGNED_IN}
    template_name = "accounts/profile.html"
    form_class = ProfileForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.request.user
        kwargs["initial"] = {
            "notification_channels": self.request.user.notification_channels,
            "share_phone_with_coach": consent_state(
                self.request.user, ConsentPurpose.SHARE_PHONE_WITH_COACH
            ),
        }
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["consent_history"] = list(consent_history(self.request.user)[:50])
        return context

    def form_valid(self, form):
        try:
            user = update_profile(
                user=self.request.user,
                **{name: form.cleaned_data[name] for name in form.Meta.fields},
                notification_channels=form.cleaned_data["notification_channels"],
                share_phone_with_coach=form.cleaned_data["share_phone_with_coach"],
            )
        except DomainError as error:
            self.request.user.refresh_from_db()
            show_domain_error(form, error, {"purpose": "share_phone_with_coach"})
            return self.form_invalid(form)
        translation.activate(user.preferred_language)
        messages.success(self.request, _("Your profile is saved."))
        return redirect("accounts:profile")


class LanguageView(RolePageMixin, View):
    """Switch the language; for signed-in people it is remembered on the profile.

    A plain form POST, so it works without JavaScript. Visitors keep the
    choice in a cookie (Django's own language cookie).
    """

    allowed_roles = {"post": PUBLIC}

    def post(self, request):
        language = request.POST.get("language", "")
        response = HttpResponseRedirect(safe_next(request, "/"))
        if language not in dict(settings.LANGUAGES):
            messages.error(request, _("This language is not available."))
            return response
        if request.user.is_authenticated:
            update_profile(user=request.user, preferred_language=language)
        translation.activate(language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        return response


def months(n: int) -> str:
    return ngettext("%(n)s month", "%(n)s months", n) % {"n": n}


def days(n: int) -> str:
    return ngettext("%(n)s day", "%(n)s days", n) % {"n": n}


def privacy_facts() -> dict:
    """What the privacy notice names, read from the settings, so the notice says
    what the system does: the controller, the data protection officer, the
    supervisory authority, the retention periods and the text's version."""
    return {
        "controller": {
            "name": settings.KURSLOTSE_CONTROLLER_NAME,
            "address": settings.KURSLOTSE_CONTROLLER_ADDRESS,
            "email": settings.KURSLOTSE_CONTROLLER_EMAIL,
            "phone": settings.KURSLOTSE_CONTROLLER_PHONE,
        },
        "dpo": {"contact": settings.KURSLOTSE_DPO_CONTACT, "email": settings.KURSLOTSE_DPO_EMAIL},
        "authority": settings.KURSLOTSE_SUPERVISORY_AUTHORITY,
        "version": settings.KURSLOTSE_PRIVACY_NOTICE_VERSION,
        "retention": {
            "notes": months(settings.KURSLOTSE_RETENTION_COACH_NOTES_MONTHS),
            "bookings": months(settings.KURSLOTSE_RETENTION_BOOKINGS_MONTHS),
            "notifications": months(settings.KURSLOTSE_RETENTION_NOTIFICATIONS_MONTHS),
            "access_log": months(settings.KURSLOTSE_RETENTION_ACCESS_LOG_MONTHS),
            "inactive": months(settings.KURSLOTSE_RETENTION_INACTIVE_ACCOUNT_MONTHS),
            "warning": days(settings.KURSLOTSE_RETENTION_ERASURE_WARNING_DAYS),
        },
    }


class PrivacyView(RolePageMixin, TemplateView):
    """The privacy notice (GDPR Art. 13), for everyone, in every language;
    linked in every page's footer and on the sign-up page."""

    allowed_roles = {"get": PUBLIC}
    template_name = "accounts/privacy.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **privacy_facts()}
