"""Web pages of the courses app: thin, like the API: validate, call a service, render.

Learners search the catalogue, book with their children's ages in one step and
manage their bookings; coordinators create, publish and run courses. Every
rule lives in ``services``; a ``DomainError`` it raises becomes a message on
the page (tied to its field where it names one) and nothing is changed.
Every form works as a plain POST → redirect → GET; htmx only updates the
search results in place.
"""

import copy
import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts import selectors as people
from accounts.constants import AccessWhat
from accounts.page_access import RolePageMixin
from accounts.roles import (
    COORDINATOR,
    COORDINATORS,
    LEARNER,
    LEARNERS,
    PUBLIC,
    TEACHERS,
    has_role,
)
from accounts.services import log_reads, register_participant_by_phone
from common import formatting
from common.errors import Busy, DomainError
from common.languages import language_name
from common.web import safe_next, show_domain_error

from . import attendance_sheet, closures, selectors, services
from .cards import course_cards
from .constants import (
    ABSENCE_STREAK,
    ACTIVE_STATUSES,
    MESSAGES_LISTED,
    BookingStatus,
    CourseStatus,
    SessionStatus,
)
from .forms import (
    DEFAULT_RADIUS_KM,
    AttendanceForm,
    BookingForm,
    CancelSessionForm,
    ClosureForm,
    CourseEditForm,
    CourseFilterForm,
    CourseForm,
    CourseMessageForm,
    CourseSearchForm,
    KeepDateForm,
    MoveSessionForm,
    NewParticipantForm,
    ParticipantSearchForm,
    PhoneBookingForm,
    ReasonForm,
    TeachersForm,
    search_form_html,
)
from .models import Booking, Closure, Course, CourseSession

SEARCH_PAGE_SIZE = 20
MANAGE_PAGE_SIZE = 25
CLOSURES_PAGE_SIZE = 50


# --- Helpers ---------------------------------------------------------------------------


def _describe(courses):
    """What the templates show but cannot compute: day and language names, the booking's
    state in words (places left are ``selectors.with_places_left``'s annotations)."""
    for course in courses:
        course.weekday_names = [
            formatting.weekday_name(day) for day in sorted(course.weekdays or [])
        ]
        course.helper_language_names = [language_name(c) for c in course.helper_languages or []]
        status = getattr(course, "my_booking_status", None)
        course.my_booking_label = BookingStatus(status).label if status else ""
    return courses


def _with_cards(courses):
    """Each course's search card (``cards.course_card``: ``_course_card.html``
    written in Python), in the language of the request."""
    for course, card in zip(courses, course_cards(courses), strict=True):
        course.card = card
    return courses


def _show_model_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, field_errors)


def _busy(request, template: str, context: dict) -> HttpResponse:
    """A lock was not free in time: say so, change nothing, let the person retry."""
    messages.error(request, Busy().message)
    response = render(request, template, context, status=503)
    response["Retry-After"] = Busy.headers["Retry-After"]
    return response


# --- Learners: find and book a course ----------------------------------------------------


class CourseSearchView(RolePageMixin, View):
    """Find a course. htmx swaps just the results when a filter changes; without
    JavaScript the Search button submits the same GET form."""

    allowed_roles = {"get": PUBLIC}
    template_name = "courses/search.html"
    results_template_name = "courses/_results.html"
    filter_names = ("level", "near", "radius_km", "weekday", "time_of_day", "childcare", "online")

    def _form_data(self, request):
        if any(name in request.GET for name in self.filter_names):
            return request.GET
        home = getattr(request.user, "home_municipality_id", None)
        # The first visit searches around the learner's home.
        return {"near": home, "radius_km": DEFAULT_RADIUS_KM} if home else {}

    def get(self, request):
        form = CourseSearchForm(self._form_data(request))
        courses = selectors.Listing(Course.objects.none(), request.user)
        if form.is_valid():
            courses = selectors.search_courses(request.user, **form.search_arguments())
        page = Paginator(courses, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            "form": form,
            "form_html": search_form_html(form),
            "page": page,
            "courses": _with_cards(_describe(list(page.object_list))),
            "near": form.cleaned_data.get("near") if form.is_valid() else None,
            "online": form.is_valid() and form.cleaned_data.get("online"),
        }
        partial = request.htmx and not request.htmx.history_restore_request
        template = self.results_template_name if partial else self.template_name
        response = render(request, template, context)
        patch_vary_headers(response, ["HX-Request"])
        return response


