"""Pages every signed-in person has: the start page, their profile, the language switch."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import NoReverseMatch
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from common.web import safe_next

from .forms import AccessTrailForm, ProfileForm
from .page_access import RolePageMixin
from .roles import (
    COACH,
    COORDINATOR,
    DATA_PROTECTION_OFFICER,
    DATA_PROTECTION_OFFICERS,
    LEARNER,
    PUBLIC,
    SIGNED_IN,
    TEACHER,
    roles_of,
)
from .selectors import access_trail
from .services import update_profile

# Where each role starts its work, most powerful role first.
START_PAGES = [
    (COORDINATOR, "dashboard:index"),
    (DATA_PROTECTION_OFFICER, "accounts:access_log"),
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
        kwargs["initial"] = {"notification_channels": self.request.user.notification_channels}
        return kwargs

    def form_valid(self, form):
        user = update_profile(
            user=self.request.user,
            **{name: form.cleaned_data[name] for name in form.Meta.fields},
            notification_channels=form.cleaned_data["notification_channels"],
        )
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


class AccessLogView(RolePageMixin, TemplateView):
    """The access trail for the data-protection officer: who read whose data,
    when, filtered by person, reader and period (the API's filters)."""

    allowed_roles = {"get": DATA_PROTECTION_OFFICERS}
    template_name = "accounts/access_log.html"
    page_size = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = AccessTrailForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
        rows = access_trail(**filters) if not form.is_bound or form.is_valid() else None
        page = (
            Paginator(rows, self.page_size).get_page(self.request.GET.get("page"))
            if rows is not None
            else None
        )
        context.update(form=form, page=page)
        return context
