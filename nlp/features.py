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
from functools import lru_cache

from .contacts import Span, find_spans

__all__ = ["FEATURES_VERSION", "featurize", "featurize_parts", "word_char_ngrams", "LEXICON"]

FEATURES_VERSION = "6"

# Stems matched at the start of a lowercased word (so "sollicit" matches "solliciteren").
# Kept short and multilingual on purpose: nl, da, en (and the English staff mix in).
LEXICON: dict[str, tuple[str, ...]] = {
    # job candidates: applying, CVs, roles, skills
    "job": (
        "vacature", "sollicit", "cv", "curriculum", "kandidat", "candidate", "werkgever", "stilling",
        "ansøg", "ansog", "job", "jobbet", "baan", "recruit", "hire", "hiring", "headhunt", "werving", "rekrutt",
        "linkedin", "ervaring", "erfaring", "experience", "functie", "role", "position", "positie", "stage",
        "stagiair", "praktik", "intern", "internship", "trainee", "traineeship", "junior", "senior", "developer",
        "ontwikkelaar", "udvikler", "analist", "analyst", "analytiker", "engineer", "ingeniør", "programmeur",
        "programmør", "werk", "werken", "arbejde", "arbejder", "ansat", "ansætte", "ansættelse", "carrière",
        "karriere", "career", "aanbevel", "anbefal", "recommend", "geschikt", "egnet", "suitable", "uddann",
        "opleiding", "diploma", "afgestudeerd", "graduate", "dimitt", "nyuddan", "omskol", "studiejob",
        "bijbaan", "deltid", "fuldtid", "parttime", "fulltime", "part-time", "full-time", "freelance", "consultant",
        "konsulent", "skills", "talent", "motiveret", "gemotiveerd", "motivated", "referenties", "referencer",
        "references", "portfolio", "laid off", "ontslagen", "fyret", "opgesagt", "werkloos", "ledig", "unemployed",
    ),
    # the friends-and-family / refer-a-friend benefit itself
    "discount": (
        "korting", "rabat", "discount", "personeels", "personale", "medewerkersvoordeel", "medewerkerskorting",
        "medarbejderrabat", "medarbejderfordel", "medarbejderpris", "personalefordel", "tarief", "bonus",
        "voordeel", "fordel", "fordele", "benefit", "perk", "tip-een", "tipeenvriend", "refer-a", "refer a friend",
        "bring a friend", "anbefal-en-ven", "hverv-en-ven", "code", "kode", "actiecode", "rabatkode", "promo",
        "welkomst", "velkomst", "welcome bonus", "familierabat", "vennerabat", "vriendenkorting", "familiekorting",
        "staff", "employee", "ansatterabat", "friends and family", "friends & family", "family discount",
        "staff rate", "staff price", "medewerkerstarief", "personeelstarief", "geldt", "gælder", "apply to",
        "kwalificeer", "kvalificer", "qualify", "eligible", "recht op", "ret til", "entitled",
        "medarbejder", "medewerker", "familiedeal", "vilkår for ansatte", "relative discount",
    ),
    # third parties staff talk about; present in every kind, so one shared marker
    "relation": (
        "vriend", "vriendin", "venn", "veninde", "friend", "familie", "family", "famil", "schoonmo", "schoonva",
        "zwager", "schoonzus", "svoger", "svigerm", "svigerf", "svigerin", "neef", "nicht", "fætter", "kusine",
        "cousin", "oom", "tante", "onkel", "moster", "faster", "buurman", "buurvrouw", "buren", "nabo", "naboen",
        "neighbour", "neighbor", "collega", "kollega", "colleague", "zus", "broer", "søster", "bror", "sister",
        "brother", "mother", "moeder", "mor", "father", "vader", "far", "dochter", "datter", "daughter", "zoon",
        "søn", "son", "oma", "opa", "mormor", "farmor", "morfar", "farfar", "grandma", "grandpa",
    ),
    "money": (
        "€", "eur", "euro", "kr", "kroner", "dkk", "bedrag", "beløb", "belob", "amount", "geld", "penge",
        "money", "rente", "renten", "interest rate", "saldo", "balance",
    ),
    # products and buying intent
    "product": (
        "lening", "lån", "loan", "krediet", "kredit", "credit", "hypothe", "boliglån", "realkredit", "mortgage",
        "spaar", "spare", "opsparing", "savings", "pensioen", "pension", "beleg", "invest", "aktie", "aandel",
        "fonds", "verzeker", "forsikring", "insurance", "creditcard", "kreditkort", "rekening", "konto", "account",
        "zakelijk", "erhverv", "business", "bedrijf", "virksomhed", "firma", "company", "ondernemer", "iværksætter",
        "zzp", "mkb", "aps", "bv", "leasing", "lease",
    ),
    "buy": (
        "interesse", "interest", "geïnteresseerd", "geinteresseerd", "interesseret", "interested", "offerte",
        "tilbud", "quote", "offer", "aanbod", "afspraak", "møde", "meeting", "appointment", "intake",
        "adviesgesprek", "rådgivning", "advies", "advice", "zoekt", "søger", "looking for", "overweegt", "overvej",
        "considering", "overstappen", "overstap", "skifte bank", "flytte", "move", "switch", "afsluiten", "oprette",
        "open", "aanvragen", "apply", "kopen", "købe", "buy", "buying", "huis", "hus", "house", "woning", "bolig",
        "sommerhus", "vakantiehuis", "verbouw", "renover", "financier", "finansier", "finance", "klant worden",
        "blive kunde", "become a customer", "new customer", "nieuwe klant", "ny kunde", "terugbellen", "ring tilbage",
        "call back", "bellen", "ringe", "contact opnemen", "kontakte", "reach out", "voorwaarden", "betingelser",
        "conditions", "terms", "hoeveel", "hvor meget", "how much",
    ),
    # problems, anger, churn
    "problem": (
        "klacht", "klaag", "klage", "complain", "complaint", "boos", "vred", "sur", "angry", "furious",
        "woedend", "rasende", "irritat", "frustr", "teleurgesteld", "skuffet", "disappoint", "onbeschoft",
        "uhøflig", "rude", "fout", "fejl", "error", "mistake", "probleem", "problem", "storing", "nedbrud",
        "outage", "down", "nede", "kapot", "broken", "defect", "crash", "geblokkeerd", "blokkeret", "spærret",
        "blocked", "locked", "gestolen", "stjålet", "stolen", "fraude", "svindel", "fraud", "scam", "phishing",
        "dubbel", "dobbelt", "twice", "afgeschreven", "trukket", "charged", "onterecht", "uberettiget", "wrongly",
        "wachten", "venter", "waiting", "wacht", "vent", "nog steeds", "stadig", "still", "opzeggen", "opsige",
        "weggaan", "vertrekken", "overstappen", "skifte", "leave", "leaving", "moving banks", "elsewhere",
        "andere bank", "anden bank", "other bank", "belachelijk", "latterlig", "ridiculous", "schandalig",
        "skandal", "unacceptable", "onacceptabel", "uacceptabel", "kwijt", "væk", "gone", "missing", "ontbreekt",
        "mangler", "niet ontvangen", "ikke modtaget", "not received", "traag", "langsom", "slow", "geen reactie",
        "intet svar", "no answer", "no response", "niemand", "nobody", "gebyr", "kosten", "fees", "fee", "duur",
        "dyrt", "expensive", "te hoog", "for høj", "too high", "geweigerd", "afvist", "refused", "declined",
        "rykker", "aanmaning", "reminder", "werkt niet", "virker ikke", "doesn't work", "not working", "kan niet",
        "kan ikke", "can't", "cannot", "lukket", "gesloten", "closed",
    ),
    # ideas, suggestions, praise
    "idea": (
        "idee", "idé", "idea", "suggest", "suggestie", "forslag", "voorstel", "proposal", "tip", "zou mooi",
        "zou fijn", "zou handig", "zou top", "ville være", "would be", "could you", "kunnen we", "kan vi", "wish",
        "wens", "ønske", "verbeter", "forbedr", "improve", "feature", "functionaliteit", "funktion", "misschien",
        "måske", "maybe", "perhaps", "graag zien", "gerne se", "love to see", "relay", "campagne", "kampagne",
        "campaign", "meedenken", "brugertest", "user test", "opmerking", "bemærkning", "remark", "geen klacht",
        "ikke en klage", "not a complaint", "puntje", "lille ting", "small thing", "handiger", "nemmere", "easier",
        "duidelijker", "tydeligere", "clearer",
    ),
    "praise": (
        "compliment", "ros", "roser", "praise", "pluim", "chapeau", "top", "super", "fijn", "dejlig", "lovely",
        "great", "geweldig", "fantastisk", "fantastic", "mooi", "flot", "nice", "tevreden", "tilfreds",
        "satisfied", "happy", "blij", "glad", "bedankt", "tak", "thanks", "thank", "dank", "handig", "nyttig",
        "useful", "gaaf", "sejt", "cool", "awesome", "amazing", "behulpzaam", "hjælpsom", "helpful", "vriendelijk",
        "venlig", "friendly", "geholpen", "hjalp", "helped", "reddede", "redde", "saved", "best", "beste", "bedste",
    ),
    "urgent": (
        "spoed", "dringend", "urgent", "haster", "akut", "asap", "zsm", "straks", "omgående",
        "immediately", "vandaag", "idag", "today", "tonight", "vanavond", "i aften", "nødsituation", "noodgeval",
        "emergency",
    ),
}

