"""Kind, urgency, topics and the public API on clear cases in each language and hard-case family."""

from __future__ import annotations

import dataclasses
import re

import pytest

import nlp

CLEAR_CASES = [
    # complaint
    ("nl", "complaint", "klant is woedend, al drie weken wacht hij op zijn nieuwe pas en niemand belt terug"),
    ("da", "complaint", "kunden er rasende, han har ventet tre uger på sit nye kort og ingen ringer tilbage"),
    ("en", "complaint", "customer is furious, he has waited three weeks for his new card and nobody calls back"),
    # lead
    ("nl", "lead", "mijn buurman wil een hypotheekofferte voor een huis in Utrecht, kan iemand hem bellen?"),
    ("da", "lead", "min nabo vil gerne have et tilbud på et boliglån til et hus i Aarhus, kan nogen ringe?"),
    ("en", "lead", "my neighbour wants a mortgage quote for a house in Leeds, can someone give him a call?"),
    # referral (job candidate)
    ("nl", "referral", "oud-collega van mij is ervaren data-analist en zoekt een nieuwe baan, past goed bij de vacature"),
    ("da", "referral", "min tidligere kollega er erfaren dataanalytiker og søger nyt job, hun passer perfekt til stillingen"),
    ("en", "referral", "my former colleague is an experienced data analyst looking for a new job, she would fit the vacancy"),
    # friend_discount
    ("nl", "friend_discount", "kan mijn zus de personeelskorting krijgen op haar autoverzekering?"),
    ("da", "friend_discount", "kan min søster få medarbejderrabat på sin bilforsikring?"),
    ("en", "friend_discount", "can my sister get the staff discount on her car insurance?"),
    # feedback
    ("nl", "feedback", "idee: zou fijn zijn als je in de app een donkere modus kon kiezen"),
    ("da", "feedback", "idé: det ville være rart hvis man kunne vælge mørk tilstand i appen"),
    ("en", "feedback", "idea: it would be nice to have a dark mode option in the app"),
]

HARD_CASES = [
    # a complaint that threatens to leave the bank is still a complaint
    ("complaint",
     "derde keer dat zijn pas zonder reden geblokkeerd wordt, als dit zo doorgaat stapt hij over naar een andere bank"),
    ("complaint", "hun har fået for høje gebyrer to gange nu og siger hun skifter bank hvis det ikke bliver rettet"),
    ("complaint", "he's been charged twice for the same transfer and says he'll move all his accounts elsewhere"),
    # a lead that mentions a friend is a lead (no discount asked)
    ("lead", "een vriend van mij wil zijn spaargeld beleggen en zoekt advies, wil graag een afspraak"),
    ("lead", "en ven af mig vil gerne investere sin opsparing og vil have en rådgivningssamtale"),
    ("lead", "a friend of mine wants to invest his savings and would like an appointment with an advisor"),
    # a job referral of someone who is also a customer is a referral
    ("referral", "mijn buurvrouw bankiert al jaren bij ons en solliciteert nu op de functie van klantadviseur, ze is top"),
    ("referral", "min nabo er kunde hos os og vil gerne søge stillingen som kunderådgiver, hun er dygtig"),
    ("referral", "my neighbour has banked with us for years and wants to apply for the customer advisor role, she is great"),
    # a discount request that includes a product is a discount request
    ("friend_discount", "geldt de vriendenkorting ook voor een hypotheek voor mijn broer?"),
    ("friend_discount", "gælder vennerabatten også på et boliglån til min bror?"),
    ("friend_discount", "does the friends and family discount also apply to a mortgage for my brother?"),
    # mild criticism is feedback
    ("feedback", "de app werkt prima, alleen het menu is wat onoverzichtelijk, misschien iets voor een volgende versie"),
    ("feedback", "appen fungerer fint, men menuen er lidt uoverskuelig, måske noget til næste version"),
    ("feedback", "the app works fine, the menu is just a bit cluttered, maybe something for a next version"),
]


@pytest.mark.parametrize(("language", "kind", "text"), CLEAR_CASES)
def test_classify_clear_cases(router, language, kind, text):
    result = nlp.classify(text)
    assert (result.kind, result.language) == (kind, language)


@pytest.mark.parametrize(("kind", "text"), HARD_CASES)
def test_classify_hard_case_families(router, kind, text):
    assert nlp.classify(text).kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "pas van mijn moeder is gestolen, er wordt al mee betaald!",
        "mijn oom is opgelicht door een nep-sms, 2.000 euro weg van zijn rekening",
        "salaris van mijn buurman is niet binnengekomen en de huur moet vandaag betaald worden",
        "min søsters kort er blevet stjålet og der er allerede hævet penge",
        "kunden kan ikke logge ind, kontoen er spærret og lønnen skal betales i dag",
        "my friend's card was stolen and someone is using it right now",
        "phishing: she clicked a fake link and typed in her login, money is gone",
    ],
)
def test_urgent_complaints(router, text):
    result = nlp.classify(text)
    assert (result.kind, result.urgent) == ("complaint", True)


