"""Every write about coaching, one function per use case.

The flow: a learner (or a coordinator for them) asks for a coach → a
coordinator runs matching (or proposes a coach by hand) → approves a proposal
→ the coach accepts (a mentorship begins) or declines with a reason (the
request is open again, and this coach is never proposed for it again); an
approved proposal nobody answers expires (PROPOSAL_ANSWER_DAYS) → meetings, notes
and milestones → the mentorship ends with a reason. Each step that concerns
someone else queues a notification in the same transaction.
"""

import time
from datetime import date, datetime, timedelta
from statistics import mean, median

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.constants import AccessWhat
from accounts.roles import COACH, has_role
from accounts.services import log_access
from calendars.mail import calendar
from common.errors import Conflict, DomainError, InvalidInput, NotAllowed
from common.validators import check_fields
from notifications.services import notify

from . import locking, matching, selectors
from .constants import (
    MEETING_MAX_DAYS_AHEAD,
    MEETING_MAX_HOURS,
    MILESTONE_MAX_DAYS_BACK,
    OPEN_PROPOSAL_STATUSES,
    PROPOSAL_ANSWER_DAYS,
    EndReason,
    GermanLevel,
    MeetingStatus,
    Programme,
    ProposalStatus,
    RequestStatus,
)
from .explain import describe_rule
from .models import (
    CoachingRequest,
    CoachNote,
    CoachProfile,
    MatchingRun,
    MatchProposal,
    Meeting,
    Mentorship,
    Milestone,
)
from .notifications import Kind, meeting_payload

# --- Errors a user can cause -------------------------------------------------------------


class InvalidRequest(DomainError):
    """A coaching request that breaks a rule of matching (see ``check_request``)."""

    code = "validation_error"


class RequestExists(Conflict):
    code = "request_exists"


class RequestNotOpen(Conflict):
    code = "request_not_open"


class ProposalNotOpen(Conflict):
    code = "proposal_not_open"


class ProposalExpired(Conflict):
    code = "proposal_expired"


class ConstraintsViolated(Conflict):
    code = "constraints_violated"


class MatchingBusy(Conflict):
    code = "matching_busy"


class MentorshipEnded(Conflict):
    code = "mentorship_ended"


class MeetingNotChangeable(Conflict):
    code = "meeting_not_changeable"


# --- Profiles and requests ---------------------------------------------------------------------


@transaction.atomic
def save_coach_profile(*, user, **fields) -> CoachProfile:
    """Create or replace a coach's own profile (onboarding checks are not theirs to set)."""
    if not has_role(user, COACH):
        raise NotAllowed(_("Only coaches have a coach profile."))
    for protected in ("volunteer_agreement_signed", "police_certificate_seen_on", "is_volunteer"):
        fields.pop(protected, None)
    profile, _created = CoachProfile.objects.update_or_create(user=user, defaults=fields)
    return profile


def check_request(fields: dict) -> None:
    """Refuse a request the matching could never serve, before anyone waits for nothing.

    The matching engine's own hard rules, said at the door: below B1 German
    a learner needs a language in common with the coach besides German; the
    pair needs an hour a week in common, so the request must offer one; and
    language coaching in care work happens at the learner's care facility.
    Every field that breaks a rule is named at once.
    """
    problems: dict[str, list] = {}
    german_level = fields.get("german_level") or GermanLevel.NONE
    if matching.needs_helper_language_at(german_level) and not matching.helper_languages(
        fields.get("languages") or []
    ):
        problems["languages"] = [
            _("Choose at least one language you speak, so we find a coach you understand.")
        ]
    if (
        fields.get("programme") == Programme.CARE_LANGUAGE
        and not (fields.get("care_facility") or "").strip()
    ):
        problems["care_facility"] = [_("Name the care facility where you work.")]
    weekly = matching.weekly_minutes(selectors.time_ranges(fields.get("availability") or []))
    if weekly < matching.MIN_OVERLAP_MINUTES:
        problems["availability"] = [_("Give at least one hour a week when you could meet.")]
    if problems:
        raise InvalidRequest(_("Please check the highlighted fields."), fields=problems)