# Multi-word entries are matched on the joined text; single words by prefix.
_SINGLE: list[tuple[str, str]] = []
_MULTI_STEMS: dict[str, list[str]] = {}
for _marker, _stems in LEXICON.items():
    for _stem in _stems:
        if " " in _stem or "-" in _stem or "'" in _stem or "&" in _stem:
            _MULTI_STEMS.setdefault(_marker, []).append(re.escape(_stem))
        else:
            _SINGLE.append((_stem, _marker))
# One alternation per marker: a handful of searches per message instead of one per phrase.
_MULTI: list[tuple[str, re.Pattern[str]]] = [
    (marker, re.compile(r"(?<!\w)(?:" + "|".join(sorted(stems, key=len, reverse=True)) + ")"))
    for marker, stems in _MULTI_STEMS.items()
]
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


def _redact_for_features(text: str, spans: list[Span] | None = None) -> str:
    out: list[str] = []
    last = 0
    for span in find_spans(text) if spans is None else spans:
        out.append(text[last:span.start])
        out.append(" [iban] " if span.label == "iban_shape" else f" [{span.label}] ")
        last = span.end
    out.append(text[last:])
    return "".join(out)


@lru_cache(maxsize=65536)
def _markers_for_word(word: str) -> frozenset[str]:
    found = set(_EXACT.get(word, ()))
    for stem, marker in _PREFIX.get(word[:3], ()):
        if word.startswith(stem):
            found.add(marker)
    return frozenset(found)


