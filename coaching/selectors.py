"""Reads about coaching: who sees what, and the matching engine's input.

Visibility rules: a coach sees only proposals addressed to them once a
coordinator approved them, and only their own mentorships; a learner sees
only their own requests and mentorships; coordinators see everything.
"""

from collections import Counter
from datetime import date
from statistics import median

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.constants import ConsentPurpose
from accounts.roles import COACH, COORDINATOR, LEARNER, has_role
from accounts.selectors import consent_given_subquery, consent_state
from places.models import Municipality

from . import matching
from .constants import (
    ACTIVE_REQUEST_STATUSES,
    OPEN_PROPOSAL_STATUSES,
    OTHER_LANGUAGE_CODES,
    SUCCESSFUL_ENDINGS,
    MeetingStatus,
    ProposalStatus,
    RequestStatus,
)
from .models import (
    CoachingRequest,
    CoachNote,
    CoachProfile,
    MatchingRun,
    MatchProposal,
    Meeting,
    Mentorship,
    Milestone,
    UnmatchedRequest,
)

# --- Visibility -------------------------------------------------------------------------


def _shares_phone():
    return consent_given_subquery(ConsentPurpose.SHARE_PHONE_WITH_COACH, person="learner_id")


def summary_only(user, mentorship: Mentorship) -> bool:
    """Whether ``user`` sees only the summary of ``mentorship``: its coach once
    it has ended (GDPR Art. 5(1)(b, c): the reason for the coach's access ended
    with the coaching). Coordinators still see everything (the office keeps
    the records until the retention period ends); the learner sees their own.

    The one rule every door asks: the API's mentorship, meetings, notes and
    milestones, the mentorship and mentees pages, and the services that change
    a mentorship (``coaching.services``). What the summary holds is
    ``learner_as_seen_by`` and ``summary_milestones``."""
    return (
        mentorship.coach_id == user.pk
        and not mentorship.is_active
        and not has_role(user, COORDINATOR)
    )


def learner_as_seen_by(viewer, mentorship: Mentorship) -> dict:
    """The mentee's identity and contact as ``viewer`` may see them.

    - The learner themselves and coordinators: name, email and phone.
    - The coach while the coaching runs: name and email; the phone number
      only while the learner consents to share it with their coach
      (``ConsentPurpose.SHARE_PHONE_WITH_COACH``).
    - The coach after the end (``summary_only``): the first name, nothing to
      reach them by.

    Reads ``mentorship.learner``; querysets of this module annotate
    ``learner_shares_phone`` so a list needs no query per row.
    """
    learner = mentorship.learner
    if summary_only(viewer, mentorship):
        return {"id": learner.pk, "name": first_name(learner), "email": None, "phone": ""}
    full = {"id": learner.pk, "name": learner.get_full_name(), "email": learner.email}
    if viewer.pk == learner.pk or has_role(viewer, COORDINATOR):
        return {**full, "phone": learner.phone}
    shares = getattr(mentorship, "learner_shares_phone", None)
    if shares is None:
        shares = consent_state(learner, ConsentPurpose.SHARE_PHONE_WITH_COACH)
    return {**full, "phone": learner.phone if shares else ""}


def summary_milestones(milestones) -> list[Milestone]:
    """Milestones as the summary shows them: what and when, without the free-text
    note (which may say more about the person than the coach needs to keep).
    Unsaved copies: the records themselves stay whole."""
    return [
        Milestone(pk=m.pk, mentorship_id=m.mentorship_id, kind=m.kind, occurred_on=m.occurred_on)
        for m in milestones
    ]


def visible_requests(user):
    queryset = CoachingRequest.objects.select_related("learner", "municipality")
    if has_role(user, COORDINATOR):
        return queryset
    if has_role(user, LEARNER):
        return queryset.filter(learner=user)
    return queryset.none()


def visible_proposals(user):
    queryset = MatchProposal.objects.select_related(
        "request__learner", "request__municipality", "coach", "run"
    )
    if has_role(user, COORDINATOR):
        return queryset
    if has_role(user, COACH):
        return queryset.filter(coach=user).exclude(
            status__in=[ProposalStatus.PROPOSED, ProposalStatus.SUPERSEDED]
        )
    return queryset.none()