def create_request(*, learner, created_by, **fields) -> CoachingRequest:
    """A learner asks for a coach (or the office for them): one request under way per
    programme, so a learner may have a jobcoach and language coaching in care at once."""
    check_request(fields)
    already = _("There is already an active coaching request in this programme.")
    if fields["programme"] in selectors.programmes_asked_for(learner):
        raise RequestExists(already, fields={"programme": [already]})
    request = CoachingRequest(learner=learner, created_by=created_by, **fields)
    check_fields(request, "care_facility", "shift_pattern", "notes")
    try:
        with transaction.atomic():
            request.save()
            return request
    except IntegrityError as error:  # the same request sent twice at once
        raise RequestExists(already, fields={"programme": [already]}) from error


@transaction.atomic
def close_request(*, request: CoachingRequest, by) -> CoachingRequest:
    """Withdraw a request that has no mentorship yet (e.g. the learner found work)."""
    request = locking.lock_request(request.pk)
    if request.status not in (RequestStatus.OPEN, RequestStatus.PROPOSED):
        raise RequestNotOpen(_("Only open requests can be withdrawn."))
    request.proposals.filter(status__in=[ProposalStatus.PROPOSED, ProposalStatus.APPROVED]).update(
        status=ProposalStatus.SUPERSEDED
    )
    request.status = RequestStatus.CLOSED
    request.closed_at = timezone.now()
    request.save(update_fields=["status", "closed_at"])
    return request


# --- Matching ----------------------------------------------------------------------------------


def _parts_as_json(parts) -> list[dict]:
    return [
        {"name": p.name, "points": p.points, "maximum": p.maximum, "facts": p.facts} for p in parts
    ]


def _run_figures(run_at: datetime, result, requests_by_id: dict) -> dict:
    """Time to match, unmatched rate and reasons: how well matching serves people."""
    waited = [
        (run_at - requests_by_id[p.request_id].created_at).total_seconds() / 86400
        for p in result.proposals
    ]
    reasons: dict[str, int] = {}
    for item in result.unmatched:
        for reason in item.reasons:
            reasons[reason.code] = reasons.get(reason.code, 0) + 1
    considered = len(result.proposals) + len(result.unmatched)
    return {
        "days_waited_median": round(median(waited), 1) if waited else None,
        "days_waited_mean": round(mean(waited), 1) if waited else None,
        "unmatched_rate": round(len(result.unmatched) / considered, 3) if considered else None,
        "unmatched_reasons": reasons,
    }


def start_matching_run(*, by, programme: str | None = None) -> MatchingRun:
    """Match all open requests at once, optimally, and keep the proposals for approval.

    Proposals of earlier runs that nobody approved yet are superseded first,
    so their requests and coaches' places take part again.
    """
    try:
        with transaction.atomic():
            stale = MatchProposal.objects.filter(status=ProposalStatus.PROPOSED)
            if programme:
                stale = stale.filter(request__programme=programme)
            CoachingRequest.objects.filter(
                pk__in=stale.values("request_id"), status=RequestStatus.PROPOSED
            ).update(status=RequestStatus.OPEN)
            stale.update(status=ProposalStatus.SUPERSEDED)

            requests = list(selectors.open_requests(programme))
            data = selectors.matching_input(requests, selectors.coach_profiles(programme))
            started = time.perf_counter()
            result = matching.solve(data)
            duration_ms = int((time.perf_counter() - started) * 1000)

            now = timezone.now()
            by_id = {r.pk: r for r in requests}
            run = MatchingRun.objects.create(
                started_by=by,
                parameters={
                    "programme": programme or "all",
                    "min_overlap_minutes": data.min_overlap_minutes,
                },
                totals={**result.totals, **_run_figures(now, result, by_id)},
                duration_ms=duration_ms,
            )
            MatchProposal.objects.bulk_create(
                MatchProposal(
                    run=run,
                    request_id=p.request_id,
                    coach_id=p.coach_id,
                    score=p.score,
                    score_parts=_parts_as_json(p.parts),
                    created_by=by,
                )
                for p in result.proposals
            )
            CoachingRequest.objects.filter(pk__in=[p.request_id for p in result.proposals]).update(
                status=RequestStatus.PROPOSED
            )
            run.unmatched.bulk_create(
                run.unmatched.model(
                    run=run,
                    request_id=u.request_id,
                    reasons=[
                        {"code": r.code, "count": r.count, "facts": r.facts} for r in u.reasons
                    ],
                )
                for u in result.unmatched
            )
            return run
    except IntegrityError as error:
        raise MatchingBusy(
            _("Another matching run is being saved right now. Please try again.")
        ) from error