class CourseDetailView(RolePageMixin, TemplateView):
    """A course with everything a learner needs to decide, and the booking form."""

    allowed_roles = {"get": PUBLIC}
    template_name = "courses/detail.html"

    def get_course(self) -> Course:
        user = self.request.user
        courses = selectors.with_availability(selectors.visible_courses(user), user)
        return _describe([get_object_or_404(courses, pk=self.kwargs["pk"])])[0]

    def get_context_data(self, course=None, form=None, overlap="", **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        course = course or self.get_course()
        booking = None
        if user.is_authenticated:
            booking = (
                selectors.my_bookings(user)
                .filter(course=course, status__in=ACTIVE_STATUSES)
                .first()
            )
        may_book = (
            has_role(user, LEARNER) and booking is None and services.registration_open(course)
        )
        if may_book and form is None:
            form = BookingForm(course=course)
        context.update(
            course=course,
            sessions=selectors.sessions_of(course),
            no_class_on=selectors.skipped_dates_of(course, kept=False),
            booking=booking,
            form=form if may_book else None,
            booking_open=services.registration_open(course),
            is_learner=has_role(user, LEARNER),
            is_coordinator=has_role(user, COORDINATOR),
            show_online_link=selectors.may_see_online_link(user, course),
            login_url=f"{reverse('account_login')}?{urlencode({'next': self.request.path})}",
            overlap=overlap,
        )
        return context


class BookCourseView(CourseDetailView):
    """POST the booking form. A second submit finds the first booking
    (``AlreadyBooked``) and says so; it never makes a second one."""

    allowed_roles = {"get": PUBLIC, "post": LEARNERS}

    def get(self, request, pk):
        """The booking address opened directly (a bookmark, a reload, a shared link)
        leads to the course and its booking form, not to a refusal; a visitor
        signs in first and comes back to the course."""
        course = self.get_course()  # a course the person may not see stays a 404
        course_url = reverse("courses:detail", args=[course.pk])
        if not request.user.is_authenticated:
            return redirect_to_login(course_url)
        return redirect(course_url + "#my-booking")

    def post(self, request, pk):
        course = self.get_course()
        form = BookingForm(request.POST, course=course)
        if form.is_valid():
            try:
                services.book_course(
                    course=course,
                    learner=request.user,
                    children_ages=form.ages(),
                    confirm_overlap=form.confirmed_overlap(),
                )
            except services.AlreadyBooked as error:
                messages.info(request, error.message)
                return redirect("courses:detail", pk=course.pk)
            except services.OverlapsBooking as error:
                # Ask in plain words; "Book anyway" sends the same form again, confirmed.
                context = self.get_context_data(
                    course=course, form=form.asking_about_overlap(), overlap=error.message
                )
                return self.render_to_response(context)
            except Busy:
                context = self.get_context_data(course=course, form=form)
                return _busy(request, self.template_name, context)
            except DomainError as error:
                show_domain_error(form, error)
                form.refuse_ages(getattr(error, "ages", []))
            else:
                messages.success(request, _("Your booking is saved."))
                return redirect(reverse("courses:detail", args=[course.pk]) + "#my-booking")
        return self.render_to_response(self.get_context_data(course=course, form=form))


# --- Learners: their bookings -------------------------------------------------------------


def _own_booking(request, pk: int) -> Booking:
    """The signed-in person's own booking; anyone else's answers 404."""
    return get_object_or_404(selectors.my_bookings(request.user), pk=pk)


class MyBookingsView(RolePageMixin, TemplateView):
    allowed_roles = {"get": LEARNERS}
    template_name = "courses/my_bookings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bookings = list(selectors.my_bookings(self.request.user))
        context["current"] = [b for b in bookings if b.status != BookingStatus.CANCELLED]
        context["earlier"] = [b for b in bookings if b.status == BookingStatus.CANCELLED]
        # The start page leads with the next class; the list then sits one level below.
        context["next_session"] = selectors.next_session_for(self.request.user)
        context["card_level"] = 3 if context["next_session"] else 2
        return context


class AcceptOfferView(RolePageMixin, View):
    allowed_roles = {"post": LEARNERS}

    def post(self, request, pk):
        booking = _own_booking(request, pk)
        try:
            services.accept_offer(booking=booking, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Your place in “%(course)s” is confirmed.") % {"course": booking.course.title},
            )
        return redirect("courses:my_bookings")


class CancelBookingView(RolePageMixin, TemplateView):
    """Ask first (GET), then cancel (POST): a freed place goes to the waiting list."""

    allowed_roles = {"get": LEARNERS, "post": LEARNERS}
    template_name = "courses/booking_cancel.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["booking"] = _own_booking(self.request, self.kwargs["pk"])
        return context

    def post(self, request, pk):
        booking = _own_booking(request, pk)
        try:
            services.cancel_booking(booking=booking, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Your booking for “%(course)s” is cancelled.") % {"course": booking.course.title},
            )
        return redirect("courses:my_bookings")


# --- Coordinators: run courses ---------------------------------------------------------------


class ManageCoursesView(RolePageMixin, TemplateView):
    allowed_roles = {"get": COORDINATORS}
    template_name = "courses/manage/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = CourseFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        courses = selectors.Listing(selectors.courses_to_manage(**filters), self.request.user)
        page = Paginator(courses, MANAGE_PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(form=form, page=page, courses=_describe(list(page.object_list)))
        return context


class CreateCourseView(RolePageMixin, FormView):
    """A new course starts as a draft, so the sessions can be checked before it is published."""

    allowed_roles = {"get": COORDINATORS, "post": COORDINATORS}
    template_name = "courses/manage/create.html"
    form_class = CourseForm

    def form_valid(self, form):
        try:
            course = services.create_course(status=CourseStatus.DRAFT, **form.cleaned_data)
        except ValidationError as error:
            _show_model_errors(form, error)
            return self.form_invalid(form)
        except DomainError as error:
            show_domain_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The course is saved as a draft with %(n)s dates. Check them, then publish it.")
            % {"n": course.sessions.count()},
        )
        return redirect("courses:manage_course", pk=course.pk)


def _managed_course(request, pk: int) -> Course:
    courses = selectors.with_availability(selectors.visible_courses(request.user), request.user)
    return _describe([get_object_or_404(courses, pk=pk)])[0]


class ManageCourseView(RolePageMixin, TemplateView):
    """One course for its coordinators: sessions to move or cancel, bookings, the
    waiting list with its actions, and booking for someone who calls."""

    allowed_roles = {"get": COORDINATORS}
    template_name = "courses/manage/course.html"

    def get_context_data(self, phone_form=None, new_form=None, overlap="", **kwargs):
        context = super().get_context_data(**kwargs)
        course = _managed_course(self.request, self.kwargs["pk"])
        search = ParticipantSearchForm(self.request.GET or None)
        query = search.cleaned_data["q"] if search.is_valid() else ""
        found = list(people.find_learners(query)) if query else []
        chosen = None
        if phone_form is not None:
            chosen = people.learners().filter(pk=phone_form.data.get("learner")).first()
        elif str(self.request.GET.get("learner", "")).isdigit():
            chosen = people.learners().filter(pk=self.request.GET["learner"]).first()
            if chosen is not None:
                phone_form = PhoneBookingForm(course=course, initial={"learner": chosen.pk})
        changes = list(selectors.course_changes(course)[: selectors.CHANGES_ON_PAGE + 1])
        for change in changes:
            change.items = selectors.describe_changes(change)
        holding = list(selectors.bookings_of_course(course))
        waiting = list(selectors.waitlist_of(course))
        log_reads(
            actor=self.request.user,
            reads=[
                *((AccessWhat.BOOKING, b.learner_id, b.pk) for b in holding),
                *((AccessWhat.WAITING_LIST, b.learner_id, b.pk) for b in waiting),
                *((AccessWhat.CONTACT_DETAILS, p.pk, p.pk) for p in [*found, chosen] if p),
            ],
        )
        context.update(
            course=course,
            sessions=selectors.sessions_of(course),
            skipped_dates=selectors.skipped_dates_of(course),
            today=timezone.localdate(),
            holding=holding,
            waiting=waiting,
            booking_open=services.registration_open(course),
            search_form=search,
            query=query,
            found=found,
            search_limit=people.PEOPLE_SEARCH_LIMIT,
            chosen=chosen,
            phone_form=phone_form if chosen is not None else None,
            new_participant_form=new_form or NewParticipantForm(),
            overlap=overlap,
            changes=changes[: selectors.CHANGES_ON_PAGE],
            more_changes=len(changes) > selectors.CHANGES_ON_PAGE,
            changes_on_page=selectors.CHANGES_ON_PAGE,
            **_attendance_context(course, holding),
            **message_context(self.request.user, course),
        )
        return context


class EditCourseView(RolePageMixin, FormView):
    """Change a course that exists: details, places, childcare, weekdays and times.

    Only what the coordinator changed is sent to ``services.update_course``
    (the door the API and the admin use too); its refusals land on the fields.
    """

    allowed_roles = {"get": COORDINATORS, "post": COORDINATORS}
    template_name = "courses/manage/edit.html"
    form_class = CourseEditForm

    def dispatch(self, request, *args, **kwargs):
        self.course = None
        return super().dispatch(request, *args, **kwargs)

    def get_course(self) -> Course:
        if self.course is None:
            self.course = _managed_course(self.request, self.kwargs["pk"])
        return self.course

    def get_form_kwargs(self):
        # A copy: the form checks the changes on it, the page shows the course as it is.
        return {**super().get_form_kwargs(), "instance": copy.copy(self.get_course())}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["course"] = self.get_course()
        context["editable"] = self.get_course().status != CourseStatus.CANCELLED
        return context

    def form_valid(self, form):
        course = self.get_course()
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if not changes:
            messages.info(self.request, _("Nothing was changed."))
            return redirect("courses:manage_course", pk=course.pk)
        try:
            outcome = services.update_course(course=course, by=self.request.user, **changes)
        except ValidationError as error:
            _show_model_errors(form, error)
            return self.form_invalid(form)
        except Busy:
            return _busy(self.request, self.template_name, self.get_context_data(form=form))
        except DomainError as error:
            show_domain_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, " ".join(_edit_outcome(outcome)))
        return redirect("courses:manage_course", pk=course.pk)


