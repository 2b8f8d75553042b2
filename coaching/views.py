"""Web pages of the coaching app: thin, like the API: validate, call a service, render.

Three audiences: learners ask for a coach and see who it is and when they
meet (``/coaching/``); coaches answer proposals and keep their mentorships
(meetings, notes, milestones); coordinators run matching, approve proposals
and propose a coach by hand. Who sees which object comes from the selectors:
someone else's object answers 404. Every form works without JavaScript
(POST → redirect → GET with a message).
"""

from datetime import time

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from accounts.constants import AccessWhat
from accounts.page_access import RolePageMixin
from accounts.roles import COACHES, COORDINATORS, LEARNERS
from accounts.services import log_reads
from common import formatting
from common.errors import DomainError
from common.languages import language_name
from common.web import safe_next, show_domain_error

from . import request_steps, selectors, services
from .constants import (
    SKILL_CHOICES,
    GermanLevel,
    MeetingStatus,
    Programme,
    ProposalStatus,
    RequestStatus,
    ShiftPattern,
)
from .explain import describe_part, describe_reasons, describe_rule
from .forms import (
    CoachingRequestForm,
    CoachProfileForm,
    DeclineForm,
    EndForm,
    MeetingForm,
    MilestoneForm,
    NoteForm,
    ProposeForm,
    RunMatchingForm,
)
from .models import CoachProfile

NOT_GIVEN = "\u2013"  # an en dash where an answer was left empty
STAFF = COACHES | COORDINATORS
LEARNERS_AND_OFFICE = LEARNERS | COORDINATORS

# --- Small helpers -----------------------------------------------------------------------------


def availability_text(slots: list[dict]) -> list[str]:
    """Weekly times in words: "Monday 09:00 to 12:00" (with an en dash, like the meetings)."""
    ordered = sorted(slots, key=lambda s: (s["weekday"], s["start"]))
    return [
        f"{formatting.weekday_name(s['weekday'])} "
        f"{formatting.time_range(time.fromisoformat(s['start']), time.fromisoformat(s['end']))}"
        for s in ordered
    ]


def _choice(choices, value) -> str:
    return str(dict(choices).get(value, value)) if value else ""


def request_needs(request) -> list[tuple[str, str]]:
    """What a coach needs to know to decide, in words: ``selectors.before_accepting``.

    The learner's full name and contact details are shown only once the coach
    has accepted (on the mentorship page).
    """
    seen = selectors.before_accepting(request)
    needs: list[tuple[str, str]] = []
    if seen["first_name"]:
        needs.append((_("First name"), seen["first_name"]))
    needs += [
        (_("Programme"), _choice(Programme.choices, seen["programme"])),
        (
            _("Languages"),
            ", ".join(language_name(c) for c in seen["languages"]) or _("German only"),
        ),
        (_("German"), _choice(GermanLevel.choices, seen["german_level"])),
        (_("Lives in"), seen["municipality_name"]),
        (_("Available"), "; ".join(availability_text(seen["availability"]))),
        (_("Online is fine"), _("yes") if seen["online_ok"] else _("no")),
    ]
    if seen["goals"]:
        goals = ", ".join(_choice(SKILL_CHOICES, g) for g in seen["goals"])
        needs.append((_("Wants help with"), goals))
    if seen["care_facility"]:
        needs.append((_("Care facility"), seen["care_facility"]))
    if seen["shift_pattern"]:
        needs.append((_("Shifts"), _choice(ShiftPattern.choices, seen["shift_pattern"])))
    if seen["notes"]:
        needs.append((_("Good to know"), seen["notes"]))
    return needs


def _deadline(proposal) -> str:
    """Until when the coach may answer, as the reader's language writes it."""
    return formatting.short_moment(proposal.expires_at)


def explain(proposal):
    """Attach the score parts in words to a proposal (and the rules a coordinator overrode)."""
    proposal.explanation = [describe_part(part) for part in proposal.score_parts]
    proposal.overridden = [describe_rule(code) for code in proposal.overridden_rules]
    return proposal


def mentorship_of(request_obj):
    """The mentorship of a request, or None (a reverse one-to-one raises when missing)."""
    try:
        return request_obj.mentorship
    except request_obj._meta.model.mentorship.RelatedObjectDoesNotExist:
        return None


