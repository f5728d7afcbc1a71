"""Text → feature tokens for the bag-of-words kind classifier.

The feasibility run showed accuracy comes from features that generalise, not from the
architecture. So before the textcat sees a message it is:

* redacted (phones, e-mails, IBANs become ``[phone]`` ``[email]`` ``[iban]``) and lowercased,
  with numbers reduced to their shape and money amounts marked ``__money__``;
* extended with *marker tokens* from a small multilingual lexicon (``__job__``,
  ``__discount__`` …): a Danish "ansøgning" and a Dutch "sollicitatie" then share a feature,
  so what the model learns in one language carries over to the other two;
* extended with 5-character prefixes of long words, which catch Dutch/Danish compounds
  ("personeelskorting", "boliglånet") and typos that the exact word would miss.

Bump ``FEATURES_VERSION`` whenever the output of ``featurize`` changes: it is part of the
model version and makes ``python -m nlp ensure`` rebuild.
"""

from __future__ import annotations

import re

from .contacts import find_spans

__all__ = ["FEATURES_VERSION", "featurize", "LEXICON"]

FEATURES_VERSION = "4"

# Stems matched at the start of a lowercased word (so "sollicit" matches "solliciteren").
# Kept short and multilingual on purpose: nl, da, en (and the English staff mix in).
LEXICON: dict[str, tuple[str, ...]] = {
    "job": (
        "vacature", "sollicit", "cv", "curriculum", "kandidat", "candidate", "werkgever", "werknemer",
        "functie", "stilling", "ansøg", "ansog", "job", "baan", "banen", "recruit", "hire", "hiring",
        "headhunt", "werving", "rekrutt", "talent", "linkedin", "profiel", "profil", "ervaring",
        "erfaring", "experience", "medewerker", "medarbejder", "collega", "kollega", "colleague",
        "team", "afdeling", "role", "rol", "position", "positie", "stage", "praktik", "intern",
        "trainee", "junior", "senior", "developer", "ontwikkelaar", "udvikler", "analist", "analyst",
        "adviseur", "rådgiver", "radgiver", "werken", "arbejde", "work", "ansat", "ansætte", "aansluiten",
        "overstap", "carrière", "karriere", "career", "opening", "open stilling", "referral", "aanbevel",
        "anbefal", "recommend", "geschikt", "egnet", "suitable", "fit", "past", "passer", "uddann",
        "opleiding", "diploma", "afgestudeerd", "graduate", "dimitt", "nyuddan",
    ),
    "discount": (
        "korting", "rabat", "discount", "personeel", "personale", "medewerkersvoordeel",
        "personeelstarief", "vriend", "venn", "friend", "familie", "family", "famil", "bonus",
        "voordeel", "fordel", "benefit", "tip-een", "tipeenvriend", "refer-a", "referral code",
        "code", "kode", "actiecode", "welkomst", "welcome", "premie", "schoonmo", "schoonva",
        "zwager", "schoonzus", "svoger", "svigerm", "svigerf", "svigerin", "neef", "nicht", "fætter",
        "kusine", "cousin", "oom", "tante", "onkel", "moster", "faster", "buurman", "buurvrouw",
        "nabo", "neighbour", "neighbor", "tarief", "tarif", "rate", "staff", "employee", "medewerker",
        "ansatte", "medarbejderrabat", "medarbejderfordel", "gratis", "free", "cadeau", "gave", "tegoed",
    ),
    "money": (
        "€", "eur", "euro", "kr", "kroner", "dkk", "bedrag", "beløb", "belob", "amount", "geld", "penge",
        "money", "rente", "interest", "lening", "lån", "lan", "loan", "krediet", "kredit", "credit",
        "hypothe", "boliglån", "mortgage", "spar", "savings", "pensioen", "pension", "beleg", "invest",
        "aktie", "aandel", "share", "fonds", "fund",
    ),
    "complaint": (
        "klacht", "klaag", "klage", "complain", "complaint", "boos", "vred", "sur", "angry", "furious",
        "woedend", "irritat", "frustr", "gefrustreerd", "teleurgesteld", "skuffet", "disappoint",
        "fout", "fejl", "error", "mistake", "probleem", "problem", "storing", "nedbrud", "outage",
        "werkt", "virker", "work", "kapot", "broken", "defect", "geblokkeerd", "blokkeret", "spærret",
        "blocked", "locked", "vergrendeld", "låst", "gestolen", "stjålet", "stolen", "fraude", "svindel",
        "fraud", "scam", "oplicht", "bedrag", "phishing", "dubbel", "dobbelt", "twice", "afgeschreven",
        "trukket", "charged", "onterecht", "uberettiget", "wrongly", "wachten", "venter", "waiting",
        "wacht", "vent", "nog steeds", "stadig", "still", "opzeggen", "opsige", "weggaan", "skifte",
        "overstappen", "leave", "switch", "cancel", "belachelijk", "latterligt", "ridiculous",
        "schandalig", "skandale", "unacceptable", "onacceptabel", "uacceptabel", "kwijt", "væk", "gone",
        "missing", "ontbreekt", "mangler", "niet ontvangen", "ikke modtaget", "not received", "traag",
        "langsom", "slow", "geen reactie", "intet svar", "no answer", "no response", "niemand", "ingen",
        "nobody",
    ),
    "lead": (
        "interesse", "interest", "geïnteresseerd", "geinteresseerd", "interesseret", "interested",
        "offerte", "tilbud", "quote", "offer", "aanbod", "afspraak", "møde", "mode", "meeting",
        "appointment", "gesprek", "samtale", "bellen", "ringe", "terugbel", "ring tilbage", "call back",
        "contact", "kontakt", "advies", "rådgivning", "advice", "wil", "vil", "want", "wants", "zoekt",
        "søger", "soger", "looking", "overweegt", "overvej", "consider", "oversteken", "overstappen",
        "flytte", "move", "nieuw", "ny", "new", "afsluiten", "oprette", "open", "aanvragen", "ansøge",
        "apply", "kopen", "købe", "buy", "huis", "hus", "house", "woning", "bolig", "home",
        "bedrijf", "virksomhed", "company", "business", "zakelijk", "erhverv", "ondernemer", "iværksætter",
        "zzp", "klant worden", "kunde", "customer",
    ),
    "feedback": (
        "idee", "idé", "ide", "idea", "suggest", "suggestie", "forslag", "voorstel", "proposal", "tip",
        "compliment", "ros", "praise", "pluim", "top", "super", "fijn", "dejlig", "lovely", "great",
        "geweldig", "fantastisk", "fantastic", "goed", "god", "good", "mooi", "flot", "nice", "tevreden",
        "tilfreds", "satisfied", "happy", "blij", "glad", "bedankt", "tak", "thanks", "dank", "handig",
        "smart", "nuttig", "nyttig", "useful", "zou mooi", "ville være", "would be", "could", "zou",
        "kunne", "wish", "wens", "ønske", "onske", "verbeter", "forbedr", "improve", "feature",
        "functie", "funktion", "app", "website", "hjemmeside", "design", "layout", "knop", "knap",
        "button", "donker", "dark mode", "mørk", "lettere", "makkelijker", "easier", "duidelijker",
        "tydeligere", "clearer", "kleine kritiek", "minor", "jammer", "ærgerligt", "shame", "pity",
        "opvallend", "bemærk", "notice", "opmerking", "bemærkning", "remark", "mening", "synes",
        "vind", "think",
    ),
    "urgent": (
        "spoed", "dringend", "urgent", "haster", "akut", "asap", "nu", "nu!", "straks", "omgående",
        "omgaaende", "immediately", "vandaag", "idag", "today", "tonight", "vanavond", "i aften",
        "nødsituation", "noodgeval", "emergency",
    ),
}