def _edit_outcome(outcome: services.CourseUpdate) -> list[str]:
    """What an edit did, in words, for the message after saving."""
    said = [_("The changes are saved.")]
    if outcome.sessions_cancelled or outcome.sessions_added:
        said.append(
            _("Dates cancelled: %(cancelled)s. Dates added: %(added)s.")
            % {"cancelled": outcome.sessions_cancelled, "added": outcome.sessions_added}
        )
    if outcome.offered:
        said.append(_("Places offered to the waiting list: %(n)s.") % {"n": len(outcome.offered)})
    if outcome.told:
        said.append(_("Everyone with a confirmed place has been told."))
    return said


def _attendance_context(course: Course, bookings: list[Booking]) -> dict:
    """The course page's teachers and attendance: rates per participant, the
    participants absent at the latest marked sessions, marks per held session."""
    today = timezone.localdate()
    marks = selectors.held_attendance(today).filter(session__course=course)
    per_booking = selectors.attendance_counts(marks, "booking_id")
    total = selectors.AttendanceFigures()
    for figures in per_booking.values():
        total.add(figures)
    confirmed = [b for b in bookings if b.status == BookingStatus.CONFIRMED]
    teachers = list(course.teachers.order_by("full_name", "email"))
    marked = selectors.marked_per_session(course)
    held = [
        (session, marked.get(session.pk, 0))
        for session in selectors.sessions_of(course).filter(
            date__lte=today, status=SessionStatus.SCHEDULED
        )
    ]
    return {
        "teachers": teachers,
        "teachers_form": TeachersForm(initial={"teachers": teachers}),
        "attendance_total": total,
        "attendance_rows": [
            (b, per_booking.get(b.pk, selectors.AttendanceFigures())) for b in confirmed
        ],
        "held_sessions": held,
        "absence_flags": selectors.absence_flags(course.bookings.all(), today),
        "absence_streak": ABSENCE_STREAK,
    }


