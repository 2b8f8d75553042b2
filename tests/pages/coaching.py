"""Coaching pages: learners ask for a coach, coaches answer and keep their
mentorships, coordinators match and approve. Someone else's object is 404."""

import datetime as dt

from django.utils import timezone

from accounts.roles import COACH, COORDINATOR, DATA_PROTECTION_OFFICER, LEARNER, TEACHER

from ..factories import municipality
from .table import DENIED, HIDDEN, LOGIN, OK, PageRow, only

STAFF = (COACH, COORDINATOR)


def c(w, key):
    return w.coaching[key].pk


def hidden_from_coach() -> dict:
    """Another coach's object: the coach gets 404, the office sees it, learners lack the role."""
    return {"anonymous": LOGIN, LEARNER: DENIED, COACH: HIDDEN, COORDINATOR: OK, TEACHER: DENIED,
            DATA_PROTECTION_OFFICER: DENIED}  # fmt: skip


def own_open_request(w):
    """An open request of the world's learner (their matched one cannot be withdrawn)."""
    from coaching.models import CoachingRequest

    return CoachingRequest.objects.create(
        learner=w.users[LEARNER], created_by=w.users[LEARNER], programme="care_language",
        languages=["ar"], german_level="A2", municipality=municipality(),
        care_facility="Pflegeheim am Park",
        availability=[{"weekday": 1, "start": "09:00", "end": "11:00"}],
    )  # fmt: skip


def others_meeting(w):
    from coaching.models import Meeting

    start = timezone.now() + dt.timedelta(days=2)
    return Meeting.objects.create(
        mentorship=w.coaching["others_mentorship"], starts_at=start,
        ends_at=start + dt.timedelta(hours=1), place="Bücherei",
    )  # fmt: skip


def a_run(w):
    from coaching.services import start_matching_run

    return start_matching_run(by=w.users[COORDINATOR]).pk


def meeting_data(w, role):
    day = timezone.localdate() + dt.timedelta(days=5)
    return {"date": day.isoformat(), "start": "10:00", "end": "11:00", "place": "Rathaus",
            "online_link": ""}  # fmt: skip


def profile_data(w, role):
    return {
        "programmes": ["jobcoaching"], "lang_0_code": "ar", "lang_0_level": "fluent",
        "municipality": municipality().pk, "travel_radius_km": "15", "capacity": "3",
        "slot_0_day": "2", "slot_0_start": "17:00", "slot_0_end": "19:00", "is_active": "on",
    }  # fmt: skip


def request_data(w, role):
    # The world's learner already has a jobcoach; one request per programme, so the
    # other programme.
    return {
        "programme": "care_language", "care_facility": "Haus der Pflege",
        "languages": ["ar"], "german_level": "A2",
        "municipality": municipality().pk, "slot_0_day": "0", "slot_0_start": "09:00",
        "slot_0_end": "11:00",
    }  # fmt: skip