def _engine_pair(request: CoachingRequest, coach_user):
    profile = CoachProfile.objects.select_related("user").filter(user=coach_user).first()
    if profile is None:
        raise DomainError(
            _("This person has no coach profile."), fields={"coach": [_("Not a coach.")]}
        )
    data = selectors.matching_input([request], [profile])
    return data, data.requests[0], data.coaches[0]


@transaction.atomic
def propose_by_hand(
    *, request: CoachingRequest, coach, by, override: bool = False
) -> tuple[MatchProposal, list[str]]:
    """A coordinator's own choice of coach, checked against the same hard rules.

    Broken rules refuse the proposal unless ``override`` is set; then they are
    recorded on the proposal and returned as warnings. A coordinator's own
    proposal needs no second approval: it goes to the coach at once.
    """
    request = locking.lock_request(request.pk)
    if request.status != RequestStatus.OPEN:
        raise RequestNotOpen(_("This request is not open for a new proposal."))
    data, engine_request, engine_coach = _engine_pair(request, coach)
    broken = list(matching.check_pair(data, engine_request, engine_coach))
    warnings = [describe_rule(code) for code in broken]
    if broken and not override:
        raise ConstraintsViolated(
            _("This coach breaks rules of matching. Send override=true to propose anyway."),
            fields={"coach": warnings},
        )
    score, parts = matching.score_pair(data, engine_request, engine_coach)
    now = timezone.now()
    proposal = MatchProposal.objects.create(
        request=request,
        coach=coach,
        score=score,
        score_parts=_parts_as_json(parts),
        overridden_rules=broken,
        status=ProposalStatus.APPROVED,
        created_by=by,
        approved_by=by,
        approved_at=now,
        expires_at=answer_deadline(now),
    )
    request.status = RequestStatus.PROPOSED
    request.save(update_fields=["status"])
    _tell_the_coach(proposal)
    return proposal, warnings


@transaction.atomic
def approve_proposal(*, proposal: MatchProposal, by) -> MatchProposal:
    proposal = locking.lock_proposal(proposal.pk)
    if proposal.status != ProposalStatus.PROPOSED:
        raise ProposalNotOpen(_("Only proposals waiting for approval can be approved."))
    now = timezone.now()
    proposal.status = ProposalStatus.APPROVED
    proposal.approved_by = by
    proposal.approved_at = now
    proposal.expires_at = answer_deadline(now)
    proposal.save(update_fields=["status", "approved_by", "approved_at", "expires_at"])
    _tell_the_coach(proposal)
    return proposal


def answer_deadline(now: datetime | None = None) -> datetime:
    """Until when a coach may answer a proposal that reaches them now."""
    return (now or timezone.now()) + timedelta(days=PROPOSAL_ANSWER_DAYS)


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _tell_the_coach(proposal: MatchProposal) -> None:
    notify(
        recipient=proposal.coach,
        kind=Kind.MATCH_PROPOSED,
        key=f"proposal:{proposal.pk}",
        payload={"proposal": proposal.pk, "until": _iso(proposal.expires_at)},
    )