def _booked_message(booking: Booking) -> str:
    name = booking.learner.get_full_name()
    if booking.status == BookingStatus.CONFIRMED:
        return _("%(name)s has a place in the course.") % {"name": name}
    position = selectors.waitlist_position(booking.pk)
    return _("The course is full: %(name)s is number %(position)s on the waiting list.") % {
        "name": name,
        "position": position,
    }


class PhoneBookingView(ManageCourseView):
    """The office books for a caller (found or just registered), through the same
    service as learners; an overlap is asked about like on the learner's page."""

    allowed_roles = {"post": COORDINATORS}

    def post(self, request, pk):
        course = get_object_or_404(Course, pk=pk)
        form = PhoneBookingForm(request.POST, course=course)
        learner = None
        if form.is_valid():
            learner = people.learners().filter(pk=form.cleaned_data["learner"]).first()
            if learner is None:
                form.add_error(None, _("Unknown learner."))
        if form.is_valid() and learner is not None:
            try:
                booking = services.book_course(
                    course=course,
                    learner=learner,
                    children_ages=form.ages(),
                    booked_by=request.user,
                    confirm_overlap=form.confirmed_overlap(),
                )
            except services.OverlapsBooking as error:
                context = self.get_context_data(
                    phone_form=form.asking_about_overlap(), overlap=error.message
                )
                return self.render_to_response(context)
            except Busy:
                return _busy(request, self.template_name, self.get_context_data(phone_form=form))
            except DomainError as error:
                show_domain_error(form, error)
            else:
                messages.success(request, _booked_message(booking))
                return redirect(reverse("courses:manage_course", args=[course.pk]) + "#bookings")
        return self.render_to_response(self.get_context_data(phone_form=form))


class RegisterParticipantView(ManageCourseView):
    """Register a caller without email, then book them on the same page."""

    allowed_roles = {"post": COORDINATORS}

    def post(self, request, pk):
        course = get_object_or_404(Course, pk=pk)
        form = NewParticipantForm(request.POST)
        if form.is_valid():
            try:
                person = register_participant_by_phone(**form.cleaned_data, by=request.user)
            except DomainError as error:
                show_domain_error(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s is registered. Now book the course for them.")
                    % {"name": person.get_full_name()},
                )
                url = reverse("courses:manage_course", args=[course.pk])
                return redirect(f"{url}?{urlencode({'learner': person.pk})}#phone-booking")
        return self.render_to_response(self.get_context_data(new_form=form))


