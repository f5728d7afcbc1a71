"""Contact details in free text: phone numbers, e-mail addresses and IBANs.

One detector serves extraction, redaction (logs, push bodies, inbox, insights) and the
classifier's features, so whatever is found is also redacted. It looks for what people
type, not for one canonical format:

* The text is normalised with NFKC first (full-width digits and ``＠``, no-break and thin
  spaces, ligatures), dashes are folded to ``-`` and zero-width characters dropped. Spans are
  mapped back to offsets in the original text, so callers cut the text they were given.
* Phones come from ``phonenumbers.PhoneNumberMatcher``, run over a short, ordered list of
  likely regions: the organisation's countries (NL, DK) and the neighbours its staff meet
  (GB, DE, BE, SE, NO, US), with the text's language and country words moving their region
  to the front. A number is accepted when it is valid in one of those regions; a number that
  is only *possible* (right length, unallocated block — e.g. Ofcom's fictional 07700 900xxx)
  counts when it is written internationally, has the shape of a Dutch/Danish number, or a
  phone word stands next to it. Nationally written numbers must carry the region's trunk
  prefix (``0``), so a bare digit run is only read as a DK/NO (8 digits) or US (10) number.
* A bare run of 8 digits counts in a Scandinavian message, or anywhere next to a phone word;
  account, order, case, customer, CPR/BSN/KvK/CVR numbers, amounts and dates are refused by
  the words around them and by their shape.
* E-mails: Unicode local parts (``søren@…``), spaces around ``@`` (``jan @ gmail.com``), and
  spelled-out forms (``jan (at) gmail (dot) com``, ``jan at gmail dot com``).
* IBANs are validated with the ISO 13616 mod-97 check; IBAN-shaped text that fails it is still
  redacted, and never taken for a phone number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat

__all__ = [
    "Contacts", "HOME_REGIONS", "NEIGHBOUR_REGIONS", "extract_contacts", "find_spans", "likely_regions",
    "normalize_phone", "redact",
]

# The demo organisation's countries, then the countries whose numbers its staff meet.
HOME_REGIONS: tuple[str, ...] = ("NL", "DK")
NEIGHBOUR_REGIONS: tuple[str, ...] = ("GB", "DE", "BE", "SE", "NO", "US")
DEFAULT_REGIONS = HOME_REGIONS  # kept for callers of the first version


@dataclass(frozen=True)
class Contacts:
    phones: list[str] = field(default_factory=list)  # E.164
    emails: list[str] = field(default_factory=list)  # lowercased
    ibans: list[str] = field(default_factory=list)  # compact, upper case, mod-97 valid

    def to_dict(self) -> dict[str, list[str]]:
        return {"phones": list(self.phones), "emails": list(self.emails), "ibans": list(self.ibans)}


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str  # "phone" | "email" | "iban" | "iban_shape"
    value: str  # normalised value


# --- normalisation ----------------------------------------------------------------------
_FOLD = str.maketrans(
    {
        **dict.fromkeys(["\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\ufe63"], "-"),
        **dict.fromkeys(["\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"], None),
        "\t": " ",
    }
)


_NEEDS_FOLD = re.compile("[" + "".join(chr(c) for c in _FOLD) + "]")


@dataclass(frozen=True)
class _Normalised:
    text: str
    # For each character of ``text``: where its source segment starts and ends in the original.
    starts: list[int] | None  # None: identical to the original
    ends: list[int] | None

    def original(self, start: int, end: int) -> tuple[int, int]:
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


def _normalise(text: str) -> _Normalised:
    """NFKC per base character with its combining marks, keeping a map back to the original."""
    if (text.isascii() or unicodedata.is_normalized("NFKC", text)) and not _NEEDS_FOLD.search(text):
        return _Normalised(text, None, None)
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        segment = unicodedata.normalize("NFKC", text[i:j]).translate(_FOLD)
        parts.append(segment)
        starts.extend([i] * len(segment))
        ends.extend([j] * len(segment))
        i = j
    return _Normalised("".join(parts), starts, ends)


# --- e-mail ---------------------------------------------------------------------------
# Top-level domains common enough to be recognised when typed with spaces ("jan @ gmail .com").
_TLDS = "com|net|org|info|eu|io|nl|dk|de|be|se|no|fi|fr|uk|co\\.uk|us|ch|at|es|it"
_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
_LOCAL = r"[^\W_](?:[\w.%+'-]*[^\W_.])?|[^\W_]"
EMAIL_RE = re.compile(
    rf"(?<![\w.%+@-])(?P<local>{_LOCAL})(?P<sp1> {{0,2}})@(?P<sp2> {{0,2}})(?P<domain>(?:{_LABEL}\.)*{_LABEL}(?:\.[^\W\d_]{{2,24}}| ?\. ?(?:{_TLDS})\b))(?![\w-])"
)
_AT_BRACKETED = r"\s*[(\[{<]\s*(?:at|a|snabel[- ]?a|apenstaartje|@)\s*[)\]}>]\s*"
_AT_WORD = r"\s+(?:at|snabel[- ]?a|apenstaartje)\s+"
# The names of "@" itself say "address" as plainly as brackets do; a bare "at" may be a preposition.
_AT_NAMED = re.compile(r"snabel|apenstaartje", re.IGNORECASE)
_DOT_SPELLED = (
    r"\s*[(\[{<]\s*(?:dot|punt|punkt|punktum|prik|period)\s*[)\]}>]\s*"
    r"|\s+(?:dot|punt|punkt|punktum|prik|period)\s+"
)
EMAIL_OBFUSCATED_RE = re.compile(
    rf"(?<![\w.@-])(?P<local>(?:{_LOCAL})(?:(?:{_DOT_SPELLED})(?:{_LOCAL}))?)(?P<at>{_AT_BRACKETED}|{_AT_WORD})"
    rf"(?P<domain>{_LABEL}(?:(?:{_DOT_SPELLED}|\.){_LABEL})*(?:{_DOT_SPELLED}|\.)[^\W\d_]{{2,24}})(?![\w-])",
    re.IGNORECASE,
)
_DOT_SPELLED_RE = re.compile(_DOT_SPELLED, re.IGNORECASE)
# "meet us @ booking.com" is not an address: a pronoun is never the local part of a spaced or spelled "@".
_PRONOUNS = frozenset(["us", "me", "him", "her", "them", "we", "i", "you", "ons", "mij", "me", "hem", "haar", "hen", "jou", "os", "mig", "ham", "hende", "dem", "dig"])
_MAIL_PROVIDERS = frozenset(
    ["gmail", "googlemail", "hotmail", "outlook", "live", "msn", "yahoo", "icloud", "me", "mac", "aol", "gmx", "web", "proton", "protonmail", "pm", "mail", "ziggo", "kpn", "kpnmail", "xs4all", "planet", "home", "casema", "hetnet", "chello", "upcmail", "telenet", "skynet", "jubii", "ofir", "mail", "stofanet", "youmail", "post", "tdcadsl", "email", "sol", "tele2"]
)


def _plain_email(m: re.Match[str]) -> Span | None:
    if (m.group("sp1") or m.group("sp2")) and m.group("local").lower() in _PRONOUNS:
        return None
    if m.group("sp1") and not m.group("sp2"):
        return None  # "insta @some.handle" names an account, it is no address
    domain = m.group("domain").replace(" ", "")
    return Span(m.start(), m.end(), "email", f"{m.group('local')}@{domain}".lower())


def _obfuscated_email(m: re.Match[str]) -> Span | None:
    spelled_dot = bool(_DOT_SPELLED_RE.search(m.group("domain")))
    bracketed_at = any(bracket in m.group("at") for bracket in "([{<") or bool(_AT_NAMED.search(m.group("at")))
    domain = _DOT_SPELLED_RE.sub(".", m.group("domain"))
    local = _DOT_SPELLED_RE.sub(".", m.group("local"))
    if local != m.group("local") and not spelled_dot:
        return None  # "anna dot visser at …" only when the domain is spelled out as well
    if local.lower() in _PRONOUNS:
        return None
    # Plain " at " with literal dots ("booked at booking.com") is an address only for a
    # name-like local part or at a mail provider.
    name_like = bool(re.search(r"[._\d]", local))
    if not (bracketed_at or spelled_dot or name_like) and domain.split(".")[0].lower() not in _MAIL_PROVIDERS:
        return None
    return Span(m.start(), m.end(), "email", f"{local}@{domain}".lower())


def _email_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    for pattern, accept in ((EMAIL_RE, _plain_email), (EMAIL_OBFUSCATED_RE, _obfuscated_email)):
        position = 0
        while (m := pattern.search(text, position)) is not None:
            span = None if any(s.start < m.end() and m.start() < s.end for s in spans) else accept(m)
            if span is not None:
                spans.append(span)
            # A refused match may hide one that starts inside it ("her at anna dot visser at …").
            position = m.end() if span is not None else m.start() + 1
    return spans


# --- IBAN -----------------------------------------------------------------------------
# Country code, 2 check digits, then 10..30 alphanumerics, optionally grouped in fours.
IBAN_RE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]){10,30})(?![A-Za-z0-9])")
IBAN_LENGTHS = {
    "NL": 18, "DK": 18, "DE": 22, "BE": 16, "GB": 22, "FR": 27, "ES": 24, "IT": 27, "SE": 24,
    "NO": 15, "FI": 18, "PL": 28, "AT": 20, "CH": 21, "IE": 22, "LU": 20, "PT": 25, "FO": 18,
    "GL": 18, "IS": 26, "EE": 20, "LT": 20, "LV": 21,
}
# Structurally an IBAN (country, check digits, 4-letter bank code, digits) even when the
# checksum fails: such text is redacted and never mistaken for a phone, but not extracted.
IBAN_SHAPE_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}[ -]?[A-Za-z]{4}(?:[ -]?\d){6,24}(?![A-Za-z0-9])")


def iban_is_valid(compact: str) -> bool:
    compact = compact.upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", compact):
        return False
    expected = IBAN_LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def _iban_spans(text: str) -> list[Span]:
    valid = _valid_iban_spans(text)
    shapes = [Span(m.start(), m.end(), "iban_shape", "") for m in IBAN_SHAPE_RE.finditer(text)]
    return valid + [s for s in shapes if not any(v.start < s.end and s.start < v.end for v in valid)]


def _valid_iban_spans(text: str) -> list[Span]:
    spans = []
    for m in IBAN_RE.finditer(text):
        raw = m.group(1)
        compact = re.sub(r"[ \-]", "", raw).upper()
        # The regex is greedy; a trailing word may have been swallowed ("NL91 ABNA 0417 1643 00 graag").
        for cut in range(len(compact), 13, -1):
            if iban_is_valid(compact[:cut]):
                seen, end = 0, m.start(1)
                for i, ch in enumerate(raw):
                    if ch not in " -":
                        seen += 1
                    if seen == cut:
                        end = m.start(1) + i + 1
                        break
                spans.append(Span(m.start(1), end, "iban", compact[:cut]))
                break
    return spans


# --- phones ---------------------------------------------------------------------------
# Words that announce a phone number, just before it or just after it.
PHONE_WORDS = re.compile(
    r"\b(tlf|tel|telefon\w*|telephone|phone\w*|mobil\w*|mob|gsm|cell\w*|nr|nummer\w*|number|no|num|ring\w*|"
    r"bel\w*|call\w*|sms\w*|text\w*|whatsapp|wa|app|kontakt\w*|contact\w*|bereikbaar|reach\w*|"
    r"tlfnr|telnr|mobilnr|mobielnummer|telefoonnummer|telefonnummer|op|on|på|via)\b"
    r"(?:\s+(?:is|er|was|var|lyder|luidt))?[\W]{0,4}$",
    re.IGNORECASE,
)
PHONE_WORDS_AFTER = re.compile(
    r"^\W{0,3}(\(?(?:mobil\w*|mob|tlf|tel|gsm|cell|phone|whatsapp|privé|prive|privat|work|werk|arbejde)\b)",
    re.IGNORECASE,
)
MONEY_AFTER = re.compile(
    r"^\s*[,.]?-?\s*(kr\b|kr\.|kroner|dkk|eur\b|euro|€|\$|usd|gbp|£|procent|percent|%|pct|mio|million|mill|"
    r"tusind|duizend|thousand|k\b|m2|m²|km|kvm|stk|uur|timer|hours|dage|dagen|days|år\b|jaar|years|,-)",
    re.IGNORECASE,
)
MONEY_BEFORE = re.compile(
    r"(kr\.?|dkk|eur|€|\$|£|usd|gbp|ca\.?|cirka|omkring|about|around|rond|ongeveer|bedrag|beløb|amount|"
    r"saldo|balance|sum)\s*[:=]?\s*$",
    re.IGNORECASE,
)
# Numbers that are identifiers: account, order, case, customer, policy, tax and person numbers.
NOT_PHONE_BEFORE = re.compile(
    # Long stems may close a compound ("lønkonto", "bankrekening", "betalingsreference");
    # short ones count only as whole words or at a word's start.
    r"(?:\w*(?:konto(?!r)|account|rekening|reknr|ordre|order|bestel|dossier|kenmerk|referen|kunde(?:nr|nummer)|"
    r"klant|customer|medlem|member|faktura|invoice|factuur|polis|police|policy|contract|kontrakt|transac|transak|"
    r"betaling|payment|serie|serial|tracking|zending|forsendelse|shipment|booking|boeking|reserv|registr|"
    r"kvittering|receipt|nummerplade|kenteken|pincode|postcode|postnr|postnummer|routing|clearing|"
    r"application|aanvraag|ansøgning|request)\w*"
    r"|\b(?:cpr|bsn|sofi|kort|card|pas(?:nummer|nr)|sags|sagen|zaak|case|ticket|client|lid(?:nummer|nr)|cvr|kvk|"
    r"btw|moms|se-?nr|kode|code|lån|lening|loan|fødsels|person(?:nummer|nr)|burger|iban|swift|aftale|journal|"
    r"plate|versie|version|track|pakke|parcel)\w*"
    r"|\b(?:id|ref|reg|pin|bon|vat|bic|sag|konto|aba|sort code)\b)"
    # Same clause only: "spaarrekening. 0348-419 283" starts a new sentence, "kontonr. 0318…" does not.
    r"(?:[\s-]*(?:nr|no|nummer|number|#))?(?:(?<=nr)\.|(?<=no)\.|(?<=ref)\.|(?<=reg)\.)?"
    r"(?:\s+(?:is|er|was|var|lyder|luidt))?[\s:#=-]{0,3}$",
    re.IGNORECASE,
)
# Digits an IBAN word introduces are a piece of an account number read out in parts: "IBAN-deel
# 0417 1643 00", "the last part of the IBAN 0417 …", "IBAN'en slutter med 0417 …". A few words may
# stand between them, but no phone word ("IBAN is fine, bel 06 …").
IBAN_BEFORE = re.compile(
    r"\biban\w*(?:['’]?-?[^\W\d_]+)?(?:[^\S\n]+(?!(?:bel|ring|call|phone|tele?f|tlf|tel|mob|gsm|cell|sms|text|"
    r"whatsapp|nummer|nr|number|kontakt|contact|reach|bereikbaar)[^\W\d_]*\b)[^\W\d_]+){0,3}[\s:#=-]{0,3}$",
    re.IGNORECASE,
)
_DATE_LIKE = re.compile(r"\d{1,2}[-./ ]\d{1,2}[-./ ](?:\d{2}|\d{4})|\d{4}[-./]\d{1,2}[-./]\d{1,2}")
_THOUSANDS = re.compile(r"\d{1,3}(?:[.,]\d{3}){2,}(?:[.,]\d{1,2})?")
# Year and time ranges, Danish CPR numbers (DDMMYY-XXXX): digit runs that are never phones.
_RANGES = re.compile(
    r"(?:19|20)\d{2} ?[-/] ?(?:(?:19|20)?\d{2})|\d{1,2}[.:]\d{2} ?- ?\d{1,2}[.:]\d{2}"
    r"|(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}-\d{4}|\d{1,2}[./]\d{1,2} ?- ?\d{1,2}[./]\d{1,2}"
)
# Card numbers start with 2-6 (Mastercard, Visa, Amex, Discover…), never with a trunk or international 0.
_CARD = re.compile(r"[2-9]\d{3}(?:[ -]\d{4}){3,4}|[2-9]\d{12,18}")
_YYYYMMDD = re.compile(r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
_DIGIT_RUN = re.compile(r"\d(?:[\s().\-/]{0,3}\d){6}")
# Dutch and Danish national numbers of the right shape, though phonenumbers' range metadata
# may not list the block yet (it changes between releases; staff meet fresh ranges).
_PLAUSIBLE_NSN = {31: re.compile(r"6[1-9]\d{7}|[1-57-9]\d{8}"), 45: re.compile(r"[2-9]\d{7}")}
# Regions whose numbers are written nationally without a trunk prefix.
_NO_TRUNK = frozenset({"DK", "NO", "US"})

_SCANDINAVIAN = re.compile(
    r"[æøå]|\b(og|ikke|jeg|hun|hendes|hende|ham|til|også|gerne|meget|nogen|hvad|hej|hei|hva|noen|mye|"
    r"och|inte|jag|är|hon|henne|honom)\b",
    re.IGNORECASE,
)
_LANGUAGE_HINTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("sv", re.compile(r"\b(och|inte|jag|är|hon|henne|honom|också|ringa|tack)\b", re.IGNORECASE)),
    ("no", re.compile(r"\b(hei|hva|noen|mye|ikkje|fikk|kjenner|kjøpe|hennes|nå)\b", re.IGNORECASE)),
    ("da", re.compile(r"[æø]|\b(og|ikke|jeg|hun|hendes|hende|gerne|meget|nogen|hvad|hej)\b", re.IGNORECASE)),
    ("nl", re.compile(r"\b(het|een|niet|wil|zijn|haar|hij|zij|bellen|graag|ook|van|mijn|buurman|buurvrouw)\b", re.IGNORECASE)),
)
_LANGUAGE_REGIONS = {"nl": ("NL", "BE"), "da": ("DK",), "no": ("NO",), "sv": ("SE",), "de": ("DE",), "en": ()}
_COUNTRY_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("GB", re.compile(r"\b(uk|u\.k\.|brit\w*|engels\w*|england|english|london|londen|skotsk|scot\w*)\b", re.IGNORECASE)),
    ("US", re.compile(r"\b(usa|u\.s\.a?|americ\w*|amerika\w*|new york|californi\w*)\b", re.IGNORECASE)),
    ("DE", re.compile(r"\b(german\w*|duits\w*|duitsland|tysk\w*|deutsch\w*|berlin\w*|hamburg\w*|münchen)\b", re.IGNORECASE)),
    ("BE", re.compile(r"\b(belg\w*|brussel\w*|bruxelles|antwerp\w*|antwerpen|gent|vlaander\w*)\b", re.IGNORECASE)),
    ("SE", re.compile(r"\b(swed\w*|zweed\w*|zweden|svensk\w*|sverige|stockholm|göteborg|malmö)\b", re.IGNORECASE)),
    ("NO", re.compile(r"\b(norw\w*|noor\w*|norsk\w*|norge|oslo|bergen)\b", re.IGNORECASE)),
)


def _named_regions(text: str) -> tuple[str, ...]:
    return tuple(region for region, pattern in _COUNTRY_WORDS if pattern.search(text))


def likely_regions(text: str, *, language: str | None = None, regions: Sequence[str] = HOME_REGIONS) -> tuple[str, ...]:
    """The regions a national number in ``text`` is tried against, most likely first.

    Countries named in the text come first, then the regions of the text's language, then the
    organisation's ``regions``, then the neighbours its staff meet.
    """
    if language is None:
        language = next((lang for lang, pattern in _LANGUAGE_HINTS if pattern.search(text)), None)
    ordered = [*_named_regions(text), *_LANGUAGE_REGIONS.get(language or "", ()), *regions, *NEIGHBOUR_REGIONS]
    return tuple(dict.fromkeys(r.upper() for r in ordered))


def _digits(raw: str) -> str:
    return re.sub(r"\D", "", raw)


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _home_shape(number: phonenumbers.PhoneNumber) -> bool:
    pattern = _PLAUSIBLE_NSN.get(number.country_code or 0)
    return pattern is not None and bool(pattern.fullmatch(phonenumbers.national_significant_number(number)))


def normalize_phone(raw: str, default_region: str | None = None) -> str | None:
    """Return the E.164 form of ``raw`` (a phone field, so no context) or None.

    Accepted: valid in the given region, or (without one) in NL, DK or a neighbour region tried
    in that order; a Dutch or Danish number of the right national shape even if its block is
    missing from phonenumbers' metadata; an internationally written number of possible length.
    """
    if not raw or not raw.strip():
        return None
    cleaned = _normalise(raw.strip()).text.replace("(0)", " ")
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    regions = (default_region.upper(),) if default_region else (*HOME_REGIONS, *NEIGHBOUR_REGIONS)
    parsed: list[phonenumbers.PhoneNumber] = []
    for region in regions:
        try:
            parsed.append(phonenumbers.parse(cleaned, region))
        except phonenumbers.NumberParseException:
            continue
    for number in parsed:
        if phonenumbers.is_valid_number(number):
            return _e164(number)
    for number in parsed:
        if _home_shape(number) and (cleaned.startswith("+") or number.country_code in (31, 45)):
            if number.country_code == 31 and not cleaned.startswith(("+", "0")):
                continue  # a Dutch number written nationally starts with its trunk 0
            return _e164(number)
        nsn = phonenumbers.national_significant_number(number)
        if cleaned.startswith("+") and phonenumbers.is_possible_number(number) and len(nsn) >= 7:
            return _e164(number)
    return None


# --- phone numbers dictated in words ----------------------------------------------------
# "nul zes 34 82 19 07", "plus fire fem 28 37 46 19", "oh six two, nine three …": dictation and
# speech-to-text spell numbers out. Each language's number words are read into digits, the
# digits are then checked like any typed number (valid, or possible with a reason), so
# ordinary counts ("twee kinderen en drie honden") never have the digits of a phone number.
_UNITS = {
    "nl": ("nul", "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen"),
    "da": ("nul", "en", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni"),
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
}
_TEENS = {
    "nl": ("tien", "elf", "twaalf", "dertien", "veertien", "vijftien", "zestien", "zeventien", "achttien", "negentien"),
    "da": ("ti", "elleve", "tolv", "tretten", "fjorten", "femten", "seksten", "sytten", "atten", "nitten"),
    "en": ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"),
}
_TENS = {  # 20, 30, … 90
    "nl": ("twintig", "dertig", "veertig", "vijftig", "zestig", "zeventig", "tachtig", "negentig"),
    "da": ("tyve", "tredive", "fyrre", "halvtreds", "tres", "halvfjerds", "firs", "halvfems"),
    "en": ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"),
}
_OTHER_WORDS = {  # more spellings of a digit
    "nl": {"één": "1"},
    "da": {"et": "1"},
    "en": {"oh": "0", "nought": "0"},
}
# "dubbel zes" = 66; the repeat word stands before the digit it repeats.
_REPEATS = {"nl": {"dubbel": 2, "dubbele": 2, "tripel": 3}, "da": {"dobbelt": 2, "dobbel": 2, "tredobbelt": 3},
            "en": {"double": 2, "triple": 3}}
# "en"/"og"/"and" may stand between groups ("nul zes, twaalf en vierendertig") and inside a spaced
# compound ("zes en twintig" = 26, "seks og tyve" = 26).
_JOINERS = {"nl": "en", "da": "og", "en": "and"}
# "nine hundred", "drie honderd", "otte hundrede": dictation reads a group of three as a number.
_HUNDREDS = {"nl": ("honderd",), "da": ("hundrede", "hundred"), "en": ("hundred",)}


def _number_words(language: str) -> dict[str, str]:
    """Every word of ``language`` that stands for one or two digits, compounds included."""
    units, tens = _UNITS[language], _TENS[language]
    words = {word: str(digit) for digit, word in enumerate(units)}
    words |= {word: str(10 + i) for i, word in enumerate(_TEENS[language])}
    words |= {word: f"{i + 2}0" for i, word in enumerate(tens)}
    for i, ten in enumerate(tens):
        for digit, unit in enumerate(units[1:], start=1):
            if language == "nl":  # eenentwintig, tweeëntwintig (and without the diaeresis)
                for joined in {unit + ("ën" if unit.endswith("e") else "en") + ten, unit + "en" + ten}:
                    words[joined] = f"{i + 2}{digit}"
            elif language == "da":  # enogtyve, seksoghalvfems
                words[unit + "og" + ten] = f"{i + 2}{digit}"
    if language == "nl":  # written as one word: "driehonderd" = 300
        words |= {unit + "honderd": f"{digit}00" for digit, unit in enumerate(units[2:], start=2)}
    return words | _OTHER_WORDS[language]


_NUMBER_WORDS = {language: _number_words(language) for language in _UNITS}
_SPOKEN_TOKEN = re.compile(r"\+|\d+|[^\W\d_]+")
# Between two tokens of one dictated number: spaces and the punctuation people dictate with.
_SPOKEN_GAP = re.compile(r"[\s,.\-/()]{0,4}")


@dataclass(frozen=True)
class _Spoken:
    start: int
    end: int
    digits: str  # "+4528374619", "0634821907"


def _is_unit(value: str) -> bool:
    return len(value) == 1 and value != "0"


def _is_tens(value: str) -> bool:
    return len(value) == 2 and value.endswith("0") and value != "10"


def _read_number_words(tokens: list[str], i: int, language: str) -> tuple[str, int] | None:
    """The digits ``tokens[i:]`` begin with, and how many tokens they take; None for any other word."""
    words, repeats = _NUMBER_WORDS[language], _REPEATS[language]
    word, following, third = (tokens[i:i + 3] + ["", ""])[:3]
    if word.isdigit():
        return word, 1
    if word in repeats and len(words.get(following, "")) == 1:
        return words[following] * repeats[word], 2  # "dubbel zes" = 66
    if word not in words:
        return None
    value = words[word]
    if _is_unit(value) and following in _HUNDREDS[language]:
        return _read_hundreds(tokens, i + 2, language, value)
    if language == "en" and _is_tens(value) and _is_unit(words.get(following, "")):
        return value[0] + words[following], 2  # "twenty three", "twenty-three" = 23
    if language != "en" and _is_unit(value) and following == _JOINERS[language] and _is_tens(words.get(third, "")):
        return words[third][0] + value, 3  # "zes en twintig", "seks og tyve" = 26
    return value, 1


def _read_hundreds(tokens: list[str], i: int, language: str, hundreds: str) -> tuple[str, int]:
    """The three digits "N hundred [and] M" stands for, ``tokens[i:]`` following the hundred word.

    A number of two digits (or "and" and one digit) completes the group: "three hundred forty
    five" = 345, "otte hundrede og tolv" = 812, "nine hundred and five" = 905. Digits spelled one
    by one after it are the next digits of the phone number: "nine hundred one two three" = 900123.
    """
    joined = tokens[i] == _JOINERS[language] if i < len(tokens) else False
    k = i + joined
    rest = _read_number_words(tokens, k, language) if k < len(tokens) and tokens[k] in _NUMBER_WORDS[language] else None
    if rest is not None and (len(rest[0]) == 2 and rest[0][0] != "0" or (joined and _is_unit(rest[0]))):
        return hundreds + rest[0].zfill(2), 2 + joined + rest[1]
    return hundreds + "00", 2


_ANY_NUMBER_TOKEN = frozenset(
    [word for words in _NUMBER_WORDS.values() for word in words]
    + [word for hundreds in _HUNDREDS.values() for word in hundreds]
    + [word for repeats in _REPEATS.values() for word in repeats] + [*_JOINERS.values(), "plus", "+"]
)


def _spoken_tokens(text: str) -> list[re.Match[str]]:
    """The tokens of ``text`` when four number tokens stand in a row (8 digits need at least
    four words of two digits), else none: most messages are read no further."""
    found = list(_SPOKEN_TOKEN.finditer(text))
    in_a_row = 0
    for m in found:
        in_a_row = in_a_row + 1 if m.group().isdigit() or m.group().lower() in _ANY_NUMBER_TOKEN else 0
        if in_a_row == 4:
            return found
    return []


def _spoken_numbers(text: str, language: str, found: list[re.Match[str]]) -> list[_Spoken]:
    """Runs of digits and ``language``'s number words that hold at least one word and 8 digits."""
    tokens = [m.group().lower() for m in found]
    runs: list[_Spoken] = []
    i = 0
    while i < len(tokens):
        digits = "+" if tokens[i] in ("+", "plus") else ""
        j, end, has_word = i + len(digits), found[i].end(), False
        while j < len(tokens) and (j == i or _SPOKEN_GAP.fullmatch(text, found[j - 1].end(), found[j].start())):
            if tokens[j] == _JOINERS[language] and digits.strip("+") and _read_number_words(tokens, j + 1, language):
                j += 1  # "… twaalf en vierendertig": a joiner between two groups
                continue
            read = _read_number_words(tokens, j, language)
            if read is None:
                break
            digits, has_word = digits + read[0], has_word or not tokens[j].isdigit()
            j += read[1]
            end = found[j - 1].end()
        # Dictation spells from the start ("nul zes 34 …", "plus fire fem …"): a typed number
        # with a stray word after it ("01-02-2026 en") is the typed path's to judge.
        spelled_start = tokens[i] in ("+", "plus") or not tokens[i].isdigit()
        if has_word and spelled_start and len(digits.strip("+")) >= 8:
            runs.append(_Spoken(found[i].start(), end, digits))
        i = max(j, i + 1)
    return runs