@pytest.mark.parametrize(
    "text",
    [
        "klant klaagt dat de wachttijd aan de telefoon te lang is",
        "kunden synes gebyret på kontoen er for højt",
        "the branch was closed without notice, customer is annoyed",
        "buurman wil vandaag nog een offerte voor een hypotheek",  # 'today' in a lead is not urgent
    ],
)
def test_not_urgent(router, text):
    assert nlp.classify(text).urgent is False


def test_classification_shape_and_contacts(router):
    result = nlp.classify("klant wil een hypotheek, bel 06-12345678 of mail Jan@Example.com, NL91ABNA0417164300")
    assert dataclasses.is_dataclass(result)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.kind = "lead"  # type: ignore[misc]  # the point: a frozen dataclass refuses it
    assert set(result.scores) == set(nlp.KINDS)
    assert abs(sum(result.scores.values()) - 1.0) < 1e-3
    assert result.confidence == result.scores[result.kind]
    assert result.phones == ["+31612345678"]
    assert result.emails == ["jan@example.com"]
    assert result.ibans == ["NL91ABNA0417164300"]
    assert "mortgage" in result.topics
    assert result.model_version == nlp.model_version()
    assert set(result.to_dict()) == {
        "kind", "scores", "confidence", "language", "urgent", "phones", "emails", "ibans", "topics", "model_version",
        "secondary_kind",
    }
    assert result.secondary_kind is None or result.secondary_kind in set(nlp.KINDS) - {result.kind}


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("hypotheekaanvraag loopt vast", "mortgage"),
        ("han vil omlægge sit boliglån", "mortgage"),
        ("wants to remortgage", "mortgage"),
        ("hun vil have et kreditkort", "credit_card"),
        ("vraag over de reisverzekering", "insurance"),
        ("interesse i pensionsopsparing", "pension"),
    ],
)
def test_topics_are_found_across_languages_and_compounds(router, text, topic):
    assert topic in nlp.classify(text).topics


def test_classify_many_keeps_order_and_matches_classify(router):
    texts = [text for _, _, text in CLEAR_CASES]
    many = nlp.classify_many(texts)
    assert [r.kind for r in many] == [kind for _, kind, _ in CLEAR_CASES]
    assert many[0] == nlp.classify(texts[0])
    assert nlp.classify_many([]) == []


def test_model_version_format(router):
    assert re.fullmatch(r"kind-lin-[0-9a-f]{8}", nlp.model_version())


def test_kinds():
    assert nlp.KINDS == ("complaint", "lead", "referral", "friend_discount", "feedback")


def test_model_not_built_is_raised_for_an_empty_model_dir(tmp_path):
    from nlp.router import get_router

    with pytest.raises(nlp.ModelNotBuilt):
        get_router(tmp_path)


def test_the_array_scorer_equals_the_scikit_learn_pipeline(router):
    """Runtime scoring skips the pipeline's per-call overhead; it must give the pipeline's numbers."""
    from nlp.corpus import load_jsonl, train_files
    from nlp.linear import linear_inputs, linear_probs
    from nlp.secondary import secondary_probs

    texts = [e.text for path in train_files() for e in load_jsonl(path)][::40] + ["", "ok", "bel 06-12345678"]
    x = router.scorer.matrix([linear_inputs(t) for t in texts])
    ours = router.scorer.kind_probs(x)
    theirs = linear_probs(router.kind_model, texts)
    assert max(abs(a[k] - b[k]) for a, b in zip(ours, theirs, strict=True) for k in nlp.KINDS) < 1e-9
    pipeline_x = router.kind_model.named_steps["features"].transform([linear_inputs(t) for t in texts])
    assert abs(pipeline_x - x).max() < 1e-12
    ours_second = router.scorer.secondary_probs(x)
    theirs_second = secondary_probs(router.secondary_model, pipeline_x)
    assert max(abs(a[k] - b[k]) for a, b in zip(ours_second, theirs_second, strict=True) for k in nlp.KINDS) < 1e-9


def test_secondary_kind_is_another_kind_than_the_primary_and_only_above_the_cut_off(router):
    from nlp.secondary import pick_secondary

    probs = {"complaint": 0.9, "lead": 0.7, "referral": 0.2, "friend_discount": 0.1, "feedback": 0.0}
    assert pick_secondary("complaint", probs, 0.5) == "lead"
    assert pick_secondary("lead", probs, 0.5) == "complaint"
    assert pick_secondary("complaint", probs, 0.75) is None
    results = nlp.classify_many([text for _, _, text in CLEAR_CASES])
    assert all(r.secondary_kind != r.kind for r in results)