def approve_all_proposals(*, run: MatchingRun, by) -> int:
    """Approve every proposal of a run still waiting, each in its own transaction,
    so one that cannot be approved (withdrawn meanwhile) does not stop the others.
    Returns how many were approved."""
    approved = 0
    waiting = run.proposals.filter(status=ProposalStatus.PROPOSED).order_by("pk")
    for proposal in waiting:
        try:
            approve_proposal(proposal=proposal, by=by)
        except DomainError:
            continue
        approved += 1
    return approved


def _answerable(proposal: MatchProposal, coach) -> MatchProposal:
    proposal = locking.lock_proposal(proposal.pk)
    if proposal.coach_id != coach.pk:
        raise NotAllowed(_("Only the proposed coach can answer."))
    if proposal.status != ProposalStatus.APPROVED:
        raise ProposalNotOpen(_("This proposal is no longer open."))
    if proposal.expires_at and proposal.expires_at <= timezone.now():
        raise ProposalExpired(_("This proposal has expired."))
    return proposal


@transaction.atomic
def accept_proposal(*, proposal: MatchProposal, coach) -> Mentorship:
    proposal = _answerable(proposal, coach)
    now = timezone.now()
    proposal.status = ProposalStatus.ACCEPTED
    proposal.answered_at = now
    proposal.save(update_fields=["status", "answered_at"])
    request = proposal.request
    request.status = RequestStatus.MATCHED
    request.matched_at = now
    request.save(update_fields=["status", "matched_at"])
    mentorship = Mentorship.objects.create(request=request, coach=coach, learner=request.learner)
    notify(
        recipient=request.learner,
        kind=Kind.MATCH_ACCEPTED,
        key=f"mentorship:{mentorship.pk}",
        payload={"mentorship": mentorship.pk},
    )
    if proposal.approved_by:
        notify(
            recipient=proposal.approved_by,
            kind=Kind.MATCH_ACCEPTED,
            key=f"mentorship:{mentorship.pk}",
            payload={"mentorship": mentorship.pk},
        )
    return mentorship


@transaction.atomic
def decline_proposal(*, proposal: MatchProposal, coach, reason: str) -> MatchProposal:
    """The coach says no, with a reason; the request is open for the next run."""
    if not reason.strip():
        raise DomainError(
            _("Please say briefly why you decline."),
            fields={"reason": [_("Please say briefly why you decline.")]},
        )
    proposal = _answerable(proposal, coach)
    proposal.status = ProposalStatus.DECLINED
    proposal.answered_at = timezone.now()
    proposal.decline_reason = reason.strip()
    proposal.save(update_fields=["status", "answered_at", "decline_reason"])
    _reopen(proposal.request)
    if proposal.approved_by:
        notify(
            recipient=proposal.approved_by,
            kind=Kind.MATCH_DECLINED,
            key=f"proposal:{proposal.pk}",
            payload={"proposal": proposal.pk},
        )
    return proposal


def _reopen(request: CoachingRequest) -> None:
    request.status = RequestStatus.OPEN
    request.save(update_fields=["status"])


def expire_stale_proposals(now: datetime | None = None) -> int:
    """Approved proposals the coach did not answer in time: reopen their requests."""
    now = now or timezone.now()
    expired = 0
    stale = MatchProposal.objects.filter(status=ProposalStatus.APPROVED, expires_at__lte=now)
    for proposal_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            proposal = locking.lock_proposal(proposal_id)
            if proposal.status != ProposalStatus.APPROVED:
                continue
            proposal.status = ProposalStatus.EXPIRED
            proposal.save(update_fields=["status"])
            _reopen(proposal.request)
            if proposal.approved_by:
                notify(
                    recipient=proposal.approved_by,
                    kind=Kind.PROPOSAL_EXPIRED,
                    key=f"proposal:{proposal.pk}",
                    payload={"proposal": proposal.pk, "until": _iso(proposal.expires_at)},
                )
            expired += 1
    return expired


