"""Web pages of the dashboard: figures for coordinators, exports, retrying a
failed notification. Thin: read the filters, ask the selectors, render;
writes go through services."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.constants import AccessWhat
from accounts.page_access import RolePageMixin
from accounts.roles import COORDINATORS, DATA_PROTECTION_OFFICERS
from accounts.services import log_reads
from common import retention
from common import selectors as common_selectors
from common.errors import DomainError
from common.web import safe_next
from courses.constants import ABSENCE_STREAK, CourseStatus
from courses.selectors import visible_courses
from notifications import services as notification_services
from notifications.models import Notification

from . import charts, exports, selectors
from .forms import CourseChoiceForm, FilterForm, default_filters


def _filters_from(request) -> tuple[FilterForm, object]:
    """The bound filter form and the filters to use (the default ones if invalid)."""
    form = FilterForm(request.GET)
    return form, (form.filters() if form.is_valid() else default_filters())


class DashboardView(RolePageMixin, TemplateView):
    """Seats, childcare, coaching, coaches, sessions and failed notifications.

    A GET form filters by region and period; with htmx only the body is
    swapped (and the address updated), without it the whole page reloads.
    """

    allowed_roles = {"get": COORDINATORS}
    template_name = "dashboard/index.html"

    def get_template_names(self):
        htmx = getattr(self.request, "htmx", None)
        if htmx and not htmx.history_restore_request:
            return ["dashboard/_body.html"]
        return [self.template_name]

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # The same address answers a whole page or its body: caches must tell them apart.
        patch_vary_headers(response, ["HX-Request"])
        return response

    def get_context_data(self, **kwargs):
        form, filters = _filters_from(self.request)
        data = selectors.dashboard(filters)
        # Names with attendance and failed messages with their addresses are people's data.
        log_reads(
            actor=self.request.user,
            reads=[
                *((AccessWhat.ATTENDANCE, r.learner_id, r.booking_id) for r in data.learners),
                *((AccessWhat.ATTENDANCE, f.learner_id, f.booking_id) for f in data.absences),
                *((AccessWhat.NOTIFICATION, n.recipient_id, n.pk) for n in data.failed),
            ],
        )
        return super().get_context_data(
            form=form,
            data=data,
            charts=charts.dashboard_charts(data),
            absence_streak=ABSENCE_STREAK,
            **kwargs,
        )


class FailedNotificationsView(RolePageMixin, TemplateView):
    """Every notification whose delivery failed, newest first, paged, each with
    "send again" (``NotificationRetryView``, which comes back here): the
    dashboard's count of failed notifications leads here."""

    allowed_roles = {"get": COORDINATORS}
    template_name = "dashboard/failed_notifications.html"

    def get_context_data(self, **kwargs):
        page = Paginator(selectors.failed_notifications(), selectors.FAILED_LIMIT).get_page(
            self.request.GET.get("page")
        )
        log_reads(
            actor=self.request.user,
            what=AccessWhat.NOTIFICATION,
            reads=[(n.recipient_id, n.pk) for n in page],
        )
        return super().get_context_data(page=page, failed=list(page.object_list), **kwargs)


class NotificationRetryView(RolePageMixin, View):
    """Send a failed notification again (a plain form POST, then back)."""

    allowed_roles = {"post": COORDINATORS}

    def post(self, request, pk: int):
        notification = get_object_or_404(Notification.objects.all(), pk=pk)
        try:
            notification_services.retry(notification, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The notification is queued to be sent again."))
        return redirect(safe_next(request, reverse("dashboard:index")))


def _export_courses(user):
    return (
        visible_courses(user)
        .exclude(status=CourseStatus.DRAFT)
        .select_related("municipality")
        .order_by("-starts_on", "title", "pk")
    )


class ExportsView(RolePageMixin, TemplateView):
    """The exports, with the period and region they are made for."""

    allowed_roles = {"get": COORDINATORS}
    template_name = "dashboard/exports.html"

    def get_context_data(self, **kwargs):
        form, filters = _filters_from(self.request)
        return super().get_context_data(
            form=form,
            filters=filters,
            aggregated=[e for e in exports.EXPORTS.values() if not e.personal],
            personal=exports.EXPORTS["course_participants"],
            course_form=CourseChoiceForm(courses=_export_courses(self.request.user)),
            **kwargs,
        )


class ExportView(RolePageMixin, View):
    """One export as a file. Unknown exports or formats are 404; a bad period or
    a missing course is a 400 page that says what to fix."""

    allowed_roles = {"get": COORDINATORS}

    def get(self, request, name: str, fmt: str):
        export = exports.EXPORTS.get(name)
        if export is None or fmt not in exports.FORMATS:
            raise Http404
        form = FilterForm(request.GET)
        if not form.is_valid():
            problems = [str(e) for errors in form.errors.values() for e in errors]
            return _bad_request(request, " ".join(problems))
        filters = form.filters()
        course = None
        if export.personal:
            raw = request.GET.get("course", "")
            if not raw.isdigit():
                return _bad_request(request, _("Choose the course whose participants you need."))
            course = get_object_or_404(_export_courses(request.user), pk=int(raw))
        table = export.build(filters, course=course, actor=request.user)
        response = HttpResponse(
            exports.render(table, fmt, str(export.title)), content_type=exports.FORMATS[fmt]
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{exports.filename(name, fmt, filters, course)}"'
        )
        add_never_cache_headers(response)
        return response


def _bad_request(request, message: str) -> HttpResponse:
    return render(request, "dashboard/bad_request.html", {"message": message}, status=400)


class RetentionView(RolePageMixin, TemplateView):
    """The retention rules with their periods (from the settings) and the last
    runs of the nightly task: what each rule removed, and which failed."""

    # The data protection officer checks that the deletion concept runs.
    allowed_roles = {"get": COORDINATORS | DATA_PROTECTION_OFFICERS}
    template_name = "dashboard/retention.html"

    def get_context_data(self, **kwargs):
        rules = retention.rules()
        runs = list(common_selectors.retention_runs()[: common_selectors.RETENTION_RUNS_SHOWN])
        rows = [
            {
                "run": run,
                "cells": [
                    {"removed": run.removed.get(rule.key), "error": run.errors.get(rule.key)}
                    for rule in rules
                ],
            }
            for run in runs
        ]
        return super().get_context_data(rules=rules, runs=rows, **kwargs)
