"""Employee drafts and their editorial review: who may see and review what, the workflow, and
who is told."""
from __future__ import annotations

import pytest

from backend.sharing.models import DraftReview, Story, StoryDraft
from notifications.models import Notification
from tests.factories import StoryDraftFactory, StoryFactory, StoryTargetFactory

pytestmark = pytest.mark.django_db


def review(client, draft_id, decision, comment=""):
    return client.post(f"/api/v1/drafts/{draft_id}/review/", {"decision": decision, "comment": comment},
                       format="json")


def test_an_employee_submits_a_draft_and_the_editors_are_told(bank, client_for) -> None:
    story = StoryFactory.create(created_by=bank.mark)  # mark is the only editor

    response = client_for(bank.emma).post("/api/v1/drafts/", {
        "title": "Our team at the marathon", "text": "Twelve colleagues ran for charity.", "language": "nl",
        "responds_to": story.id,
    }, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["author"]["id"], body["responds_to"], body["story"]) == (
        "submitted", bank.emma.id, story.id, None)
    told = Notification.objects.filter(type="draft.submitted")
    assert list(told.values_list("user_id", "category")) == [(bank.mark.id, "drafts")]


def test_people_see_only_their_own_drafts_and_editors_see_all(bank, client_for) -> None:
    mine = StoryDraftFactory.create(author=bank.emma)
    theirs = StoryDraftFactory.create(author=bank.lars)

    emma = [d["id"] for d in client_for(bank.emma).get("/api/v1/drafts/").json()["results"]]
    mark = [d["id"] for d in client_for(bank.mark).get("/api/v1/drafts/?status=submitted").json()["results"]]

    assert emma == [mine.id]
    assert sorted(mark) == sorted([mine.id, theirs.id])
    assert client_for(bank.emma).get(f"/api/v1/drafts/{theirs.id}/").status_code == 404
    assert client_for(bank.emma).patch(f"/api/v1/drafts/{theirs.id}/", {"title": "x"}, format="json").status_code == 404


def test_only_editors_review(bank, client_for) -> None:
    draft = StoryDraftFactory.create(author=bank.lars)

    for person in (bank.emma, bank.lars, bank.sam, bank.olga):
        assert review(client_for(person), draft.id, "approve").status_code == 403

    draft.refresh_from_db()
    assert draft.status == "submitted" and DraftReview.objects.count() == 0 and Story.objects.count() == 0


def test_request_changes_then_resubmit_then_approve(bank, client_for) -> None:
    draft = StoryDraftFactory.create(author=bank.emma, title="Scoreboard")
    editor, author = client_for(bank.mark), client_for(bank.emma)

    no_reason = review(editor, draft.id, "request_changes")
    changes = review(editor, draft.id, "request_changes", "Add a photo, please")
    revised = author.patch(f"/api/v1/drafts/{draft.id}/", {"photo_url": "https://bank.example/p.jpg"}, format="json")
    approved = review(editor, draft.id, "approve", "Lovely")
    twice = review(editor, draft.id, "decline", "changed my mind")

    assert no_reason.status_code == 400 and no_reason.json()["error"]["fields"] == {
        "comment": ["Verplicht bij het vragen om wijzigingen of afwijzen."]}  # Mark reads Dutch
    assert changes.json()["status"] == "changes_requested"
    assert revised.json()["status"] == "submitted"
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_reviewed"
    story = Story.objects.get(pk=approved.json()["story"])
    assert (story.title, story.author, story.state, story.image_url) == (
        "Scoreboard", bank.emma, "draft", "https://bank.example/p.jpg")
    assert [r["decision"] for r in approved.json()["reviews"]] == ["request_changes", "approve"]
    told = list(Notification.objects.filter(user=bank.emma, type="draft.reviewed").order_by("id")
                .values_list("title", "body", "category"))
    assert told == [("Je verhaal heeft een paar wijzigingen nodig", "Add a photo, please", "drafts"),  # Emma: nl
                    ("Je verhaal is goedgekeurd", "Lovely", "drafts")]
    assert Notification.objects.filter(type="draft.submitted", user=bank.mark).count() == 1  # the resubmission


def test_decline_needs_a_reason_and_closes_the_draft(bank, client_for) -> None:
    draft = StoryDraftFactory.create(author=bank.emma)

    declined = review(client_for(bank.mark), draft.id, "decline", "Not for us this time")
    edit = client_for(bank.emma).patch(f"/api/v1/drafts/{draft.id}/", {"text": "more"}, format="json")

    assert declined.json()["status"] == "declined"
    assert edit.status_code == 409 and edit.json()["error"]["code"] == "draft_closed"
    assert StoryDraft.objects.get().text != "more"


def test_a_draft_cannot_respond_to_a_story_i_cannot_see(bank, client_for) -> None:
    danish = StoryTargetFactory.create(dimension="language", value="da").story

    response = client_for(bank.emma).post("/api/v1/drafts/", {
        "title": "t", "text": "x", "language": "nl", "responds_to": danish.id}, format="json")

    assert response.status_code == 404 and StoryDraft.objects.count() == 0