class AcceptOfferForView(RolePageMixin, View):
    """The person said yes on the phone: the office accepts the offered place for
    them (``services.accept_offer``, as the learner would)."""

    allowed_roles = {"post": COORDINATORS}

    def post(self, request, pk):
        booking = get_object_or_404(Booking.objects.select_related("learner"), pk=pk)
        try:
            services.accept_offer(booking=booking, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("The place of %(name)s is confirmed.")
                % {"name": booking.learner.get_full_name()},
            )
        return redirect(reverse("courses:manage_course", args=[booking.course_id]) + "#bookings")


class WaitlistActionView(RolePageMixin, FormView):
    """A coordinator's action on one waiting booking, with a reason."""

    allowed_roles = {"get": COORDINATORS, "post": COORDINATORS}
    form_class = ReasonForm

    def get_booking(self) -> Booking:
        if not hasattr(self, "_booking"):
            queryset = Booking.objects.select_related("course", "learner")
            self._booking = get_object_or_404(queryset, pk=self.kwargs["pk"])
        return self._booking

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        booking = self.get_booking()
        log_reads(
            actor=self.request.user,
            what=AccessWhat.WAITING_LIST,
            reads=[(booking.learner_id, booking.pk)],
        )
        context.update(
            booking=booking,
            waiting=booking.status == BookingStatus.WAITLISTED,
            position=selectors.waitlist_position(booking.pk),
        )
        return context

    def back(self):
        return redirect(
            reverse("courses:manage_course", args=[self.get_booking().course_id]) + "#waiting-list"
        )

    def act(self, booking: Booking, reason: str) -> str:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            text = self.act(self.get_booking(), form.cleaned_data["reason"])
        except Busy:
            return _busy(self.request, self.template_name, self.get_context_data(form=form))
        except services.NotWaiting as error:
            messages.error(self.request, error.message)
            return self.back()
        except DomainError as error:
            show_domain_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, text)
        return self.back()


class OfferOutOfTurnView(WaitlistActionView):
    template_name = "courses/manage/waitlist_offer.html"

    def act(self, booking: Booking, reason: str) -> str:
        booking, offered = services.offer_out_of_turn(
            booking=booking, by=self.request.user, reason=reason
        )
        name = booking.learner.get_full_name()
        if offered:
            return _("A place is offered to %(name)s; they have been told.") % {"name": name}
        return _(
            "No place that fits is free: %(name)s is now first on the waiting list and gets "
            "the next one. They have been told."
        ) % {"name": name}


class RemoveFromWaitlistView(WaitlistActionView):
    template_name = "courses/manage/waitlist_remove.html"

    def act(self, booking: Booking, reason: str) -> str:
        booking = services.remove_from_waitlist(
            booking=booking, by=self.request.user, reason=reason
        )
        return _("%(name)s is off the waiting list and has been told why.") % {
            "name": booking.learner.get_full_name()
        }


class PublishCourseView(RolePageMixin, View):
    allowed_roles = {"post": COORDINATORS}

    def post(self, request, pk):
        course = get_object_or_404(Course, pk=pk)
        try:
            services.publish_course(course=course)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The course is published: learners can book it now."))
        return redirect("courses:manage_course", pk=course.pk)


class CancelCourseView(RolePageMixin, TemplateView):
    allowed_roles = {"get": COORDINATORS, "post": COORDINATORS}
    template_name = "courses/manage/course_cancel.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["course"] = _managed_course(self.request, self.kwargs["pk"])
        return context

    def post(self, request, pk):
        course = get_object_or_404(Course, pk=pk)
        try:
            services.cancel_course(course=course, by=request.user)
        except DomainError as error:  # Busy too: its message says to try again
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _(
                    "The course is cancelled. Everyone with a place or on the waiting list "
                    "has been told."
                ),
            )
        return redirect("courses:manage_course", pk=course.pk)


def _session(pk: int) -> CourseSession:
    return get_object_or_404(CourseSession.objects.select_related("course"), pk=pk)


class SessionFormView(RolePageMixin, FormView):
    """A form about one session of a course (move it, cancel it)."""

    allowed_roles = {"get": COORDINATORS, "post": COORDINATORS}
    form_class: type[forms.Form]

    def dispatch(self, request, *args, **kwargs):
        self.session = None
        return super().dispatch(request, *args, **kwargs)

    def get_session(self) -> CourseSession:
        if self.session is None:
            self.session = _session(self.kwargs["pk"])
        return self.session

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["session"] = self.get_session()
        return context