# --- Mentorships ---------------------------------------------------------------------------------


def _active_for(user, mentorship: Mentorship) -> None:
    if not selectors.may_work_on(user, mentorship):
        raise NotAllowed(_("Only the coach and the coordination office can do this."))
    if not mentorship.is_active:
        raise MentorshipEnded(_("This coaching has ended."))


def _not_summary_only(user, mentorship: Mentorship) -> None:
    """After the end, the coach keeps a summary only (``selectors.summary_only``):
    no notes, no meeting places, no changes. Coordinators may still correct
    milestones (the funders' figures count them)."""
    if not selectors.may_work_on(user, mentorship):
        raise NotAllowed(_("Only the coach and the coordination office can do this."))
    if selectors.summary_only(user, mentorship):
        raise MentorshipEnded(
            _("This coaching has ended. You keep a summary; the rest is closed to you.")
        )


def read_meetings(*, mentorship: Mentorship, reader) -> list[Meeting]:
    """A mentorship's meetings, for those who see more than its summary."""
    if selectors.summary_only(reader, mentorship):
        raise MentorshipEnded(
            _("This coaching has ended. You keep a summary; the rest is closed to you.")
        )
    return list(selectors.meetings_of(mentorship))


def read_milestones(*, mentorship: Mentorship, reader) -> list[Milestone]:
    """A mentorship's milestones; in the coach's summary without their notes."""
    milestones = list(selectors.milestones_of(mentorship))
    if selectors.summary_only(reader, mentorship):
        return selectors.summary_milestones(milestones)
    return milestones


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise DomainError(
            _("The meeting must end after it starts."),
            fields={"ends_at": [_("The meeting must end after it starts.")]},
        )
    now = timezone.now()
    if starts_at < now:
        raise DomainError(
            _("The meeting cannot start in the past."),
            fields={"starts_at": [_("The meeting cannot start in the past.")]},
        )
    if starts_at > now + timedelta(days=MEETING_MAX_DAYS_AHEAD):
        message = _("A meeting can be planned at most %(n)s days ahead.") % {
            "n": MEETING_MAX_DAYS_AHEAD
        }
        raise InvalidInput(message, fields={"starts_at": [message]})
    if ends_at - starts_at > timedelta(hours=MEETING_MAX_HOURS):
        message = _("A meeting lasts at most %(n)s hours.") % {"n": MEETING_MAX_HOURS}
        raise InvalidInput(message, fields={"ends_at": [message]})


def _tell_participants(meeting: Meeting, kind: str) -> None:
    """Both participants get the invitation that updates their calendar — the
    coach too, even when they made the change in Kurslotse: the office
    organizes every meeting and both are attendees (``calendars.selectors.
    meeting_event`` says why), so nothing else puts it into their calendar."""
    mentorship = meeting.mentorship
    method = "CANCEL" if meeting.status == MeetingStatus.CANCELLED else "REQUEST"
    payload = meeting_payload(meeting, **calendar("meeting", meeting.pk, method))
    for person in (mentorship.learner, mentorship.coach):
        notify(
            recipient=person,
            kind=kind,
            key=f"meeting:{meeting.pk}:{meeting.sequence}",
            payload=payload,
        )


@transaction.atomic
def schedule_meeting(
    *, mentorship: Mentorship, by, starts_at, ends_at, place: str = "", online_link: str = ""
) -> Meeting:
    _active_for(by, mentorship)
    _check_times(starts_at, ends_at)
    if not place and not online_link:
        raise DomainError(
            _("Say where you meet: a place or an online link."),
            fields={"place": [_("Say where you meet: a place or an online link.")]},
        )
    meeting = Meeting(
        mentorship=mentorship,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        online_link=online_link,
    )
    check_fields(meeting, "place", "online_link")
    meeting.save()
    _tell_participants(meeting, Kind.MEETING_SCHEDULED)
    return meeting