# Multi-word entries are matched on the joined text; single words by prefix.
_SINGLE: list[tuple[str, str]] = []
_MULTI: list[tuple[str, re.Pattern[str]]] = []
for _marker, _stems in LEXICON.items():
    for _stem in _stems:
        if " " in _stem or "-" in _stem:
            _MULTI.append((_marker, re.compile(r"(?<!\w)" + re.escape(_stem))))
        else:
            _SINGLE.append((_stem, _marker))
# Short stems (≤ 3 chars) must match the whole word, or "kr" would match "krijgen".
_EXACT: dict[str, set[str]] = {}
_PREFIX: dict[str, list[tuple[str, str]]] = {}
for _stem, _marker in _SINGLE:
    if len(_stem) <= 3:
        _EXACT.setdefault(_stem, set()).add(_marker)
    else:
        _PREFIX.setdefault(_stem[:3], []).append((_stem, _marker))

_TOKEN_RE = re.compile(r"\[(?:phone|email|iban)\]|[^\W_]+|[€$£%?!]", re.UNICODE)
_MONEY_RE = re.compile(
    r"(?:[€$£]\s*\d[\d.,]*(?:\s*(?:k|mio|mln|miljoen|million|mill)\b)?|\d[\d.,]*\s*(?:k\b|mio\b|mln\b|miljoen|million|mill\b|tusind|duizend)?\s*(?:€|eur\b|euro|kr\b|kr\.|kroner|dkk|usd|\$))",
    re.IGNORECASE,
)
PREFIX_LEN = 5
PREFIX_MIN_WORD = 7