class MoveSessionView(SessionFormView):
    template_name = "courses/manage/session_move.html"
    form_class = MoveSessionForm

    def get_initial(self):
        session = self.get_session()
        return {
            "date": session.date,
            "start_time": session.start_time,
            "end_time": session.end_time,
            "note": session.note,
        }

    def form_valid(self, form):
        session = self.get_session()
        data = form.cleaned_data
        try:
            services.move_session(
                session=session,
                to_date=data["date"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                note=data["note"],
            )
        except DomainError as error:
            show_domain_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The date is moved. Everyone with a confirmed place has been told."),
        )
        return redirect("courses:manage_course", pk=session.course_id)


class CancelSessionView(SessionFormView):
    template_name = "courses/manage/session_cancel.html"
    form_class = CancelSessionForm

    def form_valid(self, form):
        session = self.get_session()
        try:
            services.cancel_session(session=session, note=form.cleaned_data["note"])
        except DomainError as error:
            show_domain_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The date is cancelled. Everyone with a confirmed place has been told."),
        )
        return redirect("courses:manage_course", pk=session.course_id)


# --- Teachers: their courses, attendance -------------------------------------------------
# Teachers see the courses a coordinator assigned them and only these (anything
# else answers 404), and of their participants only what teaching needs: first
# name, phone, the children in childcare. Coordinators use the same attendance page.

MARKING_ROLES = TEACHERS | COORDINATORS


class TeachCoursesView(RolePageMixin, TemplateView):
    allowed_roles = {"get": TEACHERS}
    template_name = "courses/teach/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["courses"] = _describe(list(selectors.teaching_courses(self.request.user)))
        return context


class TeachCourseView(RolePageMixin, TemplateView):
    allowed_roles = {"get": TEACHERS}
    template_name = "courses/teach/course.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        taught = selectors.courses_taught_by(self.request.user).select_related(
            "provider", "venue", "municipality"
        )
        course = _describe([get_object_or_404(taught, pk=self.kwargs["pk"])])[0]
        sessions = list(selectors.sessions_of(course))
        marked = selectors.marked_per_session(course)
        for session in sessions:
            session.marked = marked.get(session.pk, 0)
        participants = selectors.participants_for_teacher(course)
        log_reads(
            actor=self.request.user,
            what=AccessWhat.COURSE_LIST,
            reads=[(p.learner_id, p.booking_id) for p in participants],
        )
        context.update(
            course=course,
            participants=participants,
            sessions=sessions,
            today=timezone.localdate(),
        )
        return context


class SessionAttendanceView(RolePageMixin, TemplateView):
    """Tick off who came, on a phone during class: a plain form POST, big targets."""

    allowed_roles = {"get": MARKING_ROLES, "post": MARKING_ROLES}
    template_name = "courses/teach/attendance.html"

    def get_session(self) -> CourseSession:
        sessions = selectors.attendance_sessions(self.request.user)
        return get_object_or_404(sessions, pk=self.kwargs["pk"])

    def get_form(self, session, data=None) -> AttendanceForm:
        participants = list(selectors.session_participants(session))
        for booking in participants:
            booking.first_name = selectors.first_name(booking.learner)
        log_reads(
            actor=self.request.user,
            what=AccessWhat.ATTENDANCE,
            reads=[(b.learner_id, b.pk) for b in participants],
        )
        return AttendanceForm(data, participants=participants)

    def get_context_data(self, session=None, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        session = session or self.get_session()
        user = self.request.user
        back = (
            reverse("courses:teach_course", args=[session.course_id])
            if selectors.teaches(user, session.course)
            else reverse("courses:manage_course", args=[session.course_id])
        )
        context.update(
            session=session,
            course=session.course,
            form=form or self.get_form(session),
            back_url=back,
            fill_name=AttendanceForm.FILL,
            in_future=session.date > timezone.localdate(),
        )
        return context

    def post(self, request, pk):
        session = self.get_session()
        form = self.get_form(session, request.POST)
        if form.is_valid():
            entries = form.entries(fill_present=AttendanceForm.FILL in request.POST)
            try:
                services.record_attendance(session=session, entries=entries, by=request.user)
            except Busy:
                context = self.get_context_data(session=session, form=form)
                return _busy(request, self.template_name, context)
            except DomainError as error:
                show_domain_error(form, error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "Attendance saved: %(n)s person marked.",
                        "Attendance saved: %(n)s people marked.",
                        len(entries),
                    )
                    % {"n": len(entries)},
                )
                return redirect("courses:session_attendance", pk=session.pk)
        return self.render_to_response(self.get_context_data(session=session, form=form))


# --- Coordinators: teachers, the attendance sheet, a participant's booking ------------------