# Codes that hold a phone-shaped digit run but are never phones: hexadecimal error codes (0x80070005).
_NEVER_PHONE = re.compile(r"\b0x[0-9a-f]+\b", re.IGNORECASE)
# The letters a number may be glued to without a space ("bel06-12345678", "mobil23456789").
_GLUED_PHONE_WORD = re.compile(
    r"bel\w*|ring\w*|call|tlf|tel|telefo\w*|phone|mob|mobi\w*|gsm|cell|nr|nummer|number|sms|whatsapp",
    re.IGNORECASE,
)
# "pensionsordning nr. 7712-483920", "medlemsnummer 4402918273": a number word closing a compound
# or following a noun that is not a phone's names a reference, not a phone.
_NUMBER_WORD_BEFORE = re.compile(
    r"(?:(?P<noun>[^\W\d_]+)[\s-]+)?(?:(?P<stem>[^\W\d_]*?)(?:nummer|nr|number)|no)\b\.?"
    r"(?:\s+(?:is|er|was|var|lyder|luidt))?[\s:#=-]{0,3}$",
    re.IGNORECASE,
)
# Parts of a word before "nummer"/"nr." that make it a phone's: "terugbelnummer", "mobilnr", "fastnet nr.".
_PHONE_NOUN = re.compile(
    r"tele?f|tlf|tel$|mobi|gsm|cell|phone|fastnet|vast|priv|direct|direkte|werk|arbejd|work|home|hjem|thuis|"
    r"nød|nood|emergency|kontakt|contact|whatsapp|sms|bel|ring|call|"
    r"dansk|danish|deens|hollandsk|nederland|dutch|engels|english|britisk|british|tysk|duits|german|svensk|norsk",
    re.IGNORECASE,
)
# Words before "nummer"/"nr." that say whose number it is, not what it numbers.
_OWNER_WORDS = frozenset([
    "mijn", "zijn", "haar", "hun", "uw", "je", "jouw", "ons", "onze", "het", "de", "dit", "dat", "deze", "die", "een",
    "ander", "andere", "nieuwe", "nieuw", "oude", "eigen",
    "min", "mit", "din", "hans", "hendes", "deres", "vores", "jeres", "sit", "sin", "det", "den", "et", "en", "nyt",
    "nye", "gamle", "andet", "eget",
    "my", "his", "her", "their", "our", "your", "the", "this", "that", "a", "new", "old", "other", "own",
])