def _redact_for_features(text: str) -> str:
    out, last = [], 0
    for span in find_spans(text):
        out.append(text[last:span.start])
        out.append(" [iban] " if span.label == "iban_shape" else f" [{span.label}] ")
        last = span.end
    out.append(text[last:])
    return "".join(out)


def _markers_for_word(word: str) -> set[str]:
    found = set(_EXACT.get(word, ()))
    for stem, marker in _PREFIX.get(word[:3], ()):
        if word.startswith(stem):
            found.add(marker)
    return found


def featurize(
    text: str,
    *,
    prefixes: bool = True,
    markers: bool = True,
    prefix_len: int = PREFIX_LEN,
    prefix_min: int = PREFIX_MIN_WORD,
    suffix_len: int = 0,
    marker_repeat: int = 1,
    char_ngrams: int = 0,
) -> list[str]:
    """The token sequence the kind classifier is trained and run on."""
    cleaned = _redact_for_features(text or "")
    cleaned = _MONEY_RE.sub(" qqmoneyqq ", cleaned).lower()
    words: list[str] = []
    extra: list[str] = []
    for tok in _TOKEN_RE.findall(cleaned):
        if tok.isdigit():
            tok = "__num%d__" % min(len(tok), 5)
        elif tok == "qqmoneyqq":
            tok = "__money__"
        words.append(tok)
    if markers:
        found: set[str] = set()
        for word in words:
            found |= _markers_for_word(word)
        joined = " ".join(words)
        for marker, pattern in _MULTI:
            if pattern.search(joined):
                found.add(marker)
        extra.extend("__%s__" % m for m in sorted(found) for _ in range(marker_repeat))
    if prefixes:
        extra.extend("p_" + w[:prefix_len] for w in words if len(w) >= prefix_min and w.isalpha())
    if char_ngrams:
        n = char_ngrams
        for w in words:
            if len(w) >= n + 2 and w.isalpha():
                padded = "<" + w + ">"
                extra.extend("c_" + padded[i:i + n] for i in range(len(padded) - n + 1))
    if suffix_len:
        extra.extend("s_" + w[-suffix_len:] for w in words if len(w) >= prefix_min and w.isalpha())
    if len(words) <= 3:
        extra.append("__short__")
    return words + extra or ["__empty__"]