def visible_mentorships(user):
    queryset = (
        Mentorship.objects.select_related("coach", "learner", "request__municipality")
        .prefetch_related(
            Prefetch(
                "meetings",
                queryset=Meeting.objects.filter(status=MeetingStatus.SCHEDULED).order_by(
                    "starts_at"
                ),
                to_attr="scheduled_meetings",
            )
        )
        .annotate(learner_shares_phone=_shares_phone())
    )
    if has_role(user, COORDINATOR):
        return queryset
    own = Q()
    if has_role(user, COACH):
        own |= Q(coach=user)
    if has_role(user, LEARNER):
        own |= Q(learner=user)
    return queryset.filter(own) if own else queryset.none()


def notes_of(mentorship: Mentorship):
    return CoachNote.objects.filter(mentorship=mentorship).select_related("author")


def milestones_of(mentorship: Mentorship):
    return Milestone.objects.filter(mentorship=mentorship)


def meetings_of(mentorship: Mentorship):
    return Meeting.objects.filter(mentorship=mentorship).order_by("starts_at", "pk")


def runs():
    return MatchingRun.objects.select_related("started_by")


def run_with_results(run_id: int) -> MatchingRun:
    return (
        MatchingRun.objects.prefetch_related(
            Prefetch(
                "proposals",
                queryset=MatchProposal.objects.select_related(
                    "request__learner", "request__municipality", "coach"
                ).order_by("request_id"),
            ),
            "unmatched__request__learner",
        )
        .select_related("started_by")
        .get(pk=run_id)
    )


# --- Capacity -----------------------------------------------------------------------------