def _names_a_reference(before: str) -> bool:
    """Whether ``before`` ends in a number word that numbers something other than a phone."""
    m = _NUMBER_WORD_BEFORE.search(before)
    if m is None or not (m.group("stem") or m.group("noun")):
        return False
    if m.group("stem"):  # a compound: "medlemsnummer", "tlfnr"
        return not _PHONE_NOUN.search(m.group("stem"))
    noun = m.group("noun")
    # "the shop's number", "brorens nr.", "Jans nummer": a genitive names whose number it is.
    possessive = noun.lower().endswith("s") or (m.start("noun") > 0 and before[m.start("noun") - 1] in "'’")
    # A capital is a name or a country ("Mettes nummer", "UK number"), not a kind of document.
    return not (possessive or noun[0].isupper() or noun.lower() in _OWNER_WORDS
                or _PHONE_NOUN.search(noun) or PHONE_WORDS.search(noun))


def _is_mobile(parses: list[tuple[str, phonenumbers.PhoneNumber]]) -> bool:
    return any(
        phonenumbers.is_valid_number(n) and phonenumbers.number_type(n) == phonenumbers.PhoneNumberType.MOBILE
        for _region, n in parses
    )


@dataclass(frozen=True)
class _Context:
    """What the whole message says about the numbers in it."""

    scandinavian: bool  # a bare run of 8 digits is a phone here
    named: tuple[str, ...]  # countries the text names: their numbers count when merely possible
    preferred: frozenset[str]  # the organisation's, the named and the language's regions


