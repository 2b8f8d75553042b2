"""Web pages of the courses app: thin, like the API: validate, call a service, render.

Learners search the catalogue, book with their children's ages in one step and
manage their bookings; coordinators create, publish and run courses. Every
rule lives in ``services``; a ``DomainError`` it raises becomes a message on
the page (tied to its field where it names one) and nothing is changed.
Every form works as a plain POST → redirect → GET; htmx only updates the
search results in place.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.dates import WEEKDAYS
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts import selectors as people
from accounts.page_access import RolePageMixin
from accounts.roles import COORDINATOR, COORDINATORS, LEARNER, LEARNERS, PUBLIC, has_role
from accounts.services import register_participant_by_phone
from common.errors import Busy, DomainError
from common.languages import language_name
from common.web import show_domain_error

from . import selectors, services
from .constants import ACTIVE_STATUSES, BookingStatus, CourseStatus
from .forms import (
    DEFAULT_RADIUS_KM,
    BookingForm,
    CancelSessionForm,
    CourseFilterForm,
    CourseForm,
    CourseSearchForm,
    MoveSessionForm,
    NewParticipantForm,
    ParticipantSearchForm,
    PhoneBookingForm,
    ReasonForm,
)
from .models import Booking, Course, CourseSession

SEARCH_PAGE_SIZE = 20
MANAGE_PAGE_SIZE = 25


# --- Helpers ---------------------------------------------------------------------------


def _describe(courses):
    """What the templates show but cannot compute: day and language names, the booking's
    state in words (places left are ``selectors.with_places_left``'s annotations)."""
    for course in courses:
        course.weekday_names = [str(WEEKDAYS[day]) for day in sorted(course.weekdays or [])]
        course.helper_language_names = [language_name(c) for c in course.helper_languages or []]
        status = getattr(course, "my_booking_status", None)
        course.my_booking_label = BookingStatus(status).label if status else ""
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
        courses = Course.objects.none()
        if form.is_valid():
            courses = selectors.search_courses(request.user, **form.search_arguments())
        page = Paginator(courses, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            "form": form,
            "page": page,
            "courses": _describe(list(page.object_list)),
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

    allowed_roles = {"post": LEARNERS}

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
        courses = selectors.with_availability(
            selectors.courses_to_manage(**filters), self.request.user
        )
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
        context.update(
            course=course,
            sessions=selectors.sessions_of(course),
            holding=list(selectors.bookings_of_course(course)),
            waiting=list(selectors.waitlist_of(course)),
            booking_open=services.registration_open(course),
            search_form=search,
            query=query,
            found=found,
            search_limit=people.PEOPLE_SEARCH_LIMIT,
            chosen=chosen,
            phone_form=phone_form if chosen is not None else None,
            new_participant_form=new_form or NewParticipantForm(),
            overlap=overlap,
        )
        return context


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
        context.update(
            booking=booking,
            waiting=booking.status == BookingStatus.WAITLISTED,
            position=selectors.waitlist_position(booking.pk),
        )
        return context

    def back(self):
        return redirect(
            reverse("courses:manage_course", args=[self.get_booking().course_id]) + "#waiting"
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
        except Busy:
            messages.error(request, Busy().message)
        except DomainError as error:
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