def _count_per_coach(queryset) -> Subquery:
    return Subquery(
        queryset.filter(coach_id=OuterRef("user_id"))
        .order_by()
        .values("coach_id")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def with_load(profiles):
    """Annotate coach profiles with their load: active mentees plus proposals still
    open (waiting for approval or for the coach's answer), and ``load``, the sum.
    The one count matching (free places), the dashboard and the admin use."""
    return profiles.annotate(
        active_mentees=Coalesce(
            _count_per_coach(Mentorship.objects.filter(ended_at__isnull=True)), Value(0)
        ),
        open_proposals=Coalesce(
            _count_per_coach(MatchProposal.objects.filter(status__in=OPEN_PROPOSAL_STATUSES)),
            Value(0),
        ),
    ).annotate(load=F("active_mentees") + F("open_proposals"))


def coach_loads(coach_ids=None) -> dict[int, int]:
    """Each coach's load (``with_load``), per coach user id."""
    profiles = CoachProfile.objects.all()
    if coach_ids is not None:
        profiles = profiles.filter(user_id__in=list(coach_ids))
    return dict(with_load(profiles).values_list("user_id", "load").order_by())


# --- The engine's input --------------------------------------------------------------------


def time_ranges(availability: list[dict]) -> tuple[matching.TimeRange, ...]:
    def minutes(text: str) -> int:
        hours, mins = text.split(":")
        return int(hours) * 60 + int(mins)

    return tuple(
        matching.TimeRange(slot["weekday"], minutes(slot["start"]), minutes(slot["end"]))
        for slot in availability
    )


def engine_request(request: CoachingRequest) -> matching.RequestInput:
    return matching.RequestInput(
        id=request.pk,
        programme=request.programme,
        languages=tuple(request.languages),
        german_level=request.german_level,
        municipality=request.municipality_id,
        availability=time_ranges(request.availability),
        online_ok=request.online_ok,
        gender_preference=request.coach_gender_preference,
        goals=tuple(request.goals),
    )


def engine_coach(profile: CoachProfile, load: int, today: date) -> matching.CoachInput:
    return matching.CoachInput(
        id=profile.user_id,
        programmes=tuple(profile.programmes),
        languages=tuple((lang["code"], lang["level"]) for lang in profile.languages),
        municipality=profile.municipality_id,
        travel_radius_km=float(profile.travel_radius_km),
        online_ok=profile.online_ok,
        availability=time_ranges(profile.availability),
        capacity=profile.capacity,
        load=load,
        skills=tuple(profile.skills),
        gender=profile.gender,
        active=profile.is_active and profile.user.is_active and profile.onboarding_complete(today),
    )


def places() -> tuple[matching.Place, ...]:
    return tuple(
        matching.Place(pk, lat, lon)
        for pk, lat, lon in Municipality.objects.values_list("pk", "latitude", "longitude")
    )


def declined_pairs(request_ids) -> frozenset[tuple[int, int]]:
    """(request, coach) pairs a coach declined: never proposed again."""
    return frozenset(
        MatchProposal.objects.filter(
            request_id__in=request_ids, status=ProposalStatus.DECLINED
        ).values_list("request_id", "coach_id")
    )


def matching_input(requests: list[CoachingRequest], profiles: list[CoachProfile]):
    today = timezone.localdate()
    loads = coach_loads([p.user_id for p in profiles])
    return matching.MatchingInput(
        requests=tuple(engine_request(r) for r in requests),
        coaches=tuple(engine_coach(p, loads.get(p.user_id, 0), today) for p in profiles),
        places=places(),
        excluded_pairs=declined_pairs([r.pk for r in requests]),
    )


def open_requests(programme: str | None = None):
    queryset = CoachingRequest.objects.filter(status=RequestStatus.OPEN)
    if programme:
        queryset = queryset.filter(programme=programme)
    return queryset.order_by("pk")


def coach_profiles(programme: str | None = None) -> list[CoachProfile]:
    profiles = CoachProfile.objects.select_related("user").order_by("user_id")
    if programme:
        return [p for p in profiles if programme in p.programmes]
    return list(profiles)


# --- Figures for coordinators ----------------------------------------------------------------


def mentorship_figures() -> dict:
    """Duration and early endings of mentorships, and the milestones reached."""
    now = timezone.now()
    ended = list(
        Mentorship.objects.filter(ended_at__isnull=False).values(
            "started_at", "ended_at", "end_reason"
        )
    )
    durations = [(row["ended_at"] - row["started_at"]).days for row in ended if row["ended_at"]]
    early = [row for row in ended if row["end_reason"] not in SUCCESSFUL_ENDINGS]
    active = Mentorship.objects.filter(ended_at__isnull=True)
    active_days = [
        (now - started).days for started in active.values_list("started_at", flat=True) if started
    ]
    milestones = dict(
        Milestone.objects.values_list("kind").annotate(n=Count("pk")).order_by("kind")
    )
    return {
        "active": len(active_days),
        "ended": len(ended),
        "median_days_active": median(active_days) if active_days else None,
        "median_days_until_end": median(durations) if durations else None,
        "early_endings": len(early),
        "early_ending_rate": round(len(early) / len(ended), 3) if ended else None,
        "end_reasons": dict(Counter(row["end_reason"] for row in ended)),
        "milestones": milestones,
        "open_requests": CoachingRequest.objects.filter(status=RequestStatus.OPEN).count(),
    }


# --- What a coach sees before accepting -------------------------------------------------------


def first_name(person) -> str:
    """A person's first name, or nothing: never the email address, which is contact data."""
    parts = (person.full_name or "").split()
    return parts[0] if parts else ""


def before_accepting(request: CoachingRequest) -> dict:
    """What a coach may know of a learner before accepting: the first name and the
    needs, no contact details. The proposal pages and the API show exactly this
    (reads ``request.learner`` and ``request.municipality``: select them)."""
    return {
        "first_name": first_name(request.learner),
        "programme": request.programme,
        "goals": list(request.goals),
        "languages": list(request.languages),
        "german_level": request.german_level,
        "municipality_name": request.municipality.name,
        "availability": list(request.availability),
        "online_ok": request.online_ok,
        "care_facility": request.care_facility,
        "shift_pattern": request.shift_pattern,
        "notes": request.notes,
    }


# --- What the web pages show -----------------------------------------------------------------


def programmes_asked_for(learner) -> set[str]:
    """The programmes in which a learner has a request under way (at most one each)."""
    return set(
        CoachingRequest.objects.filter(
            learner=learner, status__in=ACTIVE_REQUEST_STATUSES
        ).values_list("programme", flat=True)
    )


def languages_of_learner(learner) -> list[str]:
    """The languages a learner told us they speak besides German: those of their
    latest coaching request, else the language they read Kurslotse in. The
    request form starts with them ticked, so nobody searches a long list for
    their own language twice."""
    latest = (
        CoachingRequest.objects.filter(learner=learner)
        .order_by("-created_at", "-pk")
        .values_list("languages", flat=True)
        .first()
    )
    if latest:
        return [code for code in latest if code in OTHER_LANGUAGE_CODES]
    own = getattr(learner, "preferred_language", "")
    return [own] if own in OTHER_LANGUAGE_CODES else []


def learner_active_requests(learner):
    """A learner's requests still under way, each with its coach and what comes next.

    For the learner's own page: the coach's name and contact once matched,
    upcoming meetings and milestones, all in a fixed number of queries.
    """
    now = timezone.now()
    return (
        CoachingRequest.objects.filter(learner=learner, status__in=ACTIVE_REQUEST_STATUSES)
        .select_related("municipality", "mentorship__coach")
        .prefetch_related(
            Prefetch(
                "mentorship__meetings",
                queryset=Meeting.objects.filter(
                    status=MeetingStatus.SCHEDULED, ends_at__gte=now
                ).order_by("starts_at", "pk"),
                to_attr="upcoming_meetings",
            ),
            "mentorship__milestones",
        )
        .order_by("created_at", "pk")
    )


def may_work_on(user, mentorship: Mentorship) -> bool:
    """Who works on a mentorship (meetings, notes, milestones, its end): its coach,
    while they hold the coach role, and coordinators. ``workable_mentorships`` is
    the same rule as a query; the services ask this one before every change."""
    if has_role(user, COORDINATOR):
        return True
    return has_role(user, COACH) and mentorship.coach_id == user.pk


def workable_mentorships(user):
    """Mentorships a person works on (``may_work_on``): a coach their own, coordinators all.

    Narrower than ``visible_mentorships``: a learner sees their coaching on
    their own page, never this working view with the coach's notes.
    """
    queryset = Mentorship.objects.select_related(
        "coach", "learner", "request__learner", "request__municipality"
    ).annotate(learner_shares_phone=_shares_phone())
    if has_role(user, COORDINATOR):
        return queryset
    if has_role(user, COACH):
        return queryset.filter(coach=user)
    return queryset.none()


def workable_meetings(user):
    """The meetings a person may move or cancel: those of ``workable_mentorships``
    (the pages and the API both load meetings through this)."""
    return Meeting.objects.filter(
        mentorship__in=workable_mentorships(user).values("pk")
    ).select_related("mentorship__learner", "mentorship__coach")


def coach_mentorships(coach):
    """A coach's mentees, running ones first, each with its upcoming meetings
    (show each learner through ``learner_as_seen_by``)."""
    return (
        Mentorship.objects.filter(coach=coach)
        .select_related("learner", "request__municipality")
        .annotate(learner_shares_phone=_shares_phone())
        .prefetch_related(
            Prefetch(
                "meetings",
                queryset=Meeting.objects.filter(
                    status=MeetingStatus.SCHEDULED, ends_at__gte=timezone.now()
                ).order_by("starts_at", "pk"),
                to_attr="upcoming_meetings",
            )
        )
        .order_by(F("ended_at").desc(nulls_first=True), "-started_at", "-pk")
    )


def proposals_awaiting_answer(coach):
    """Approved proposals the coach can still answer (not past their deadline)."""
    return (
        visible_proposals(coach)
        .filter(status=ProposalStatus.APPROVED)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .order_by("expires_at", "pk")
    )


def open_requests_overview(limit: int = 200):
    """Open requests, longest waiting first, for the coordinators' coaching page."""
    return (
        CoachingRequest.objects.filter(status=RequestStatus.OPEN)
        .select_related("learner", "municipality")
        .order_by("created_at", "pk")[:limit]
    )


def latest_unmatched_reasons(run: MatchingRun | None, request_ids) -> dict[int, list[dict]]:
    """Why each of these requests stayed unmatched in the given run (usually the latest)."""
    if run is None:
        return {}
    rows = UnmatchedRequest.objects.filter(run=run, request_id__in=list(request_ids))
    return dict(rows.values_list("request_id", "reasons"))


def proposals_with_status(status: str, limit: int = 100):
    return (
        MatchProposal.objects.filter(status=status)
        .select_related("request__learner", "request__municipality", "coach", "run")
        .order_by("created_at", "pk")[:limit]
    )


def coach_choices():
    """Coach profiles of active people who still hold the coach role, for a
    coordinator choosing a coach by hand (anyone else could never see the
    proposal, and the request would wait for nothing)."""
    return (
        CoachProfile.objects.filter(user__is_active=True, user__groups__name=COACH)
        .select_related("user", "municipality")
        .order_by("user__full_name", "user__email")
    )


# --- What Kurslotse stores about a person (GDPR Art. 15/20) -------------------------------


def _meetings(mentorship) -> list[dict]:
    return [
        {"starts_at": m.starts_at, "ends_at": m.ends_at, "place": m.place,
         "online_link": m.online_link, "status": m.status}
        for m in mentorship.meetings.all()
    ]  # fmt: skip


def _milestones(mentorship) -> list[dict]:
    return [
        {"kind": m.kind, "occurred_on": m.occurred_on, "note": m.note}
        for m in mentorship.milestones.all()
    ]


def personal_data_of(person) -> dict:
    """The ``coaching`` section of the export. As a learner: every coaching
    request with all it says, each mentorship with its coach, meetings,
    milestones and the coach's notes about the person. As a coach: the coach
    profile and the mentorships they coach (when and in which programme; their
    mentees' data is the mentees' own)."""
    requests = (
        CoachingRequest.objects.filter(learner=person)
        .select_related("municipality", "mentorship__coach")
        .prefetch_related("mentorship__meetings", "mentorship__milestones", "mentorship__notes")
        .order_by("created_at", "pk")
    )
    as_learner = []
    for request in requests:
        mentorship = getattr(request, "mentorship", None)
        as_learner.append(
            {
                "id": request.pk,
                "programme": request.programme,
                "goals": request.goals,
                "languages": request.languages,
                "german_level": request.german_level,
                "municipality": request.municipality.name,
                "availability": request.availability,
                "online_ok": request.online_ok,
                "coach_gender_preference": request.coach_gender_preference,
                "care_facility": request.care_facility,
                "shift_pattern": request.shift_pattern,
                "notes": request.notes,
                "status": request.status,
                "asked_on": request.created_at,
                "matched_on": request.matched_at,
                "closed_on": request.closed_at,
                "mentorship": None
                if mentorship is None
                else {
                    "coach": mentorship.coach.get_full_name() if mentorship.coach else None,
                    "started": mentorship.started_at,
                    "ended": mentorship.ended_at,
                    "end_reason": mentorship.end_reason,
                    "meetings": _meetings(mentorship),
                    "milestones": _milestones(mentorship),
                    "coach_notes": [
                        {"written_at": note.created_at, "text": note.text}
                        for note in mentorship.notes.all()
                    ],
                },
            }
        )
    profile = CoachProfile.objects.filter(user=person).select_related("municipality").first()
    coaching = Mentorship.objects.filter(coach=person).select_related("request")
    return {
        "requests": as_learner,
        "coach_profile": None
        if profile is None
        else {
            "programmes": profile.programmes,
            "languages": profile.languages,
            "municipality": profile.municipality.name,
            "travel_radius_km": profile.travel_radius_km,
            "online_ok": profile.online_ok,
            "availability": profile.availability,
            "capacity": profile.capacity,
            "skills": profile.skills,
            "gender": profile.gender,
            "active": profile.is_active,
            "volunteer": profile.is_volunteer,
            "volunteer_agreement_signed": profile.volunteer_agreement_signed,
            "police_certificate_seen_on": profile.police_certificate_seen_on,
        },
        "mentorships_as_coach": [
            {"programme": m.request.programme, "started": m.started_at, "ended": m.ended_at}
            for m in coaching.order_by("started_at", "pk")
        ],
    }
