"""The inbox page: every message Kurslotse sent a person, in their language.

The inbox row is stored once; its words are rendered at reading time from the
kind and payload (notifications/texts.py), so switching language on the
profile changes old messages too.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.page_access import RolePageMixin
from accounts.roles import SIGNED_IN

from . import selectors, services
from .texts import render

PAGE_SIZE = 20


class InboxView(RolePageMixin, TemplateView):
    allowed_roles = {"get": SIGNED_IN}
    template_name = "notifications/inbox.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(selectors.inbox_of(self.request.user), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        language = get_language()
        context["page"] = page
        context["entries"] = [
            {
                "notification": n,
                "text": render(n.kind, n.payload, language),
                "link": _link_for(n.payload),
            }
            for n in page
        ]
        return context


def _link_for(payload: dict) -> str:
    """Where the message's subject lives, if it has a page (a course)."""
    if "course" not in payload:
        return ""
    try:
        return reverse("courses:detail", args=[payload["course"]])
    except NoReverseMatch:
        return ""


class MarkReadView(RolePageMixin, View):
    allowed_roles = {"post": SIGNED_IN}

    def post(self, request, pk):
        notification = get_object_or_404(selectors.inbox_of(request.user), pk=pk)
        services.mark_read(notification=notification, reader=request.user)
        return redirect("notifications:inbox")


class MarkAllReadView(RolePageMixin, View):
    allowed_roles = {"post": SIGNED_IN}

    def post(self, request):
        count = services.mark_all_read(reader=request.user)
        if count:
            messages.success(request, _("All messages are marked as read."))
        return redirect("notifications:inbox")
