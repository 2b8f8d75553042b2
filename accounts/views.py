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
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import FormView, TemplateView

from common.errors import DomainError
from common.web import safe_next, show_domain_error

from . import personal_data
from .constants import AccessWhat, ConsentPurpose
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
    ROLE_LABELS,
    SIGNED_IN,
    TEACHER,
    roles_of,
)
from .selectors import (
    PEOPLE_SEARCH_LIMIT,
    PEOPLE_SEARCH_MAX_LENGTH,
    PEOPLE_SEARCH_MIN_LENGTH,
    access_trail,
    consent_history,
    consent_state,
    find_people,
)
from .services import (
    erase_myself,
    erase_someone_else,
    export_person,
    log_access,
    log_reads,
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


class DataRequestsView(RolePageMixin, TemplateView):
    """Where the office answers a letter or call about a person's data (GDPR
    Art. 15, 17): find the person by name, email or phone, then download their
    data or erase it. Each person found is a read of their contact details."""

    allowed_roles = {"get": COORDINATORS}
    template_name = "accounts/data_requests.html"

    def get_context_data(self, **kwargs):
        query = self.request.GET.get("q", "")[:PEOPLE_SEARCH_MAX_LENGTH].strip()
        people = list(find_people(query)) if query else []
        for person in people:
            person.role_labels = [
                ROLE_LABELS[group.name]
                for group in person.groups.all()
                if group.name in ROLE_LABELS
            ]
        log_reads(
            actor=self.request.user,
            what=AccessWhat.CONTACT_DETAILS,
            reads=[(person.pk, person.pk) for person in people],
        )
        return super().get_context_data(
            query=query,
            people=people,
            too_short=bool(query) and len(query) < PEOPLE_SEARCH_MIN_LENGTH,
            limit=PEOPLE_SEARCH_LIMIT,
            **kwargs,
        )


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