# --- Learners ----------------------------------------------------------------------------------


class MyCoachingView(RolePageMixin, TemplateView):
    """A learner's coaching: the request form in steps (``request_steps``), or how
    far their request is, and their coach."""

    allowed_roles = {"get": LEARNERS, "post": LEARNERS}
    template_name = "coaching/mine.html"

    def _still_free(self, requests) -> list[str]:
        # One request under way per programme (the service's rule): offer the others.
        asked_for = {item.programme for item in requests}
        return [value for value in Programme.values if value not in asked_for]

    def step_form(self, step, requests):
        """The form of ``step``: as answered before (kept in the session), else
        with what we know: the learner's home, their own languages ticked."""
        session = self.request.session
        if request_steps.visited(session, step):
            return CoachingRequestForm(request_steps.as_data(session), step=step)
        still_free = self._still_free(requests)
        answers = request_steps.as_data(session)
        return CoachingRequestForm(
            initial={
                "municipality": self.request.user.home_municipality_id,
                "programme": answers.get("programme")
                or (still_free[0] if requests and still_free else None),
                "languages": selectors.languages_of_learner(self.request.user),
            },
            step=step,
        )

    def get_context_data(self, form=None, step=None, **kwargs):
        context = super().get_context_data(**kwargs)
        requests = list(selectors.learner_active_requests(self.request.user))
        for item in requests:
            item.current_mentorship = mentorship_of(item)
            item.availability_text = availability_text(item.availability)
            item.programme_label = _choice(Programme.choices, item.programme)
        step = step or request_steps.FIRST
        if self._still_free(requests) and form is None:
            form = self.step_form(step, requests)
        if form is not None and step is request_steps.LAST:
            context["answers"] = self.answers()
        context.update(
            requests=requests,
            form=form,
            step=step,
            step_number=request_steps.number_of(step),
            step_count=len(request_steps.STEPS),
            previous_step=request_steps.previous_of(step),
        )
        return context

    def answers(self) -> list[tuple[object, list[tuple[str, str]]]]:
        """Everything answered so far, in words, by step: the check before sending."""
        full = CoachingRequestForm(request_steps.as_data(self.request.session))
        full.is_valid()
        data = full.cleaned_data
        town = data.get("municipality")
        by_step = {
            "help": [
                (_("What kind of coaching?"), _choice(Programme.choices, data.get("programme"))),
                (_("What should the coach help you with?"),
                 ", ".join(_choice(SKILL_CHOICES, g) for g in data.get("goals") or []) or NOT_GIVEN),
            ],
            "languages": [
                (_("Languages you speak besides German"),
                 ", ".join(language_name(c) for c in data.get("languages") or [])
                 or _("German only")),
                (_("Your German"), _choice(GermanLevel.choices, data.get("german_level"))),
            ],
            "when": [
                (_("Where do you live?"), town.name if town else NOT_GIVEN),
                (_("When could you meet?"),
                 "; ".join(availability_text(data.get("availability") or [])) or NOT_GIVEN),
                (_("Meeting online is fine for me"), _("yes") if data.get("online_ok") else _("no")),
            ],
        }  # fmt: skip
        if data.get("care_facility"):
            by_step["when"].append((_("Care facility where you work"), data["care_facility"]))
        return [(step, by_step[step.name]) for step in request_steps.STEPS if step.name in by_step]

    def get(self, request, *args, **kwargs):
        step = request_steps.step_named(request.GET.get("step")) or request_steps.FIRST
        if step is request_steps.LAST:
            # The check needs the earlier answers: start where one is missing.
            full = CoachingRequestForm(request_steps.as_data(request.session))
            missing = request_steps.first_step_with_errors(full) if not full.is_valid() else None
            if missing is not None and missing is not request_steps.LAST:
                return redirect(self.step_url(missing))
        return self.render_to_response(self.get_context_data(step=step))

    @staticmethod
    def step_url(step) -> str:
        return f"{reverse('coaching:mine')}?{urlencode({'step': step.name})}#request-form"

    def post(self, request):
        step = request_steps.step_named(request.POST.get("step"))
        if step is None:
            return self.post_whole_form(request)
        data = request_steps.with_answers(request.session, step, request.POST)
        form = CoachingRequestForm(data, step=step)
        if form.is_valid():
            for field, texts in request_steps.rule_problems(
                CoachingRequestForm(data), step
            ).items():
                form.add_error(field, texts)
        if form.errors:
            return self.render_to_response(self.get_context_data(form=form, step=step))
        request_steps.keep(request.session, data)
        if step is not request_steps.LAST:
            return redirect(self.step_url(request_steps.next_of(step)))
        return self.send(request, data)

    def send(self, request, data):
        """The last step: the whole request, checked again and made by the service."""
        full = CoachingRequestForm(data)
        if full.is_valid():
            try:
                services.create_request(
                    learner=request.user, created_by=request.user, **full.service_fields()
                )
            except DomainError as error:
                show_domain_error(full, error, CoachingRequestForm.service_field_names)
            else:
                request_steps.forget(request.session)
                messages.success(request, _("Thank you. We are looking for a coach for you."))
                return redirect("coaching:mine")
        # Back to the first step with a refused answer, its refusals on its fields.
        step = request_steps.first_step_with_errors(full) or request_steps.LAST
        form = CoachingRequestForm(data, step=step)
        form.is_valid()
        for name, texts in full.errors.items():
            target = None if name == "__all__" else name
            belongs = (target is None and step is request_steps.LAST) or target in form.fields
            if belongs and target not in form.errors:
                form.add_error(target, texts)
        return self.render_to_response(self.get_context_data(form=form, step=step))

    def post_whole_form(self, request):
        """All questions in one POST (a client without steps): as before."""
        form = CoachingRequestForm(request.POST)
        if form.is_valid():
            try:
                services.create_request(
                    learner=request.user, created_by=request.user, **form.service_fields()
                )
            except DomainError as error:
                show_domain_error(form, error, CoachingRequestForm.service_field_names)
            else:
                messages.success(request, _("Thank you. We are looking for a coach for you."))
                return redirect("coaching:mine")
        return render(
            request,
            "coaching/mine.html",
            self.get_context_data(form=form, step=None) | {"whole_form": True},
        )


