from django.urls import path

from . import views

app_name = "deliberation"
urlpatterns = [
    path("", views.topic_list, name="topics"),
    path("results/", views.results, name="results"),
    path("manage/", views.manage, name="manage"),
    path("registers/new/", views.register_new, name="register_new"),
    path("topics/new/", views.topic_new, name="topic_new"),
    path("topics/<int:pk>/", views.topic_detail, name="topic"),
    path("topics/<int:pk>/cosign/", views.cosign, name="cosign"),
    path("topics/<int:pk>/bases/", views.set_bases, name="set_bases"),
    path("topics/<int:pk>/opinions/", views.opinion, name="opinion"),
    path("topics/<int:pk>/offline-opinions/", views.offline_opinion, name="offline_opinion"),
    path("topics/<int:pk>/opinions/<int:opinion_id>/hide/", views.hide_opinion, name="hide_opinion"),
    path("topics/<int:pk>/actions/<str:action>/", views.advance, name="advance"),
    path("topics/<int:pk>/meetings/", views.meeting_new, name="meeting_new"),
    path("topics/<int:pk>/votes/", views.vote_new, name="vote_new"),
    path("topics/<int:pk>/resolution/", views.resolution, name="resolution"),
    path("topics/<int:pk>/tasks/", views.task_new, name="task_new"),
    path("tasks/<int:task_id>/progress/", views.task_progress, name="task_progress"),
    path("votes/<int:vote_id>/electors/", views.electors_add, name="electors_add"),
    path(
        "votes/<int:vote_id>/electors/<int:elector_id>/remove/", views.elector_remove, name="elector_remove"
    ),
    path("votes/<int:vote_id>/open/", views.vote_open, name="vote_open"),
    path("votes/<int:vote_id>/close/", views.vote_close, name="vote_close"),
    path("votes/<int:vote_id>/ballot/", views.ballot, name="ballot"),
    path("votes/<int:vote_id>/paper/", views.paper_ballot, name="paper_ballot"),
    path("ballots/<int:ballot_id>/proxy-document/", views.proxy_document, name="proxy_document"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/notice/", views.meeting_notice, name="meeting_notice"),
    path("meetings/<int:pk>/register/", views.meeting_register, name="meeting_register"),
    path("meetings/<int:pk>/sign-in/", views.meeting_sign_in, name="meeting_sign_in"),
    path("meetings/<int:pk>/participants/", views.meeting_participant, name="meeting_participant"),
    path(
        "meetings/<int:pk>/participants/<int:participant_id>/sign-in/",
        views.participant_sign_in,
        name="participant_sign_in",
    ),
    path("meetings/<int:pk>/close/", views.meeting_close, name="meeting_close"),
]
