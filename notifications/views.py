"""The inbox page: every message Kurslotse sent a person, in their language;
and the office's call list (``calls.py``): whom to call and what to tell them.

The inbox row is stored once; its words are rendered at reading time from the
kind and payload (notifications/texts.py), so switching language on the
profile changes old messages too.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.constants import AccessWhat
from accounts.page_access import RolePageMixin
from accounts.roles import COORDINATORS, SIGNED_IN
from accounts.services import log_reads
from common.errors import DomainError
from common.web import safe_next

from . import registry, selectors, services
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
                "link": _link_for(n),
            }
            for n in page
        ]
        return context


def _link_for(notification, *, office: bool = False) -> str:
    """Where the message's subject lives, if its kind has a page for it (the
    app that registered the kind says where: ``registry.register_kind(link=…)``)."""
    registered = registry.kind(notification.kind)
    if registered is None or registered.link is None:
        return ""
    return registered.link(notification.payload, office)


class CallListView(RolePageMixin, TemplateView):
    """The office's call list: people without email who must be told something,
    oldest first, with their phone and language and the message in the
    coordinator's language (and in the person's, to read it out or pass it to
    an interpreter). ``?done=1`` lists the calls made, newest first."""

    allowed_roles = {"get": COORDINATORS}
    template_name = "notifications/calls.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        done = self.request.GET.get("done") == "1"
        page = Paginator(selectors.call_list(done=done), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        language = get_language()
        entries = []
        for call in page:
            spoken = call.recipient.preferred_language
            entries.append(
                {
                    "call": call,
                    "text": render(call.kind, call.payload, language),
                    "their_text": render(call.kind, call.payload, spoken)
                    if spoken != language
                    else None,
                    "link": _link_for(call, office=True),
                }
            )
        # The phone number, name and message of each person: their contact details.
        log_reads(
            actor=self.request.user,
            what=AccessWhat.CONTACT_DETAILS,
            reads=[(call.recipient_id, call.pk) for call in page],
        )
        context.update(page=page, entries=entries, done=done)
        return context


class MarkCalledView(RolePageMixin, View):
    allowed_roles = {"post": COORDINATORS}

    def post(self, request, pk):
        call = get_object_or_404(selectors.office_calls().select_related("recipient"), pk=pk)
        try:
            services.mark_called(notification=call, by=request.user)
        except DomainError as error:
            messages.info(request, error.message)
        else:
            messages.success(
                request,
                _("The call to %(name)s is marked done.")
                % {"name": call.recipient.get_full_name()},
            )
        return redirect(safe_next(request, reverse("notifications:calls")))


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
