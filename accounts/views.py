"""Pages every signed-in person has: the start page, their profile, the language switch."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from common.errors import DomainError
from common.web import safe_next

from . import personal_data
from .constants import AccessWhat
from .forms import AccessTrailForm, EraseMeForm, ErasePersonForm, ProfileForm
from .models import User
from .page_access import RolePageMixin
from .roles import (
    COACH,
    COORDINATOR,
    COORDINATORS,
    DATA_PROTECTION_OFFICER,
    DATA_PROTECTION_OFFICERS,
    LEARNER,
    PUBLIC,
    SIGNED_IN,
    TEACHER,
    roles_of,
)
from .selectors import access_trail
from .services import (
    erase_myself,
    erase_someone_else,
    export_person,
    log_access,
    update_profile,
)

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


# --- The rights of the person: their data, and its erasure --------------------------------


def _json_download(person) -> JsonResponse:
    document = export_person(person=person)
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 2})
    day = document["generated_at"][:10]
    response["Content-Disposition"] = (
        f'attachment; filename="kurslotse-data-{person.pk}-{day}.json"'
    )
    return response


class MyDataView(RolePageMixin, TemplateView):
    """Everything Kurslotse stores about the signed-in person, readable and
    printable, in their language; the same as JSON from the download link."""

    allowed_roles = {"get": SIGNED_IN}
    template_name = "accounts/my_data.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        document = export_person(person=self.request.user)
        shown = []
        for name, data in document["sections"].items():
            section = personal_data.section(name)
            if section is None:
                continue
            shown.append({
                "name": name, "title": section.title,
                "data": section.readable(data) if section.readable else data,
            })  # fmt: skip
        context.update(document=document, sections=shown)
        return context


class MyDataDownloadView(RolePageMixin, View):
    allowed_roles = {"get": SIGNED_IN}

    def get(self, request):
        return _json_download(request.user)


class EraseMeView(RolePageMixin, FormView):
    """The learner's own erasure: what happens, that it cannot be undone, and
    the password typed again (``services.erase_myself``)."""

    allowed_roles = {"get": SIGNED_IN, "post": SIGNED_IN}
    template_name = "accounts/erase_me.html"
    form_class = EraseMeForm

    def form_valid(self, form):
        try:
            erase_myself(person=self.request.user, password=form.cleaned_data["password"])
        except DomainError as error:
            for field, problems in (error.fields or {"__all__": [error.message]}).items():
                for problem in problems if isinstance(problems, list) else [problems]:
                    form.add_error(field if field in form.fields else None, str(problem))
            return self.form_invalid(form)
        logout(self.request)
        messages.success(self.request, _("Your account and your data are erased. Goodbye."))
        return redirect("home")


class ErasePersonView(RolePageMixin, FormView):
    """A coordinator erases a person on their request, with a reason
    (``services.erase_someone_else``); reached from the person's booking page."""

    allowed_roles = {"get": COORDINATORS, "post": COORDINATORS}
    template_name = "accounts/erase_person.html"
    form_class = ErasePersonForm

    def dispatch(self, request, *args, **kwargs):
        self.person = None
        return super().dispatch(request, *args, **kwargs)

    def get_person(self):
        if self.person is None:
            self.person = get_object_or_404(User.objects.all(), pk=self.kwargs["pk"])
        return self.person

    def get_context_data(self, **kwargs):
        return super().get_context_data(person=self.get_person(), **kwargs)

    def form_valid(self, form):
        try:
            erase_someone_else(
                person=self.get_person(), by=self.request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            for field, problems in (error.fields or {"__all__": [error.message]}).items():
                for problem in problems if isinstance(problems, list) else [problems]:
                    form.add_error(field if field in form.fields else None, str(problem))
            return self.form_invalid(form)
        messages.success(self.request, _("The person's account and data are erased."))
        return redirect("courses:manage")


class PersonDataDownloadView(RolePageMixin, View):
    """A coordinator downloads everything about a person to answer a letter; recorded."""

    allowed_roles = {"get": COORDINATORS}

    def get(self, request, pk):
        person = get_object_or_404(User.objects.all(), pk=pk)
        log_access(actor=request.user, subject=person, what=AccessWhat.DATA_EXPORT)
        return _json_download(person)


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