class AssignTeachersView(RolePageMixin, View):
    allowed_roles = {"post": COORDINATORS}

    def post(self, request, pk):
        course = get_object_or_404(Course, pk=pk)
        form = TeachersForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for e in form.errors.get("teachers", [])))
        else:
            try:
                services.assign_teachers(
                    course=course, teachers=form.cleaned_data["teachers"], by=request.user
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The course's teachers are saved."))
        return redirect(reverse("courses:manage_course", args=[course.pk]) + "#teachers")


class AttendanceSheetView(RolePageMixin, View):
    """The printable attendance sheet (PDF) with participants' full names:
    coordinators only, and every download is written to the access log for each
    participant, like the attendance list export. Teachers get it from the office."""

    allowed_roles = {"get": COORDINATORS}

    def get(self, request, pk):
        course = get_object_or_404(
            selectors.visible_courses(request.user).select_related(
                "provider", "venue__municipality"
            ),
            pk=pk,
        )
        data, participants = attendance_sheet.sheet_data(course)
        pdf = attendance_sheet.render(data)
        services.record_sheet_download(course=course, learners=participants, by=request.user)
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"kurslotse-attendance-sheet-{course.pk}-{timezone.localdate():%Y-%m-%d}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        add_never_cache_headers(response)
        return response


class ManageBookingView(RolePageMixin, TemplateView):
    """One participant's booking for the coordinator: its attendance, and
    cancelling it, which offers the place to the waiting list at once
    (``services.cancel_booking``). Nothing is cancelled without this decision."""

    allowed_roles = {"get": COORDINATORS, "post": COORDINATORS}
    template_name = "courses/manage/booking.html"

    def get_booking(self) -> Booking:
        bookings = selectors.visible_bookings(self.request.user).select_related("learner")
        return get_object_or_404(bookings, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        booking = self.get_booking()
        log_reads(
            actor=self.request.user,
            what=AccessWhat.BOOKING,
            reads=[(booking.learner_id, booking.pk)],
        )
        context.update(
            booking=booking,
            course=booking.course,
            figures=selectors.attendance_counts(
                selectors.held_attendance().filter(booking=booking), "booking_id"
            ).get(booking.pk, selectors.AttendanceFigures()),
            marks=selectors.marks_of_booking(booking),
        )
        return context

    def post(self, request, pk):
        booking = self.get_booking()
        try:
            services.cancel_booking(booking=booking, by=request.user)
        except DomainError as error:  # Busy too: its message says to try again
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("The booking is cancelled; the place is offered to the waiting list."),
            )
        return redirect("courses:manage_course", pk=booking.course_id)


# --- Coordinators and teachers: write to a course's people -------------------------------


def message_context(user, course: Course, form=None) -> dict:
    """What the messages partial (``courses/manage/_messages.html``) needs, for any
    page that shows it (the coordinator's course page, the teacher's): the form
    with the audiences ``user`` may choose and how many people each reaches now,
    and the latest messages, newest first."""
    audiences = services.audiences_for(user, course)
    sizes = selectors.audience_sizes(course)
    listed = list(selectors.messages_of(course)[: MESSAGES_LISTED + 1])
    return {
        "message_form": form or CourseMessageForm(audiences=audiences, sizes=sizes),
        "may_write": bool(audiences) and course.status != CourseStatus.CANCELLED,
        "course_messages": listed[:MESSAGES_LISTED],
        "more_messages": len(listed) > MESSAGES_LISTED,
        "messages_listed": MESSAGES_LISTED,
    }


class CourseMessageView(RolePageMixin, TemplateView):
    """Write to a course's people: GET shows the form and the latest messages;
    a POST is checked, then answered with how many people it will reach and a
    button to send it (carrying a one-time token, so a double click sends once).
    Coordinators write to any audience, a course's teachers to its participants;
    anyone else's course is 404. Forms on other pages post here with ``next``."""

    allowed_roles = {"get": COORDINATORS | TEACHERS, "post": COORDINATORS | TEACHERS}
    template_name = "courses/manage/message_new.html"
    confirm_template_name = "courses/manage/message_confirm.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.course: Course | None = None

    def get_course(self) -> Course:
        if self.course is None:
            self.course = get_object_or_404(
                selectors.courses_to_write_to(self.request.user), pk=self.kwargs["pk"]
            )
        return self.course

    def back_url(self) -> str:
        """Where to go after sending: ``next`` if it stays on the site, else the
        coordinator's course page, or this page for a teacher."""
        course = self.get_course()
        if has_role(self.request.user, COORDINATOR):
            default = reverse("courses:manage_course", args=[course.pk]) + "#messages"
        else:
            default = reverse("courses:message_new", args=[course.pk])
        return safe_next(self.request, default)

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        course = self.get_course()
        context.update(
            course=course,
            next_url=self.request.POST.get("next", "") or self.request.GET.get("next", ""),
            **message_context(self.request.user, course, form),
        )
        return context

    def post(self, request, pk):
        course = self.get_course()
        audiences = services.audiences_for(request.user, course)
        sizes = selectors.audience_sizes(course)
        form = CourseMessageForm(request.POST, audiences=audiences, sizes=sizes)
        if not form.is_valid() or "change" in request.POST:
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        token = request.POST.get("token", "").strip()[:64]
        if not (request.POST.get("confirmed") and token):
            return render(
                request,
                self.confirm_template_name,
                {
                    "course": course,
                    "form": form,
                    "audience_label": dict(form.fields["audience"].choices)[data["audience"]],
                    "count": sizes[data["audience"]],
                    "token": uuid.uuid4().hex,
                    "next_url": request.POST.get("next", ""),
                },
            )
        try:
            message = services.send_course_message(
                course=course, sender=request.user, key=token, **data
            )
        except services.MessageAlreadySent as error:
            messages.info(request, error.message)
            return redirect(self.back_url())
        except Busy:
            return _busy(request, self.template_name, self.get_context_data(form=form))
        except DomainError as error:
            show_domain_error(form, error)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(
            request,
            ngettext(
                "Your message is on its way to %(n)s person.",
                "Your message is on its way to %(n)s people.",
                message.recipients,
            )
            % {"n": message.recipients},
        )
        return redirect(self.back_url())


class KeepDateView(RolePageMixin, View):
    """POST from the course page: a skipped date gets its session after all."""

    allowed_roles = {"post": COORDINATORS}

    def post(self, request, pk):
        course = get_object_or_404(Course, pk=pk)
        form = KeepDateForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Say which date to keep."))
            return redirect("courses:manage_course", pk=course.pk)
        day = form.cleaned_data["date"]
        try:
            services.keep_date(course=course, day=day, by=request.user)
        except DomainError as error:  # Busy too: its message says to try again
            messages.error(request, error.message)
        else:
            text = _("The course meets on %(date)s after all.") % {
                "date": formatting.short_date(day)
            }
            if course.status == CourseStatus.PUBLISHED:
                text += " " + _("Everyone with a confirmed place gets the updated calendar.")
            messages.success(request, text)
        return redirect(reverse("courses:manage_course", args=[course.pk]) + "#skipped-dates")


# --- Coordinators: closures (school holidays, a provider's or venue's closed days) --------


class ClosureListView(RolePageMixin, TemplateView):
    allowed_roles = {"get": COORDINATORS}
    template_name = "courses/manage/closures.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        closures_ = selectors.closures_to_manage()
        page = Paginator(closures_, CLOSURES_PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(page=page, closures=list(page.object_list), today=timezone.localdate())
        return context


def _show_closure_refusal(form, error) -> None:
    if isinstance(error, ValidationError):
        _show_model_errors(form, error)
    else:
        show_domain_error(form, error)


class ClosureFormView(RolePageMixin, FormView):
    """Create a closure, or change one (``closure`` is set)."""

    allowed_roles = {"get": COORDINATORS, "post": COORDINATORS}
    template_name = "courses/manage/closure_form.html"
    form_class = ClosureForm
    closure: Closure | None = None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.closure
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["closure"] = self.closure
        return context

    def save(self, data: dict) -> Closure:
        return closures.create_closure(by=self.request.user, **data)

    def form_valid(self, form):
        try:
            closure = self.save(form.cleaned_data)
        except (ValidationError, DomainError) as error:
            _show_closure_refusal(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("“%(name)s” is saved. It applies to courses created from now on.")
            % {"name": closure.name},
        )
        return redirect("courses:closures")


class CreateClosureView(ClosureFormView):
    pass


class EditClosureView(ClosureFormView):
    def dispatch(self, request, *args, **kwargs):
        self.closure = get_object_or_404(Closure, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # The form must not change the row before the service saves it.
        kwargs["instance"] = Closure.objects.get(pk=self.closure.pk)
        return kwargs

    def save(self, data: dict) -> Closure:
        assert self.closure is not None  # set in dispatch
        return closures.update_closure(closure=self.closure, by=self.request.user, **data)


class DeleteClosureView(RolePageMixin, TemplateView):
    """Ask first (GET), then delete (POST)."""

    allowed_roles = {"get": COORDINATORS, "post": COORDINATORS}
    template_name = "courses/manage/closure_delete.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["closure"] = get_object_or_404(Closure, pk=self.kwargs["pk"])
        return context

    def post(self, request, pk):
        closure = get_object_or_404(Closure, pk=pk)
        closures.delete_closure(closure=closure, by=request.user)
        messages.success(request, _("“%(name)s” is deleted.") % {"name": closure.name})
        return redirect("courses:closures")