def _phone_value(
    text: str, start: int, end: int, raw: str, parses: list[tuple[str, phonenumbers.PhoneNumber]], context: _Context,
    *, spoken: bool = False,
) -> str | None:
    """The E.164 value of the candidate ``raw`` at ``text[start:end]``, or None when it is no phone.

    ``raw`` is what was typed, or (``spoken``) the digits a dictated number was read as.
    """
    digits = _digits(raw)
    if not 8 <= len(digits) <= 15:
        return None
    before, after = text[max(0, start - 40):start], text[end:end + 16]
    glued = bool(start) and text[start - 1].isalpha()
    if glued and not _GLUED_PHONE_WORD.fullmatch(re.findall(r"[^\W\d_]+$", text[:start])[0]):
        return None  # "AB12345678" is a code; "bel06-12345678" is a phone
    if start and (text[start - 1].isdigit() or text[start - 1] in "+/@#<>"):
        return None
    if start >= 2 and ((text[start - 1] == "-" and text[start - 2].isalnum())
                       or (text[start - 1] in ":." and text[start - 2].isdigit())):
        return None  # the tail of a code or a time: "AB-12345678", "19:46:33.410819"
    if end < len(text) and (text[end].isalnum() or text[end] in "@<>" or re.match(r"[.,:/-]\d", text[end:end + 2])):
        return None
    stripped = raw.lstrip("(")
    international = stripped.startswith(("+", "00"))
    cue = bool(PHONE_WORDS.search(before) or PHONE_WORDS_AFTER.search(after))
    if spoken and not (raw.startswith(("0", "+")) or cue):
        return None  # counting ("one two three … ten") is no phone: dictation starts with 0, "plus" or a phone word
    bare = raw.strip("()")
    if any(p.fullmatch(bare) for p in (_DATE_LIKE, _THOUSANDS, _CARD, _RANGES)):
        return None
    if MONEY_BEFORE.search(before) or MONEY_AFTER.search(after):
        return None
    # A word naming an identifier right before the number wins over everything but a typed "+":
    # writers of reference numbers like the shape of a mobile number ("klantnummer 0612 …").
    if not stripped.startswith("+") and (NOT_PHONE_BEFORE.search(before) or IBAN_BEFORE.search(before)):
        return None
    # A number word after another noun ("pensionsordning nr. …") names a reference too, unless the
    # number is a valid mobile or a phone word follows it ("nr 61 47 28 93 (mobil)").
    if (not stripped.startswith("+") and _names_a_reference(before)
            and not (_is_mobile(parses) or PHONE_WORDS_AFTER.search(after))):
        return None
    # A bare run of 8 digits: a phone number in a Scandinavian message or next to a phone word.
    bare_eight = len(digits) == 8 and raw.isdigit()
    if bare_eight and (not (context.scandinavian or cue) or (_YYYYMMDD.fullmatch(digits) and not cue)):
        return None
    # A number without trunk or country prefix read as American (or Norwegian) in a message that
    # neither names that country nor is in its language needs a phone word: "7712-483920" in a
    # Danish message is a reference.
    parses = [(r, n) for r, n in parses if r not in _NO_TRUNK or r in context.preferred or cue]
    for region, number in parses:
        # A country the text names reads its own numbers, allocated block or not (Ofcom's 07700 900xxx).
        if phonenumbers.is_valid_number(number) or (region in context.named and phonenumbers.is_possible_number(number)):
            return _e164(number)
    if glued:
        return None  # glued to a word, only a valid number counts
    for _region, number in parses:
        possible = phonenumbers.is_possible_number(number)
        if _home_shape(number) or (possible and (international or cue)):
            return _e164(number)
    if not international and not digits.startswith("0") and len(digits) in (10, 11, 12):
        # A country code typed without its plus: 31612345678, 4523456789.
        try:
            number = phonenumbers.parse("+" + digits, None)
        except phonenumbers.NumberParseException:
            return None
        if number.country_code in (31, 45) and phonenumbers.is_valid_number(number):
            return _e164(number)
    return None


