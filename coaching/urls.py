"""Web pages of the coaching app (the API is in api.py / backend/api_urls.py)."""

from django.urls import path

from . import views

app_name = "coaching"

urlpatterns = [
    # Learners
    path("coaching/", views.MyCoachingView.as_view(), name="mine"),
    path("coaching/requests/<int:pk>/close/", views.RequestCloseView.as_view(),
         name="request_close"),
    # Coaches
    path("coach/proposals/", views.ProposalsView.as_view(), name="proposals"),
    path("coach/proposals/<int:pk>/accept/", views.ProposalAcceptView.as_view(),
         name="proposal_accept"),
    path("coach/proposals/<int:pk>/decline/", views.ProposalDeclineView.as_view(),
         name="proposal_decline"),
    path("coach/mentees/", views.MenteesView.as_view(), name="mentees"),
    path("coach/profile/", views.CoachProfileView.as_view(), name="coach_profile"),
    path("mentorships/<int:pk>/", views.MentorshipView.as_view(), name="mentorship"),
    path("mentorships/<int:pk>/meetings/new/", views.MeetingCreateView.as_view(),
         name="meeting_create"),
    path("mentorships/<int:pk>/notes/", views.NoteAddView.as_view(), name="note_add"),
    path("mentorships/<int:pk>/milestones/", views.MilestoneAddView.as_view(),
         name="milestone_add"),
    path("mentorships/<int:pk>/notes/<int:record_id>/", views.NoteEditView.as_view(),
         name="note_edit"),
    path("mentorships/<int:pk>/milestones/<int:record_id>/", views.MilestoneEditView.as_view(),
         name="milestone_edit"),
    path("mentorships/<int:pk>/end/", views.MentorshipEndView.as_view(), name="mentorship_end"),
    path("meetings/<int:pk>/move/", views.MeetingMoveView.as_view(), name="meeting_move"),
    path("meetings/<int:pk>/cancel/", views.MeetingCancelView.as_view(), name="meeting_cancel"),
    # Coordinators
    path("manage/coaching/", views.RequestsView.as_view(), name="requests"),
    path("manage/coaching/run/", views.RunMatchingView.as_view(), name="run_matching"),
    path("manage/coaching/runs/<int:pk>/", views.RunView.as_view(), name="run"),
    path("manage/coaching/runs/<int:pk>/approve/", views.RunApproveAllView.as_view(),
         name="run_approve_all"),
    path("manage/coaching/proposals/<int:pk>/approve/", views.ProposalApproveView.as_view(),
         name="proposal_approve"),
    path("manage/coaching/requests/<int:pk>/propose/", views.ProposeView.as_view(),
         name="propose"),
]  # fmt: skip
