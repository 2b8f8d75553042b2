"""Coaching's status choices for every template, so pages compare
``proposal.status == ProposalStatus.PROPOSED`` instead of a string."""

from .constants import MeetingStatus, ProposalStatus, RequestStatus


def statuses(request) -> dict:
    return {
        "MeetingStatus": MeetingStatus,
        "ProposalStatus": ProposalStatus,
        "RequestStatus": RequestStatus,
    }