@transaction.atomic
def move_meeting(*, meeting: Meeting, by, starts_at, ends_at, place=None, online_link=None):
    meeting = locking.lock_meeting(meeting.pk)
    _active_for(by, meeting.mentorship)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise MeetingNotChangeable(_("A cancelled meeting cannot be moved."))
    _check_times(starts_at, ends_at)
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    if place is not None:
        meeting.place = place
    if online_link is not None:
        meeting.online_link = online_link
    check_fields(meeting, "place", "online_link")
    meeting.sequence += 1
    meeting.save()
    _tell_participants(meeting, Kind.MEETING_CHANGED)
    return meeting


@transaction.atomic
def cancel_meeting(*, meeting: Meeting, by) -> Meeting:
    meeting = locking.lock_meeting(meeting.pk)
    _not_summary_only(by, meeting.mentorship)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise MeetingNotChangeable(_("This meeting is already cancelled."))
    _cancel_meeting(meeting)
    return meeting


def _cancel_meeting(meeting: Meeting) -> None:
    """Cancel a scheduled meeting locked by the caller; both are sent the cancellation."""
    meeting.status = MeetingStatus.CANCELLED
    meeting.sequence += 1
    meeting.save(update_fields=["status", "sequence", "updated_at"])
    _tell_participants(meeting, Kind.MEETING_CANCELLED)


def add_note(*, mentorship: Mentorship, author, text: str) -> CoachNote:
    _active_for(author, mentorship)
    if not text.strip():
        raise DomainError(_("The note is empty."), fields={"text": [_("The note is empty.")]})
    return CoachNote.objects.create(mentorship=mentorship, author=author, text=text.strip())


def read_notes(*, mentorship: Mentorship, reader) -> list[CoachNote]:
    """The notes on a mentee; a coordinator's reading is written to the access log.
    After the end the coach no longer reads them (``selectors.summary_only``)."""
    if not selectors.may_work_on(reader, mentorship):
        raise NotAllowed(_("Only the coach and the coordination office can read notes."))
    _not_summary_only(reader, mentorship)
    notes = list(selectors.notes_of(mentorship))
    if reader.pk != mentorship.coach_id and notes:
        log_access(
            actor=reader,
            subject=mentorship.learner,
            what=AccessWhat.COACH_NOTES,
            object_ids=[n.pk for n in notes],
        )
    return notes


def _own_note(note: CoachNote, by) -> None:
    """Only a note's author rewrites or deletes it: the office reads a coach's
    words, it does not change them."""
    _active_for(by, note.mentorship)
    if note.author_id != by.pk:
        raise NotAllowed(_("Only the coach who wrote a note can change or delete it."))


def edit_note(*, note: CoachNote, by, text: str) -> CoachNote:
    _own_note(note, by)
    if not text.strip():
        raise DomainError(_("The note is empty."), fields={"text": [_("The note is empty.")]})
    note.text = text.strip()
    note.save(update_fields=["text"])
    return note


def delete_note(*, note: CoachNote, by) -> None:
    _own_note(note, by)
    note.delete()


def record_milestone(*, mentorship: Mentorship, by, kind: str, occurred_on, note: str = ""):
    _not_summary_only(by, mentorship)
    _check_milestone_date(occurred_on)
    milestone = Milestone(
        mentorship=mentorship, kind=kind, occurred_on=occurred_on, note=note, recorded_by=by
    )
    check_fields(milestone, "kind", "note")
    milestone.save()
    return milestone


def edit_milestone(*, milestone: Milestone, by, kind: str, occurred_on, note: str = ""):
    """Correct a milestone (the coach or the office): the same rules as recording it."""
    _not_summary_only(by, milestone.mentorship)
    _check_milestone_date(occurred_on)
    milestone.kind, milestone.occurred_on, milestone.note = kind, occurred_on, note
    check_fields(milestone, "kind", "note")
    milestone.save(update_fields=["kind", "occurred_on", "note"])
    return milestone


def delete_milestone(*, milestone: Milestone, by) -> None:
    _not_summary_only(by, milestone.mentorship)
    milestone.delete()