# Phone-shaped runs the matcher may refuse (it drops "28/17/39/46" as a date, for one): a "+",
# "00" or "(" start, then digits and the separators people type. Checked like the matcher's finds.
PHONE_CANDIDATE_RE = re.compile(
    r"(?<![\w+/.,-])(?:\+|\()?\d(?:\d|[ \-./](?=[\d(])| ?- ?(?=\d)|\(0\)|[()](?=[\d ]))*\d(?![\w]|[.,]\d)"
)


def _parse_in(raw: str, regions: tuple[str, ...]) -> list[tuple[str, phonenumbers.PhoneNumber]]:
    """Parse ``raw`` in each region it can belong to: a national number with a trunk ``0`` only
    where numbers carry one, one without only in DK, NO and US, an international one once."""
    digits = raw.lstrip("( ")
    if digits.startswith(("+", "00")):
        try:  # "00" is the international prefix everywhere in Europe (not in the US: "011")
            return [("", phonenumbers.parse("+" + digits[2:] if digits.startswith("00") else digits, None))]
        except phonenumbers.NumberParseException:
            return []
    if digits.startswith("0"):
        regions = tuple(r for r in regions if r not in _NO_TRUNK)
    else:
        regions = tuple(r for r in regions if r in _NO_TRUNK)
    parses = []
    for region in regions:
        try:
            parses.append((region, phonenumbers.parse(raw.replace("/", " "), region)))
        except phonenumbers.NumberParseException:
            continue
    return parses


