"""Row locks for coaching, in the one order every path shares.

As for courses (see ``courses/locking.py``): a transaction takes its locks
parent first, then children, each kind in ascending id order —

    coaching request → its proposals → its mentorship → the mentorship's meetings.

``close_request`` locks the request and then supersedes its proposals; if
answering a proposal locked the proposal and then updated its request, the
two would deadlock. So every helper here reads the parent's id without a
lock, locks the parent, and only then locks and reads the row itself.
"""

from .models import CoachingRequest, MatchProposal, Meeting, Mentorship


def lock_request(request_id: int) -> CoachingRequest:
    return CoachingRequest.objects.select_for_update().get(pk=request_id)


def lock_proposal(proposal_id: int) -> MatchProposal:
    """The proposal's request, then the proposal (with that request, read fresh)."""
    request_id = MatchProposal.objects.values_list("request_id", flat=True).get(pk=proposal_id)
    request = lock_request(request_id)
    proposal = MatchProposal.objects.select_for_update().get(pk=proposal_id)
    proposal.request = request
    return proposal


def lock_mentorship(mentorship_id: int) -> Mentorship:
    """The mentorship's request, then the mentorship."""
    request_id = Mentorship.objects.values_list("request_id", flat=True).get(pk=mentorship_id)
    request = lock_request(request_id)
    mentorship = Mentorship.objects.select_for_update().get(pk=mentorship_id)
    mentorship.request = request
    return mentorship


def lock_meeting(meeting_id: int) -> Meeting:
    """The meeting's mentorship (and request), then the meeting."""
    mentorship_id = Meeting.objects.values_list("mentorship_id", flat=True).get(pk=meeting_id)
    mentorship = lock_mentorship(mentorship_id)
    meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
    meeting.mentorship = mentorship
    return meeting
