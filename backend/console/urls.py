"""The web console, mounted at /console/ on the same ASGI application as the API and websocket."""
from django.urls import path
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from backend.console import oidc
from backend.console.views import common, editor, insights, models, queues, unsubscribe, webhooks

app_name = "console"

urlpatterns = [
    path("", common.home, name="home"),
    path("login/", common.LoginView.as_view(), name="login"),
    # Issue 17: the log-out also ends the identity provider's session when the person signed in there.
    path("logout/", oidc.ConsoleLogoutView.as_view(), name="logout"),
    path("oidc/login/", oidc.SsoStartView.as_view(), name="oidc-login"),
    path("oidc/callback/", OIDCAuthenticationCallbackView.as_view(), name="oidc-callback"),
    path("language/", common.language_set, name="language"),
    path("ws-ticket/", common.ws_ticket, name="ws-ticket"),
    # queues and signals
    path("queues/", queues.queue_index, name="queues"),
    path("queues/<int:team_id>/", queues.queue_page, name="queue"),
    path("queues/<int:team_id>/list/", queues.queue_fragment, name="queue-list"),
    path("triage/", queues.triage_page, name="triage"),
    path("triage/list/", queues.triage_fragment, name="triage-list"),
    path("signals/<int:signal_id>/", queues.signal_detail, name="signal"),
    path("signals/<int:signal_id>/claim/", queues.signal_claim, name="signal-claim"),
    path("signals/<int:signal_id>/transition/", queues.signal_transition, name="signal-transition"),
    path("signals/<int:signal_id>/note/", queues.signal_note, name="signal-note"),
    path("signals/<int:signal_id>/reroute/", queues.signal_reroute, name="signal-reroute"),
    # editors
    path("stories/", editor.story_index, name="stories"),
    path("stories/new/", editor.story_new, name="story-new"),
    path("stories/<int:story_id>/", editor.story_detail, name="story"),
    path("stories/<int:story_id>/schedule/", editor.story_schedule, name="story-schedule"),
    path("stories/<int:story_id>/archive/", editor.story_archive, name="story-archive"),
    path("campaigns/", editor.campaign_index, name="campaigns"),
    path("campaigns/<int:campaign_id>/", editor.campaign_detail, name="campaign"),
    path("campaigns/<int:campaign_id>/archive/", editor.campaign_archive, name="campaign-archive"),
    path("drafts/", editor.draft_index, name="drafts"),
    path("drafts/<int:draft_id>/review/", editor.draft_review, name="draft-review"),
    path("figures/", editor.figures, name="figures"),
    path("figures/export.csv", editor.figures_export, name="figures-export"),
    # what customers tell our staff
    path("insights/", insights.insights_page, name="insights"),
    path("insights/signals/", insights.insights_drill, name="insights-drill"),
    # webhooks of a team (issue 18)
    path("webhooks/", webhooks.webhooks_page, name="webhooks"),
    path("unsubscribe/<slug:kind>/<str:token>/", unsubscribe.email_unsubscribe, name="email-unsubscribe"),
    path("webhooks/<int:subscription_id>/toggle/", webhooks.webhook_toggle, name="webhook-toggle"),
    path("webhooks/<int:subscription_id>/rotate/", webhooks.webhook_rotate, name="webhook-rotate"),
    path("webhooks/deliveries/<int:delivery_id>/resend/", webhooks.webhook_resend, name="webhook-resend"),
    # issue 19: which router model routes, and why each retrain was promoted or refused
    path("models/", models.model_versions, name="models"),
]
