"""What sharing tells people: outbox notifications (same transaction) and live events (after
commit). Services call these; nothing here decides business rules."""
from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from backend.people.models import Profile, Role, User
from backend.sharing.models import DraftDecision, Story, StoryDraft
from notifications.live import user_group
from notifications.models import Category
from notifications.services import Draft, LiveDraft, WebhookDraft, notify, outbox_write

# Titles are lazy: the outbox writes each one in its recipient's language.
_DECISION_TITLE = {
    DraftDecision.APPROVE: _("Your story was approved"),
    DraftDecision.REQUEST_CHANGES: _("Your story needs a few changes"),
    DraftDecision.DECLINE: _("Your story was not accepted"),
}


def story_published(story: Story, *, user_ids: list[int]) -> None:
    """A new story for its audience, each person in their language version where the story has one;
    through the outbox, so preferences and the daily cap apply;
    and for the webhooks that want `story.published` (marketing's tools, issue 18)."""
    languages = dict(Profile.objects.filter(user_id__in=user_ids).values_list("user_id", "language"))

    def draft(uid: int) -> Draft:
        version = story.version_in(languages.get(uid, story.language))
        return Draft(
            user_id=uid, type="story.published", category=Category.NEW_STORIES,
            title=version.get("title") or story.title, body=(version.get("summary") or story.summary)[:140],
            data={"type": "story", "id": str(story.pk)}, collapse_key=f"story-{story.pk}",
        )

    outbox_write(
        drafts=[draft(uid) for uid in user_ids],
        webhooks=[WebhookDraft(type="story.published", ordering_key=f"story:{story.pk}", payload={
            "story_id": story.pk, "type": story.type, "language": story.language, "title": story.title,
            "summary": story.summary, "url": story.url, "campaign_id": story.campaign_id,
            "published_at": story.published_at.isoformat() if story.published_at else None,
        })],
    )


def draft_submitted(draft: StoryDraft) -> None:
    """A draft waits for review: tell the editors."""
    editors = User.objects.filter(role=Role.EDITOR, is_active=True).values_list("pk", flat=True)
    name = getattr(getattr(draft.author, "profile", None), "display_name", "") or _("A colleague")
    notify(
        Draft(
            user_id=uid, type="draft.submitted", category=Category.DRAFTS,
            title=format_lazy(_("{name} wrote a story for review"), name=name), body=draft.title[:140],
            data={"type": "draft", "id": str(draft.pk)}, collapse_key=f"draft-{draft.pk}",
        )
        for uid in editors if uid != draft.author_id
    )


def draft_reviewed(draft: StoryDraft, *, decision: str, comment: str) -> None:
    """The author hears the decision and the editor's words."""
    outbox_write(
        drafts=[Draft(
            user_id=draft.author_id, type="draft.reviewed", category=Category.DRAFTS,
            title=_DECISION_TITLE[DraftDecision(decision)], body=comment[:500],
            data={"type": "draft", "id": str(draft.pk)}, collapse_key=f"draft-{draft.pk}",
        )],
        live=[LiveDraft(user_group(draft.author_id), "draft.reviewed",
                        {"id": draft.pk, "status": draft.status, "decision": decision})],
    )