def _check_milestone_date(occurred_on) -> None:
    today = timezone.localdate()
    if occurred_on > today:
        raise DomainError(
            _("A milestone cannot lie in the future."),
            fields={"occurred_on": [_("A milestone cannot lie in the future.")]},
        )
    if occurred_on < today - timedelta(days=MILESTONE_MAX_DAYS_BACK):
        message = _("A milestone can be recorded at most %(n)s days afterwards.") % {
            "n": MILESTONE_MAX_DAYS_BACK
        }
        raise InvalidInput(message, fields={"occurred_on": [message]})


@transaction.atomic
def end_mentorship(*, mentorship: Mentorship, by, reason: str) -> Mentorship:
    mentorship = locking.lock_mentorship(mentorship.pk)
    _active_for(by, mentorship)
    _end(mentorship, reason=reason, tell=[mentorship.learner, mentorship.coach], by=by)
    return mentorship


def _end(mentorship: Mentorship, *, reason: str, tell, by=None) -> None:
    """End a running mentorship locked by the caller: its request is closed,
    its future meetings are cancelled (both calendars drop them), and each of
    ``tell`` but ``by`` hears that it ended — with no more than that."""
    now = timezone.now()
    # Meetings first: once it has ended, nothing of it can be changed.
    scheduled = mentorship.meetings.filter(status=MeetingStatus.SCHEDULED, starts_at__gt=now)
    for meeting_id in scheduled.order_by("pk").values_list("pk", flat=True):
        _cancel_meeting(locking.lock_meeting(meeting_id))
    mentorship.ended_at = now
    mentorship.end_reason = reason
    mentorship.save(update_fields=["ended_at", "end_reason"])
    CoachingRequest.objects.filter(pk=mentorship.request_id).update(
        status=RequestStatus.CLOSED, closed_at=now
    )
    for person in tell:
        if person is not None and (by is None or person.pk != by.pk):
            notify(
                recipient=person,
                kind=Kind.MENTORSHIP_ENDED,
                key=f"mentorship-ended:{mentorship.pk}",
                payload={"mentorship": mentorship.pk},
            )


# --- Erasure (GDPR Art. 17) ----------------------------------------------------------------


def _month(moment) -> date:
    day = timezone.localdate(moment) if isinstance(moment, datetime) else moment
    return day.replace(day=1)


def _records_of(requests: list[CoachingRequest]) -> list:
    """The funders' figures of a learner's coaching, with nothing that leads
    back to them: per request its programme, municipality and month (and the
    days it took to match), per mentorship the month and reason it ended, per
    milestone its kind and month."""
    from accounts.models import AnonymousRecord

    Kind_ = AnonymousRecord.Kind
    records = []
    for request in requests:
        matched_days = (
            (request.matched_at - request.created_at).days if request.matched_at else None
        )
        base = {"programme": request.programme, "municipality_id": request.municipality_id}
        records.append(
            AnonymousRecord(
                kind=Kind_.COACHING_REQUEST,
                month=_month(request.created_at),
                outcome=request.status,
                days_to_match=matched_days,
                **base,
            )
        )
        mentorship = getattr(request, "mentorship", None)
        if mentorship is None:
            continue
        if mentorship.ended_at:
            records.append(
                AnonymousRecord(
                    kind=Kind_.MENTORSHIP,
                    month=_month(mentorship.ended_at),
                    outcome=mentorship.end_reason,
                    **base,
                )
            )
        records += [
            AnonymousRecord(
                kind=Kind_.MILESTONE,
                month=_month(milestone.occurred_on),
                outcome=milestone.kind,
                **base,
            )
            for milestone in mentorship.milestones.all()
        ]
    return records