ROWS = [
    # Learners
    PageRow("my coaching", "get", lambda w: "/coaching/", only(LEARNER), route="coaching:mine"),
    PageRow("ask for a coach", "post", lambda w: "/coaching/", only(LEARNER),
            route="coaching:mine", data=request_data),
    PageRow("withdraw own request", "post",
            lambda w: f"/coaching/requests/{own_open_request(w).pk}/close/",
            only(LEARNER, COORDINATOR), route="coaching:request_close"),
    PageRow("withdraw someone else's request", "post",
            lambda w: f"/coaching/requests/{c(w, 'others_request')}/close/",
            only(COORDINATOR, other=DENIED) | {LEARNER: HIDDEN}, route="coaching:request_close"),
    # Coaches: proposals
    PageRow("proposals to me", "get", lambda w: "/coach/proposals/", only(COACH),
            route="coaching:proposals"),
    PageRow("accept a proposal to me", "post",
            lambda w: f"/coach/proposals/{c(w, 'to_coach')}/accept/", only(COACH),
            route="coaching:proposal_accept"),
    PageRow("accept another coach's proposal", "post",
            lambda w: f"/coach/proposals/{c(w, 'to_other')}/accept/",
            only(COACH) | {COACH: HIDDEN}, route="coaching:proposal_accept"),
    PageRow("decline form", "get", lambda w: f"/coach/proposals/{c(w, 'declinable')}/decline/",
            only(COACH), route="coaching:proposal_decline"),
    PageRow("decline with a reason", "post",
            lambda w: f"/coach/proposals/{c(w, 'declinable')}/decline/", only(COACH),
            route="coaching:proposal_decline", data=lambda w, role: {"reason": "Keine Zeit"}),
    PageRow("decline another coach's proposal", "get",
            lambda w: f"/coach/proposals/{c(w, 'to_other')}/decline/",
            only(COACH) | {COACH: HIDDEN}, route="coaching:proposal_decline"),
    # Coaches: mentorships
    PageRow("my mentees", "get", lambda w: "/coach/mentees/", only(COACH),
            route="coaching:mentees"),
    PageRow("my coach profile", "get", lambda w: "/coach/profile/", only(COACH),
            route="coaching:coach_profile"),
    PageRow("save my coach profile", "post", lambda w: "/coach/profile/", only(COACH),
            route="coaching:coach_profile", data=profile_data),
    PageRow("own mentorship", "get", lambda w: f"/mentorships/{c(w, 'mentorship')}/",
            only(*STAFF), route="coaching:mentorship"),
    PageRow("someone else's mentorship", "get",
            lambda w: f"/mentorships/{c(w, 'others_mentorship')}/", hidden_from_coach(),
            route="coaching:mentorship"),
    PageRow("meeting form", "get", lambda w: f"/mentorships/{c(w, 'mentorship')}/meetings/new/",
            only(*STAFF), route="coaching:meeting_create"),
    PageRow("schedule a meeting", "post",
            lambda w: f"/mentorships/{c(w, 'mentorship')}/meetings/new/", only(*STAFF),
            route="coaching:meeting_create", data=meeting_data),
    PageRow("schedule in someone else's mentorship", "post",
            lambda w: f"/mentorships/{c(w, 'others_mentorship')}/meetings/new/",
            hidden_from_coach(), route="coaching:meeting_create", data=meeting_data),
    PageRow("move form", "get", lambda w: f"/meetings/{c(w, 'meeting')}/move/", only(*STAFF),
            route="coaching:meeting_move"),
    PageRow("move a meeting", "post", lambda w: f"/meetings/{c(w, 'meeting')}/move/",
            only(*STAFF), route="coaching:meeting_move", data=meeting_data),
    PageRow("move someone else's meeting", "post",
            lambda w: f"/meetings/{others_meeting(w).pk}/move/", hidden_from_coach(),
            route="coaching:meeting_move", data=meeting_data),
    PageRow("cancel confirmation", "get", lambda w: f"/meetings/{c(w, 'meeting')}/cancel/",
            only(*STAFF), route="coaching:meeting_cancel"),
    PageRow("cancel a meeting", "post", lambda w: f"/meetings/{c(w, 'meeting')}/cancel/",
            only(*STAFF), route="coaching:meeting_cancel"),
    PageRow("cancel someone else's meeting", "post",
            lambda w: f"/meetings/{others_meeting(w).pk}/cancel/", hidden_from_coach(),
            route="coaching:meeting_cancel"),
    PageRow("add a note", "post", lambda w: f"/mentorships/{c(w, 'mentorship')}/notes/",
            only(*STAFF), route="coaching:note_add",
            data=lambda w, role: {"text": "Lebenslauf begonnen."}),
    PageRow("add a note to someone else's mentee", "post",
            lambda w: f"/mentorships/{c(w, 'others_mentorship')}/notes/", hidden_from_coach(),
            route="coaching:note_add", data=lambda w, role: {"text": "Hallo"}),
    PageRow("record a milestone", "post",
            lambda w: f"/mentorships/{c(w, 'mentorship')}/milestones/", only(*STAFF),
            route="coaching:milestone_add",
            data=lambda w, role: {"kind": "application_sent",
                                  "occurred_on": timezone.localdate().isoformat(), "note": ""}),
    # The office reads a coach's words but does not rewrite them: not its note, 404.
    PageRow("change one's note", "get",
            lambda w: f"/mentorships/{c(w, 'mentorship')}/notes/{c(w, 'note')}/",
            {**only(*STAFF), COORDINATOR: HIDDEN}, route="coaching:note_edit"),
    PageRow("save one's note", "post",
            lambda w: f"/mentorships/{c(w, 'mentorship')}/notes/{c(w, 'note')}/",
            {**only(*STAFF), COORDINATOR: HIDDEN}, route="coaching:note_edit",
            data=lambda w, role: {"text": "Erstes Treffen, Lebenslauf besprochen."}),
    PageRow("change a note of someone else's mentee", "get",
            lambda w: f"/mentorships/{c(w, 'others_mentorship')}/notes/{c(w, 'others_note')}/",
            {**hidden_from_coach(), COORDINATOR: HIDDEN}, route="coaching:note_edit"),
    PageRow("correct a milestone", "get",
            lambda w: f"/mentorships/{c(w, 'mentorship')}/milestones/{c(w, 'milestone')}/",
            only(*STAFF), route="coaching:milestone_edit"),
    PageRow("save a milestone", "post",
            lambda w: f"/mentorships/{c(w, 'mentorship')}/milestones/{c(w, 'milestone')}/",
            only(*STAFF), route="coaching:milestone_edit",
            data=lambda w, role: {"kind": "interview",
                                  "occurred_on": timezone.localdate().isoformat(), "note": ""}),
    PageRow("end confirmation", "get", lambda w: f"/mentorships/{c(w, 'mentorship')}/end/",
            only(*STAFF), route="coaching:mentorship_end"),
    PageRow("end a mentorship", "post", lambda w: f"/mentorships/{c(w, 'mentorship')}/end/",
            only(*STAFF), route="coaching:mentorship_end",
            data=lambda w, role: {"reason": "job_found"}),
    PageRow("end someone else's mentorship", "post",
            lambda w: f"/mentorships/{c(w, 'others_mentorship')}/end/", hidden_from_coach(),
            route="coaching:mentorship_end", data=lambda w, role: {"reason": "job_found"}),
    # Coordinators
    PageRow("coaching requests", "get", lambda w: "/manage/coaching/", only(COORDINATOR),
            route="coaching:requests"),
    PageRow("run matching", "post", lambda w: "/manage/coaching/run/", only(COORDINATOR),
            route="coaching:run_matching", data=lambda w, role: {"programme": ""}),
    PageRow("a matching run", "get", lambda w: f"/manage/coaching/runs/{a_run(w)}/",
            only(COORDINATOR), route="coaching:run"),
    PageRow("approve all of a run", "post",
            lambda w: f"/manage/coaching/runs/{a_run(w)}/approve/", only(COORDINATOR),
            route="coaching:run_approve_all"),
    PageRow("approve a proposal", "post",
            lambda w: f"/manage/coaching/proposals/{c(w, 'waiting')}/approve/",
            only(COORDINATOR), route="coaching:proposal_approve"),
    PageRow("propose by hand: form", "get",
            lambda w: f"/manage/coaching/requests/{c(w, 'open_request')}/propose/",
            only(COORDINATOR), route="coaching:propose"),
    PageRow("propose by hand", "post",
            lambda w: f"/manage/coaching/requests/{c(w, 'open_request')}/propose/",
            only(COORDINATOR), route="coaching:propose",
            data=lambda w, role: {"coach": w.coaching["other_coach"].coach_profile.pk,
                                  "override": "on"}),
]  # fmt: skip