def word_char_ngrams(words: list[str], n: int) -> list[str]:
    """Character n-grams of the longer alphabetic words, padded with < and >."""
    out: list[str] = []
    for w in words:
        if len(w) >= n + 2 and w.isalpha():
            padded = "<" + w + ">"
            out.extend("c_" + padded[i:i + n] for i in range(len(padded) - n + 1))
    return out


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
    spans: list[Span] | None = None,
) -> list[str]:
    """The token sequence the kind classifier is trained and run on."""
    words, extra = featurize_parts(
        text, prefixes=prefixes, markers=markers, prefix_len=prefix_len, prefix_min=prefix_min, suffix_len=suffix_len,
        marker_repeat=marker_repeat, char_ngrams=char_ngrams, spans=spans,
    )
    return words + extra or ["__empty__"]


def featurize_parts(
    text: str,
    *,
    prefixes: bool = True,
    markers: bool = True,
    prefix_len: int = PREFIX_LEN,
    prefix_min: int = PREFIX_MIN_WORD,
    suffix_len: int = 0,
    marker_repeat: int = 1,
    char_ngrams: int = 0,
    spans: list[Span] | None = None,
) -> tuple[list[str], list[str]]:
    """``featurize`` in two parts: the words (lowercased, redacted, number shapes) and the extra tokens."""
    cleaned = _redact_for_features(text or "", spans)
    cleaned = _MONEY_RE.sub(" qqmoneyqq ", cleaned).lower()
    words: list[str] = []
    extra: list[str] = []
    for tok in _TOKEN_RE.findall(cleaned):
        if tok.isdigit():
            tok = f"__num{min(len(tok), 5)}__"
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
        extra.extend(f"__{m}__" for m in sorted(found) for _ in range(marker_repeat))
    if prefixes:
        extra.extend("p_" + w[:prefix_len] for w in words if len(w) >= prefix_min and w.isalpha())
    if char_ngrams:
        extra.extend(word_char_ngrams(words, char_ngrams))
    if suffix_len:
        extra.extend("s_" + w[-suffix_len:] for w in words if len(w) >= prefix_min and w.isalpha())
    if len(words) <= 3:
        extra.append("__short__")
    return words, extra
