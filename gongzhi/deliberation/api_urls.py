from django.urls import path

from . import api

app_name = "deliberation_api"
urlpatterns = [
    path("topics/", api.TopicListCreateView.as_view(), name="topics"),
    path("topics/<int:pk>/", api.TopicDetailView.as_view(), name="topic"),
    *[
        path(f"topics/<int:pk>/actions/{name}/", view.as_view(), name=f"topic-{name}")
        for name, view in api.TOPIC_ACTIONS.items()
    ],
    path("topics/<int:pk>/cosign/", api.CosignView.as_view(), name="topic-cosign"),
    path("topics/<int:pk>/opinions/", api.OpinionListCreateView.as_view(), name="topic-opinions"),
    path(
        "topics/<int:pk>/offline-opinions/", api.OfflineOpinionView.as_view(), name="topic-offline-opinions"
    ),
    path("topics/<int:pk>/resolution/", api.ResolutionView.as_view(), name="topic-resolution"),
    path("topics/<int:pk>/tasks/", api.TaskCreateView.as_view(), name="topic-tasks"),
    path("opinions/<int:pk>/hide/", api.HideOpinionView.as_view(), name="opinion-hide"),
    path("meetings/", api.MeetingListCreateView.as_view(), name="meetings"),
    path("meetings/<int:pk>/", api.MeetingDetailView.as_view(), name="meeting"),
    path("meetings/<int:pk>/notice/", api.MeetingNoticeView.as_view(), name="meeting-notice"),
    path("meetings/<int:pk>/register/", api.MeetingRegisterView.as_view(), name="meeting-register"),
    path("meetings/<int:pk>/sign-in/", api.MeetingSignInView.as_view(), name="meeting-sign-in"),
    path(
        "meetings/<int:pk>/participants/", api.MeetingParticipantView.as_view(), name="meeting-participants"
    ),
    path("meetings/<int:pk>/close/", api.MeetingCloseView.as_view(), name="meeting-close"),
    path("participants/<int:pk>/sign-in/", api.ParticipantSignInView.as_view(), name="participant-sign-in"),
    path("registers/", api.OwnerRegisterView.as_view(), name="registers"),
    path("votes/", api.VoteListCreateView.as_view(), name="votes"),
    path("votes/<int:pk>/", api.VoteDetailView.as_view(), name="vote"),
    path("votes/<int:pk>/electors/", api.ElectorListView.as_view(), name="vote-electors"),
    path("votes/<int:pk>/electors/<int:elector_id>/", api.ElectorDetailView.as_view(), name="vote-elector"),
    path("votes/<int:pk>/open/", api.VoteOpenView.as_view(), name="vote-open"),
    path("votes/<int:pk>/close/", api.VoteCloseView.as_view(), name="vote-close"),
    path("votes/<int:pk>/ballots/", api.BallotView.as_view(), name="vote-ballots"),
    path("votes/<int:pk>/paper-ballots/", api.PaperBallotView.as_view(), name="vote-paper-ballots"),
    path("results/", api.ResultListView.as_view(), name="results"),
    path("results/<int:pk>/", api.ResultDetailView.as_view(), name="result"),
    path("tasks/<int:pk>/progress/", api.TaskProgressView.as_view(), name="task-progress"),
]