def _phone_spans(
    text: str, taken: list[Span], regions: tuple[str, ...], home: Sequence[str], context: _Context,
) -> list[Span]:
    tokens = _spoken_tokens(text)
    spoken = [s for language in _UNITS for s in _spoken_numbers(text, language, tokens)] if tokens else []
    if not spoken and not _DIGIT_RUN.search(text):
        return []  # fewer than 7 digits close together: no phone number, skip the matcher
    # The matcher, run over the organisation's countries, finds the runs; each run is then read
    # in every likely region it can belong to, most likely first. Phone-shaped runs the matcher
    # refuses (it drops "28/17/39/46" as a date) are read the same way.
    runs = {
        (match.start, match.end)
        for region in home
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE)
    }
    runs |= {
        (m.start(), m.end()) for m in PHONE_CANDIDATE_RE.finditer(text)
        if not any(start <= m.start() and m.end() <= end for start, end in runs)
    }
    taken = taken + [Span(m.start(), m.end(), "code", "") for m in _NEVER_PHONE.finditer(text)]
    # Dictated numbers first: "plus fire fem 28 37 46 19" is one number, not "28 37 46 19" alone.
    # Then the longest typed runs first, so "+31 (0)6 1234 5678" wins over a piece of it.
    candidates = [(s.start, s.end, s.digits, True) for s in sorted(spoken, key=lambda s: (s.start - s.end, s.start))]
    candidates += [
        (start, end, text[start:end], False) for start, end in sorted(runs, key=lambda run: (run[0] - run[1], run[0]))
    ]
    spans: list[Span] = []
    for start, end, raw, is_spoken in candidates:
        if any(s.start < end and start < s.end for s in (*taken, *spans)):
            continue
        value = _phone_value(text, start, end, raw, _parse_in(raw, regions), context, spoken=is_spoken)
        if value is not None:
            spans.append(Span(start, end, "phone", value))
    return spans