class RequestCloseView(RolePageMixin, View):
    """Withdraw a request that has no coach yet (the learner, or the office for them)."""

    allowed_roles = {"post": LEARNERS_AND_OFFICE}

    def post(self, request, pk):
        coaching_request = get_object_or_404(selectors.visible_requests(request.user), pk=pk)
        try:
            services.close_request(request=coaching_request, by=request.user)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The request is withdrawn."))
        if coaching_request.learner_id == request.user.pk:
            return redirect("coaching:mine")
        return redirect("coaching:requests")


# --- Coaches: proposals ------------------------------------------------------------------------


class ProposalsView(RolePageMixin, TemplateView):
    """Approved proposals waiting for this coach's answer."""

    allowed_roles = {"get": COACHES}
    template_name = "coaching/proposals.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        proposals = [explain(p) for p in selectors.proposals_awaiting_answer(self.request.user)]
        for proposal in proposals:
            proposal.needs = request_needs(proposal.request)
        _log_requests(self.request, [p.request for p in proposals])
        context["proposals"] = proposals
        return context


class ProposalAcceptView(RolePageMixin, View):
    allowed_roles = {"post": COACHES}

    def post(self, request, pk):
        proposal = get_object_or_404(selectors.visible_proposals(request.user), pk=pk)
        try:
            mentorship = services.accept_proposal(proposal=proposal, coach=request.user)
        except DomainError as error:
            messages.error(request, str(error.message))
            return redirect("coaching:proposals")
        messages.success(request, _("Thank you! The coaching has begun. Say hello to your mentee."))
        return redirect("coaching:mentorship", pk=mentorship.pk)


