"""Routes of the mobile API, version 1. Later capabilities add their routes here."""
from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from mobile_api.v1 import auth, campaigns, drafts, figures, guidelines, integrations, me, notifications, shares, signals, stories

app_name = "v1"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("auth/token/", auth.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/oidc/", auth.OidcTokenView.as_view(), name="token-oidc"),  # issue 17
    path("auth/token/refresh/", auth.TokenRefreshRotateView.as_view(), name="token-refresh"),
    path("auth/logout/", auth.LogoutView.as_view(), name="logout"),
    path("me/", me.MeView.as_view(), name="me"),
    # listening
    path("signals/", signals.SignalCreateView.as_view(), name="signal-create"),
    path("signals/mine/", signals.MySignalsView.as_view(), name="signal-mine"),
    path("signals/preview/", signals.SignalPreviewView.as_view(), name="signal-preview"),
    path("signals/figures/", signals.SignalFiguresView.as_view(), name="signal-figures"),
    path("signals/<int:pk>/", signals.SignalDetailView.as_view(), name="signal-detail"),
    path("signals/<int:pk>/claim/", signals.SignalClaimView.as_view(), name="signal-claim"),
    path("signals/<int:pk>/transitions/", signals.SignalTransitionView.as_view(), name="signal-transition"),
    path("signals/<int:pk>/notes/", signals.SignalNoteView.as_view(), name="signal-note"),
    path("signals/<int:pk>/reroute/", signals.SignalRerouteView.as_view(), name="signal-reroute"),
    path("signals/<int:pk>/withdraw/", signals.SignalWithdrawView.as_view(), name="signal-withdraw"),
    path("signals/<int:pk>/contact/", signals.SignalContactView.as_view(), name="signal-contact"),
    path("queues/", signals.QueueListView.as_view(), name="queue-list"),
    path("queues/<int:pk>/signals/", signals.QueueSignalsView.as_view(), name="queue-signals"),
    # notifications
    path("devices/", notifications.DeviceView.as_view(), name="devices"),
    path("devices/<int:pk>/", notifications.DeviceDetailView.as_view(), name="device-detail"),
    path("notifications/", notifications.InboxView.as_view(), name="notification-inbox"),
    path("notifications/read-all/", notifications.MarkAllReadView.as_view(), name="notification-read-all"),
    path("notifications/preferences/", notifications.PreferencesView.as_view(), name="notification-preferences"),
    path("notifications/<int:pk>/read/", notifications.MarkReadView.as_view(), name="notification-read"),
    path("ws-ticket/", notifications.WsTicketView.as_view(), name="ws-ticket"),
    # sharing
    path("feed/", stories.FeedView.as_view(), name="feed"),
    path("stories/", stories.StoryListCreateView.as_view(), name="story-list"),
    path("stories/<int:pk>/", stories.StoryDetailView.as_view(), name="story-detail"),
    path("stories/<int:pk>/schedule/", stories.StoryScheduleView.as_view(), name="story-schedule"),
    path("stories/<int:pk>/archive/", stories.StoryArchiveView.as_view(), name="story-archive"),
    path("stories/<int:pk>/shares/", shares.ShareCreateView.as_view(), name="story-share"),
    path("stories/<int:pk>/reactions/", shares.ReactionCreateView.as_view(), name="story-reaction"),
    path("campaigns/", campaigns.CampaignListCreateView.as_view(), name="campaign-list"),
    path("campaigns/<int:pk>/", campaigns.CampaignDetailView.as_view(), name="campaign-detail"),
    path("campaigns/<int:pk>/archive/", campaigns.CampaignArchiveView.as_view(), name="campaign-archive"),
    path("drafts/", drafts.DraftListCreateView.as_view(), name="draft-list"),
    path("drafts/<int:pk>/", drafts.DraftDetailView.as_view(), name="draft-detail"),
    path("drafts/<int:pk>/review/", drafts.DraftReviewView.as_view(), name="draft-review"),
    path("guidelines/", guidelines.GuidelinesView.as_view(), name="guidelines"),
    path("guidelines/accept/", guidelines.GuidelinesAcceptView.as_view(), name="guidelines-accept"),
    path("me/figures/", figures.MyFiguresView.as_view(), name="my-figures"),
    path("figures/sharing/", figures.SharingFiguresView.as_view(), name="sharing-figures"),
    path("figures/sharing/export/", figures.SharingFiguresExportView.as_view(), name="sharing-figures-export"),
    path("leaderboard/", figures.LeaderboardView.as_view(), name="leaderboard"),
    path("integrations/<slug:connection_key>/events/", integrations.IntegrationEventView.as_view(),
         name="integration-events"),  # issue 18
]