def _back_into_matching(request: CoachingRequest) -> CoachingRequest:
    """A learner whose coach is gone asks again, as they asked before: a new
    open request with the same wishes (the old one keeps the history)."""
    fields = {
        name: getattr(request, name)
        for name in ("programme", "goals", "languages", "german_level", "municipality_id",
                     "availability", "online_ok", "coach_gender_preference", "care_facility",
                     "shift_pattern", "notes")
    }  # fmt: skip
    return CoachingRequest.objects.create(learner_id=request.learner_id, created_by=None, **fields)


@transaction.atomic
def erase_coaching_of(*, person, by) -> dict[str, int]:
    """The ``coaching`` part of ``accounts.services.erase_person``.

    As a learner: open requests are withdrawn (their proposals superseded),
    running mentorships end (``LEARNER_WITHDREW``; the coach is told that it
    ended, not why, and future meetings are cancelled in both calendars);
    the figures become anonymous records; requests, mentorships, meetings,
    notes and milestones are deleted.

    As a coach: running mentorships end (``COACH_WITHDREW``) and the learner
    goes back into matching with a new request of the same wishes; every
    mentorship loses its coach but keeps its meetings and milestones (the
    learner's history); the notes the coach wrote, their open proposals
    (whose requests are open again), their other proposals and their coach
    profile are deleted.

    Locks in the order of ``coaching/locking.py``: requests, then proposals,
    then mentorships, then meetings, each in ascending id order.
    """
    counts = {"requests": 0, "mentorships_ended": 0, "back_into_matching": 0}
    # --- as a learner
    requests = []
    for request_id in (
        CoachingRequest.objects.filter(learner=person).order_by("pk").values_list("pk", flat=True)
    ):
        request = locking.lock_request(request_id)
        if request.status in (RequestStatus.OPEN, RequestStatus.PROPOSED):
            request = close_request(request=request, by=by)  # withdrawn, proposals superseded
        mentorship = Mentorship.objects.filter(request=request).first()
        if mentorship is not None and mentorship.is_active:
            mentorship = locking.lock_mentorship(mentorship.pk)
            _end(mentorship, reason=EndReason.LEARNER_WITHDREW, tell=[mentorship.coach])
            counts["mentorships_ended"] += 1
        request.refresh_from_db()
        requests.append(request)
    from accounts.models import AnonymousRecord

    AnonymousRecord.objects.bulk_create(_records_of(requests))
    Mentorship.objects.filter(learner=person).delete()
    CoachingRequest.objects.filter(learner=person).delete()
    counts["requests"] = len(requests)
    # --- as a coach
    proposals = MatchProposal.objects.filter(coach=person)
    for request_id in sorted(
        set(
            proposals.filter(status__in=OPEN_PROPOSAL_STATUSES).values_list("request_id", flat=True)
        )
    ):
        request = locking.lock_request(request_id)
        request.proposals.filter(coach=person, status__in=OPEN_PROPOSAL_STATUSES).update(
            status=ProposalStatus.SUPERSEDED
        )
        if request.status == RequestStatus.PROPOSED:
            _reopen(request)
    proposals.delete()
    for mentorship_id in (
        Mentorship.objects.filter(coach=person, ended_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        mentorship = locking.lock_mentorship(mentorship_id)
        _end(mentorship, reason=EndReason.COACH_WITHDREW, tell=[mentorship.learner])
        _back_into_matching(mentorship.request)
        counts["mentorships_ended"] += 1
        counts["back_into_matching"] += 1
    CoachNote.objects.filter(author=person).delete()
    Mentorship.objects.filter(coach=person).update(coach=None)
    CoachProfile.objects.filter(user=person).delete()
    return counts


def delete_notes_of_mentorships_ended_before(*, cutoff: datetime) -> int:
    """Retention (``KURSLOTSE_RETENTION_COACH_NOTES_MONTHS``): delete the coaches'
    notes of every mentorship that ended before ``cutoff``; returns how many.
    Milestones stay (they are the outcome, counted for funders); running
    mentorships keep all their notes."""
    from common.retention import delete_in_batches

    return delete_in_batches(CoachNote.objects.filter(mentorship__ended_at__lt=cutoff))