def _spans_in(text: str, *, regions: Sequence[str], language: str | None) -> list[Span]:
    ibans = _iban_spans(text)
    emails = [s for s in _email_spans(text) if not any(s.start < i.end and i.start < s.end for i in ibans)]
    home = tuple(r.upper() for r in regions)
    if language is None:
        language = next((lang for lang, pattern in _LANGUAGE_HINTS if pattern.search(text)), "en")
    named = _named_regions(text)
    context = _Context(
        scandinavian=bool(_SCANDINAVIAN.search(text)),
        named=named,
        # English is the language of American numbers: there a bare 10-digit run may be one.
        preferred=frozenset((*home, *named, *_LANGUAGE_REGIONS.get(language, ()), *(("US",) if language == "en" else ()))),
    )
    phones = _phone_spans(text, ibans + emails, likely_regions(text, language=language, regions=home), home, context)
    return sorted(ibans + emails + phones, key=lambda s: s.start)


def find_spans(text: str, *, regions: Sequence[str] = HOME_REGIONS, language: str | None = None) -> list[Span]:
    """All contact spans, sorted by position, non-overlapping, with offsets into ``text`` as given.

    ``regions`` are the organisation's countries; ``language`` (nl, da, en, no, sv) when the
    caller knows it — otherwise the text's own words decide which region a number is tried in first.
    """
    normalised = _normalise(text)
    spans = _spans_in(normalised.text, regions=regions, language=language)
    if normalised.starts is None:
        return spans
    return [Span(*normalised.original(s.start, s.end), s.label, s.value) for s in spans]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def extract_contacts(text: str, spans: list[Span] | None = None) -> Contacts:
    spans = find_spans(text) if spans is None else spans
    return Contacts(
        phones=_unique([s.value for s in spans if s.label == "phone"]),
        emails=_unique([s.value for s in spans if s.label == "email"]),
        ibans=_unique([s.value for s in spans if s.label == "iban"]),
    )


def redact(text: str) -> str:
    """Replace every phone, e-mail and IBAN with ``[phone]``, ``[email]``, ``[iban]``."""
    out, last = [], 0
    for span in find_spans(text):
        out.append(text[last:span.start])
        out.append("[iban]" if span.label == "iban_shape" else f"[{span.label}]")
        last = span.end
    out.append(text[last:])
    return "".join(out)