class ProposalDeclineView(RolePageMixin, TemplateView):
    """Decline with a reason: the office reads it, and this coach is not proposed again."""

    allowed_roles = {"get": COACHES, "post": COACHES}
    template_name = "coaching/decline.html"

    def get_proposal(self):
        return get_object_or_404(
            selectors.visible_proposals(self.request.user), pk=self.kwargs["pk"]
        )

    def get(self, request, pk):
        proposal = explain(self.get_proposal())
        _log_requests(request, [proposal.request])
        return self.render_to_response({"proposal": proposal, "form": DeclineForm()})

    def post(self, request, pk):
        proposal = self.get_proposal()
        form = DeclineForm(request.POST)
        if form.is_valid():
            try:
                services.decline_proposal(
                    proposal=proposal, coach=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                show_domain_error(form, error)
            else:
                messages.success(request, _("You declined. Thank you for saying why."))
                return redirect("coaching:proposals")
        return self.render_to_response({"proposal": explain(proposal), "form": form})


# --- Coaches: mentorships ----------------------------------------------------------------------


class MenteesView(RolePageMixin, TemplateView):
    allowed_roles = {"get": COACHES}
    template_name = "coaching/mentees.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        mentorships = list(selectors.coach_mentorships(self.request.user))
        for mentorship in mentorships:
            mentorship.learner_view = selectors.learner_as_seen_by(self.request.user, mentorship)
        context["mentorships"] = mentorships
        log_reads(
            actor=self.request.user,
            what=AccessWhat.MENTEE,
            reads=[(m.learner_id, m.pk) for m in context["mentorships"]],
        )
        return context


def _log_requests(request, coaching_requests) -> None:
    """The learners' coaching requests shown on a page, in the access log."""
    log_reads(
        actor=request.user,
        what=AccessWhat.COACHING_REQUEST,
        reads=[(r.learner_id, r.pk) for r in coaching_requests],
    )


def mentorship_context(request, mentorship, **forms) -> dict:
    """Everything the mentorship page shows, with any bound forms that had errors.

    A coordinator reads the coach's notes only on purpose (``?notes=show``),
    because the service logs every such reading in the access log.
    """
    now = timezone.now()
    is_coach = mentorship.coach_id == request.user.pk
    learner = selectors.learner_as_seen_by(request.user, mentorship)
    milestones = services.read_milestones(mentorship=mentorship, reader=request.user)
    if selectors.summary_only(request.user, mentorship):
        # The coach of an ended coaching keeps what a volunteer needs to
        # remember: first name, period, milestones, how many times they met.
        held = selectors.meetings_of(mentorship).filter(
            status=MeetingStatus.SCHEDULED, starts_at__lt=now
        )
        return {
            "mentorship": mentorship, "learner": learner, "summary_only": True,
            "milestones": milestones, "meetings_held": held.count(), "is_coach": is_coach,
            "programme": _choice(Programme.choices, mentorship.request.programme),
        }  # fmt: skip
    meetings = list(selectors.meetings_of(mentorship))
    upcoming = [m for m in meetings if m.status == MeetingStatus.SCHEDULED and m.ends_at >= now]
    earlier = [m for m in meetings if m not in upcoming]
    notes = None
    if is_coach or request.GET.get("notes") == "show" or "note_form" in forms:
        notes = services.read_notes(mentorship=mentorship, reader=request.user)
    log_reads(
        actor=request.user, what=AccessWhat.MENTEE, reads=[(mentorship.learner_id, mentorship.pk)]
    )
    return {
        "mentorship": mentorship,
        "learner": learner,
        "summary_only": False,
        "needs": request_needs(mentorship.request),
        "upcoming": upcoming,
        "earlier": list(reversed(earlier)),
        "milestones": milestones,
        "notes": notes,
        "is_coach": is_coach,
        "note_form": forms.get("note_form") or NoteForm(),
        "milestone_form": forms.get("milestone_form") or MilestoneForm(),
    }


class MentorshipMixin(View):
    """Loads the mentorship from the URL, among those the person works on.

    Only the mentorship page itself shows the summary an ended coaching leaves
    its coach (``selectors.summary_only``); every form under it is gone (404)."""

    summary_page = False

    def get_mentorship(self):
        mentorship = get_object_or_404(
            selectors.workable_mentorships(self.request.user), pk=self.kwargs["pk"]
        )
        if not self.summary_page and selectors.summary_only(self.request.user, mentorship):
            raise Http404
        return mentorship


class MentorshipView(RolePageMixin, MentorshipMixin, TemplateView):
    """The coach's working view of one mentorship (and the office's); after the
    end, the coach's summary."""

    summary_page = True
    allowed_roles = {"get": STAFF}
    template_name = "coaching/mentorship.html"

    def get(self, request, pk):
        return self.render_to_response(mentorship_context(request, self.get_mentorship()))


class NoteAddView(RolePageMixin, MentorshipMixin, TemplateView):
    allowed_roles = {"post": STAFF}
    template_name = "coaching/mentorship.html"

    def post(self, request, pk):
        mentorship = self.get_mentorship()
        form = NoteForm(request.POST)
        if form.is_valid():
            try:
                services.add_note(
                    mentorship=mentorship, author=request.user, text=form.cleaned_data["text"]
                )
            except DomainError as error:
                show_domain_error(form, error)
            else:
                messages.success(request, _("The note is saved."))
                return redirect(reverse("coaching:mentorship", args=[pk]) + "?notes=show#notes")
        return self.render_to_response(mentorship_context(request, mentorship, note_form=form))


class MilestoneAddView(RolePageMixin, MentorshipMixin, TemplateView):
    allowed_roles = {"post": STAFF}
    template_name = "coaching/mentorship.html"

    def post(self, request, pk):
        mentorship = self.get_mentorship()
        form = MilestoneForm(request.POST)
        if form.is_valid():
            try:
                services.record_milestone(
                    mentorship=mentorship, by=request.user, **form.cleaned_data
                )
            except DomainError as error:
                show_domain_error(form, error)
            else:
                messages.success(request, _("The milestone is recorded."))
                return redirect(reverse("coaching:mentorship", args=[pk]) + "#milestones")
        return self.render_to_response(mentorship_context(request, mentorship, milestone_form=form))


class MeetingCreateView(RolePageMixin, MentorshipMixin, TemplateView):
    """Schedule a meeting; the service sends the invitation to the others."""

    allowed_roles = {"get": STAFF, "post": STAFF}
    template_name = "coaching/meeting_form.html"

    def get(self, request, pk):
        mentorship = self.get_mentorship()
        return self.render_to_response({"mentorship": mentorship, "form": MeetingForm()})

    def post(self, request, pk):
        mentorship = self.get_mentorship()
        form = MeetingForm(request.POST)
        if form.is_valid():
            starts_at, ends_at = form.times()
            try:
                services.schedule_meeting(
                    mentorship=mentorship, by=request.user, starts_at=starts_at, ends_at=ends_at,
                    place=form.cleaned_data["place"], online_link=form.cleaned_data["online_link"],
                )  # fmt: skip
            except DomainError as error:
                show_domain_error(form, error, MeetingForm.service_field_names)
            else:
                messages.success(request, _("The meeting is planned. We sent the invitation."))
                return redirect("coaching:mentorship", pk=mentorship.pk)
        return self.render_to_response({"mentorship": mentorship, "form": form})


class MeetingMixin(View):
    """Loads the meeting from the URL, among those of mentorships the person works on."""

    def get_meeting(self):
        meeting = get_object_or_404(
            selectors.workable_meetings(self.request.user), pk=self.kwargs["pk"]
        )
        if selectors.summary_only(self.request.user, meeting.mentorship):
            raise Http404  # the coaching has ended: its meetings are closed to the coach
        return meeting


class MeetingMoveView(RolePageMixin, MeetingMixin, TemplateView):
    allowed_roles = {"get": STAFF, "post": STAFF}
    template_name = "coaching/meeting_form.html"

    def get(self, request, pk):
        meeting = self.get_meeting()
        form = MeetingForm(initial=MeetingForm.initial_for(meeting))
        return self.render_to_response(
            {"mentorship": meeting.mentorship, "meeting": meeting, "form": form}
        )

    def post(self, request, pk):
        meeting = self.get_meeting()
        form = MeetingForm(request.POST, initial=MeetingForm.initial_for(meeting))
        if form.is_valid():
            starts_at, ends_at = form.times()
            try:
                services.move_meeting(
                    meeting=meeting, by=request.user, starts_at=starts_at, ends_at=ends_at,
                    place=form.cleaned_data["place"], online_link=form.cleaned_data["online_link"],
                )  # fmt: skip
            except DomainError as error:
                show_domain_error(form, error, MeetingForm.service_field_names)
            else:
                messages.success(request, _("The meeting is moved. We told the others."))
                return redirect("coaching:mentorship", pk=meeting.mentorship_id)
        return self.render_to_response(
            {"mentorship": meeting.mentorship, "meeting": meeting, "form": form}
        )


class MeetingCancelView(RolePageMixin, MeetingMixin, TemplateView):
    allowed_roles = {"get": STAFF, "post": STAFF}
    template_name = "coaching/meeting_cancel.html"

    def get(self, request, pk):
        meeting = self.get_meeting()
        return self.render_to_response({"meeting": meeting, "mentorship": meeting.mentorship})

    def post(self, request, pk):
        meeting = self.get_meeting()
        try:
            services.cancel_meeting(meeting=meeting, by=request.user)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The meeting is cancelled. We told the others."))
        return redirect("coaching:mentorship", pk=meeting.mentorship_id)


class MentorshipEndView(RolePageMixin, MentorshipMixin, TemplateView):
    allowed_roles = {"get": STAFF, "post": STAFF}
    template_name = "coaching/mentorship_end.html"

    def get(self, request, pk):
        return self.render_to_response({"mentorship": self.get_mentorship(), "form": EndForm()})

    def post(self, request, pk):
        mentorship = self.get_mentorship()
        form = EndForm(request.POST)
        if form.is_valid():
            try:
                services.end_mentorship(
                    mentorship=mentorship, by=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                show_domain_error(form, error)
            else:
                messages.success(request, _("The coaching has ended. Thank you."))
                return redirect("coaching:mentorship", pk=mentorship.pk)
        return self.render_to_response({"mentorship": mentorship, "form": form})


class CoachProfileView(RolePageMixin, TemplateView):
    """A coach's own availability, languages, place and capacity.

    The onboarding checks (agreement, police certificate) are shown but only
    the coordination office sets them.
    """

    allowed_roles = {"get": COACHES, "post": COACHES}
    template_name = "coaching/coach_profile.html"

    def get_profile(self):
        return (
            CoachProfile.objects.select_related("municipality")
            .filter(user=self.request.user)
            .first()
        )

    def context(self, profile, form) -> dict:
        return {
            "profile": profile,
            "form": form,
            "onboarding_complete": profile.onboarding_complete(timezone.localdate())
            if profile
            else False,
        }

    def get(self, request):
        profile = self.get_profile()
        return self.render_to_response(self.context(profile, CoachProfileForm(profile=profile)))

    def post(self, request):
        profile = self.get_profile()
        form = CoachProfileForm(request.POST, profile=profile)
        if form.is_valid():
            try:
                services.save_coach_profile(user=request.user, **form.service_fields())
            except DomainError as error:
                show_domain_error(form, error)
            else:
                messages.success(request, _("Your coach profile is saved."))
                return redirect("coaching:coach_profile")
        return self.render_to_response(self.context(profile, form))


# --- Coordinators ------------------------------------------------------------------------------


class RequestsView(RolePageMixin, TemplateView):
    """Open requests with why they are unmatched, proposals to approve, recent runs."""

    allowed_roles = {"get": COORDINATORS}
    template_name = "coaching/requests.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        runs = list(selectors.runs()[:10])
        latest = runs[0] if runs else None
        open_requests = list(selectors.open_requests_overview())
        reasons = selectors.latest_unmatched_reasons(latest, [r.pk for r in open_requests])
        for item in open_requests:
            item.days_waiting = (now - item.created_at).days
            item.programme_label = _choice(Programme.choices, item.programme)
            item.reasons = describe_reasons(reasons.get(item.pk, []))
        to_approve = [explain(p) for p in selectors.proposals_with_status(ProposalStatus.PROPOSED)]
        with_coach = list(selectors.proposals_with_status(ProposalStatus.APPROVED))
        _log_requests(
            self.request, [*open_requests, *(p.request for p in [*to_approve, *with_coach])]
        )
        context.update(
            open_requests=open_requests,
            latest_run=latest,
            runs=runs,
            to_approve=to_approve,
            with_coach=with_coach,
            run_form=RunMatchingForm(),
        )
        return context


class RunMatchingView(RolePageMixin, View):
    allowed_roles = {"post": COORDINATORS}

    def post(self, request):
        form = RunMatchingForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("This programme does not exist."))
            return redirect("coaching:requests")
        try:
            run = services.start_matching_run(
                by=request.user, programme=form.cleaned_data["programme"] or None
            )
        except DomainError as error:
            messages.error(request, str(error.message))
            return redirect("coaching:requests")
        matched = run.totals.get("matched", 0)
        messages.success(
            request,
            ngettext(
                "Matching is done: %(n)s proposal to check.",
                "Matching is done: %(n)s proposals to check.",
                matched,
            )
            % {"n": matched},
        )
        return redirect("coaching:run", pk=run.pk)


class RunView(RolePageMixin, TemplateView):
    """One matching run: its figures, proposals explained, and why others stayed unmatched."""

    allowed_roles = {"get": COORDINATORS}
    template_name = "coaching/run.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = get_object_or_404(selectors.runs(), pk=self.kwargs["pk"])
        run = selectors.run_with_results(run.pk)
        proposals = [explain(p) for p in run.proposals.all()]
        unmatched = list(run.unmatched.all())
        for item in unmatched:
            item.reason_texts = describe_reasons(item.reasons)
        _log_requests(
            self.request, [*(p.request for p in proposals), *(u.request for u in unmatched)]
        )
        totals = run.totals
        rate = totals.get("unmatched_rate")
        context.update(
            run=run,
            proposals=proposals,
            unmatched=unmatched,
            waiting=[p for p in proposals if p.status == ProposalStatus.PROPOSED],
            programme=_choice(Programme.choices, run.parameters.get("programme"))
            if run.parameters.get("programme") in Programme.values
            else _("All programmes"),
            unmatched_percent=None if rate is None else round(rate * 100),
        )
        return context


class ProposalApproveView(RolePageMixin, View):
    """Approve one proposal. With htmx the card is swapped in place (focus moves to
    its new status); without, the page reloads with a message."""

    allowed_roles = {"post": COORDINATORS}

    def post(self, request, pk):
        visible = selectors.visible_proposals(request.user)
        proposal = get_object_or_404(visible, pk=pk)
        error = None
        try:
            proposal = services.approve_proposal(proposal=proposal, by=request.user)
        except DomainError as refusal:
            error = str(refusal.message)
        if request.htmx:
            context = {"proposal": explain(visible.get(pk=pk)), "error": error, "swapped": True}
            return render(request, "coaching/_proposal_card.html", context)
        if error:
            messages.error(request, error)
        else:
            messages.success(
                request,
                _("Approved: %(coach)s has until %(deadline)s to answer.")
                % {"coach": proposal.coach.get_full_name(), "deadline": _deadline(proposal)},
            )
        default = (
            reverse("coaching:run", args=[proposal.run_id])
            if proposal.run_id
            else reverse("coaching:requests")
        )
        return redirect(safe_next(request, default))


class RunApproveAllView(RolePageMixin, View):
    """Approve every proposal of a run still waiting, each on its own (one may fail alone)."""

    allowed_roles = {"post": COORDINATORS}

    def post(self, request, pk):
        run = get_object_or_404(selectors.runs(), pk=pk)
        approved = services.approve_all_proposals(run=run, by=request.user)
        messages.success(
            request,
            ngettext("%(n)s proposal approved.", "%(n)s proposals approved.", approved)
            % {"n": approved},
        )
        return redirect("coaching:run", pk=run.pk)


class ProposeView(RolePageMixin, TemplateView):
    """Propose a coach by hand; broken rules are shown and need an explicit override."""

    allowed_roles = {"get": COORDINATORS, "post": COORDINATORS}
    template_name = "coaching/propose.html"

    def get_request(self):
        return get_object_or_404(
            selectors.visible_requests(self.request.user), pk=self.kwargs["pk"]
        )

    def context(self, coaching_request, form, violated=()) -> dict:
        _log_requests(self.request, [coaching_request])
        return {
            "coaching_request": coaching_request,
            "needs": request_needs(coaching_request),
            "form": form,
            "violated": list(violated),
            "is_open": coaching_request.status == RequestStatus.OPEN,
            "answer_deadline": services.answer_deadline(),
        }

    def get(self, request, pk):
        coaching_request = self.get_request()
        form = ProposeForm(coaches=selectors.coach_choices())
        return self.render_to_response(self.context(coaching_request, form))

    def post(self, request, pk):
        coaching_request = self.get_request()
        form = ProposeForm(request.POST, coaches=selectors.coach_choices())
        violated: list[str] = []
        if form.is_valid():
            try:
                proposal, warnings = services.propose_by_hand(
                    request=coaching_request, coach=form.cleaned_data["coach"].user,
                    by=request.user, override=form.cleaned_data["override"],
                )  # fmt: skip
            except services.ConstraintsViolated as error:
                violated = [str(text) for text in error.fields.get("coach", [])]
                form.add_error(
                    None,
                    _(
                        "This coach breaks rules of matching (listed below). Tick "
                        "“Propose anyway” if you want to propose them nonetheless."
                    ),
                )
            except DomainError as error:
                show_domain_error(form, error)
            else:
                if warnings:
                    messages.warning(
                        request,
                        _("Proposed although rules are broken (recorded): %(rules)s")
                        % {"rules": "; ".join(str(w) for w in warnings)},
                    )
                else:
                    messages.success(
                        request,
                        _("Proposed: the coach has until %(deadline)s to answer.")
                        % {"deadline": _deadline(proposal)},
                    )
                return redirect("coaching:requests")
        return self.render_to_response(self.context(coaching_request, form, violated))


# --- A coach corrects their notes, the coach or office a milestone --------------------------


class _MentorshipRecordView(RolePageMixin, MentorshipMixin, TemplateView):
    """Change or delete one note or milestone of a mentorship: GET shows the form
    (with a delete button), POST saves it, POST with ``delete`` removes it."""

    allowed_roles = {"get": STAFF, "post": STAFF}
    form_class: type = NoteForm
    anchor = ""

    def get_record(self, mentorship):  # pragma: no cover - each subclass has its own
        raise NotImplementedError

    def initial(self, record) -> dict:  # pragma: no cover
        raise NotImplementedError

    def save(self, record, data) -> None:  # pragma: no cover
        raise NotImplementedError

    def delete(self, record) -> None:  # pragma: no cover
        raise NotImplementedError

    def _page(self, mentorship, record, form):
        return self.render_to_response({"mentorship": mentorship, "record": record, "form": form})

    def get(self, request, pk, record_id):
        mentorship = self.get_mentorship()
        record = self.get_record(mentorship)
        return self._page(mentorship, record, self.form_class(initial=self.initial(record)))

    def post(self, request, pk, record_id):
        mentorship = self.get_mentorship()
        record = self.get_record(mentorship)
        back = reverse("coaching:mentorship", args=[pk]) + self.anchor
        form = self.form_class(request.POST)
        try:
            if "delete" in request.POST:
                self.delete(record)
                messages.success(request, _("Deleted."))
                return redirect(back)
            if form.is_valid():
                self.save(record, form.cleaned_data)
                messages.success(request, _("Your changes are saved."))
                return redirect(back)
        except DomainError as error:
            show_domain_error(form, error)
        return self._page(mentorship, record, form)


class NoteEditView(_MentorshipRecordView):
    template_name = "coaching/note_edit.html"
    form_class = NoteForm
    anchor = "?notes=show#notes"

    def get_record(self, mentorship):
        # Someone else's note is not offered for changing (the service refuses it too).
        own = selectors.notes_of(mentorship).filter(author=self.request.user)
        return get_object_or_404(own, pk=self.kwargs["record_id"])

    def initial(self, note):
        return {"text": note.text}

    def save(self, note, data):
        services.edit_note(note=note, by=self.request.user, text=data["text"])

    def delete(self, note):
        services.delete_note(note=note, by=self.request.user)


class MilestoneEditView(_MentorshipRecordView):
    template_name = "coaching/milestone_edit.html"
    form_class = MilestoneForm
    anchor = "#milestones"

    def get_record(self, mentorship):
        return get_object_or_404(selectors.milestones_of(mentorship), pk=self.kwargs["record_id"])

    def initial(self, milestone):
        return {"kind": milestone.kind, "occurred_on": milestone.occurred_on,
                "note": milestone.note}  # fmt: skip

    def save(self, milestone, data):
        services.edit_milestone(milestone=milestone, by=self.request.user, **data)

    def delete(self, milestone):
        services.delete_milestone(milestone=milestone, by=self.request.user)
