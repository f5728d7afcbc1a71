"""Contact details in free text: phone numbers, e-mail addresses and IBANs.

Regexes run over the raw text (the nl/da tokenizers keep ``06-12345678`` as one
token while ``xx``/``en`` split it, so token patterns are unreliable); every
candidate is then validated: phones with ``phonenumbers``, IBANs with the
ISO 13616 mod-97 check. Bare 8-digit Danish numbers collide with amounts, dates,
years and card numbers, so they are only accepted with phone-like grouping or a
phone word nearby and no money word next to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import phonenumbers
from phonenumbers import PhoneNumberFormat

__all__ = ["Contacts", "extract_contacts", "normalize_phone", "redact", "find_spans"]

DEFAULT_REGIONS: tuple[str, ...] = ("NL", "DK")


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
    label: str  # "phone" | "email" | "iban"
    value: str  # normalised value


# --- e-mail ---------------------------------------------------------------------------
EMAIL_RE = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])"
)
# Obfuscated forms staff type to dodge autocorrect: "jan at gmail dot com", "jan(at)gmail.com".
EMAIL_OBFUSCATED_RE = re.compile(
    r"(?<![\w.])([A-Za-z0-9][A-Za-z0-9._%+-]*)\s*(?:\(at\)|\[at\]|\sat\s|\(a\)|\[a\])\s*"
    r"([A-Za-z0-9-]+(?:\s*(?:\.|\(dot\)|\[dot\]|\sdot\s|\sprik\s|\spunkt\s)\s*[A-Za-z0-9-]+)+)",
    re.IGNORECASE,
)

# --- IBAN -----------------------------------------------------------------------------
# Country code, 2 check digits, then 10..30 alphanumerics, optionally grouped in fours.
IBAN_RE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]){10,30})(?![A-Za-z0-9])")
IBAN_LENGTHS = {
    "NL": 18, "DK": 18, "DE": 22, "BE": 16, "GB": 22, "FR": 27, "ES": 24, "IT": 27, "SE": 24,
    "NO": 15, "FI": 18, "PL": 28, "AT": 20, "CH": 21, "IE": 22, "LU": 20, "PT": 25, "FO": 18,
    "GL": 18, "IS": 26, "EE": 20, "LT": 20, "LV": 21,
}


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


# --- phones ---------------------------------------------------------------------------
# A run that starts like a phone number ("+", "00", "(", or a digit) and continues with
# digits and the separators people type: spaces, dashes, dots, slashes, "(0)".
PHONE_CANDIDATE_RE = re.compile(
    r"(?<![\w+/.,-])"
    r"(\+|00|\()?\d(?:[\d]|[ \-./](?=[\d(])|\(0\)|[()](?=[\d ]))*\d"
    r"(?![\w]|[.,]\d|[:/-]\d)"
)
PHONE_WORDS = re.compile(
    r"\b(tlf|tel|telefon\w*|telephone|phone|mobil\w*|mob|gsm|nr|nummer|number|no|num|ring\w*|"
    r"bel\w*|call\w*|sms\w*|text|whatsapp|wa|app|kontakt\w*|contact|bereikbaar|reach|op|on|på|via|"
    r"tlfnr|telnr|mobilnr|mobielnummer|telefoonnummer|telefonnummer)\b\W{0,3}$",
    re.IGNORECASE,
)
MONEY_WORDS = re.compile(
    r"(kr\b|kr\.|kroner|dkk|eur\b|euro|€|\$|usd|gbp|£|procent|percent|%|pct|mio|million|mill|"
    r"tusind|duizend|thousand|k\b|m2|m²|km|kvm|stk|uur|timer|hours|dage|dagen|days|år|jaar|years)",
    re.IGNORECASE,
)
MONEY_BEFORE = re.compile(r"(kr\.?|dkk|eur|€|\$|£|usd|gbp|ca\.?|cirka|omkring|about|around|rond|ongeveer)\s*$", re.IGNORECASE)
NOT_PHONE_BEFORE = re.compile(
    r"\b(konto\w*|account\w*|rekening\w*|reknr|cpr\w*|bsn|kort\w*|card\w*|pas\w*|ordre\w*|order\w*|"
    r"sag\w*|case|ref\w*|kunde(?:nr|nummer)|customer (?:no|number|id)|klant(?:nr|nummer)|cvr\w*|kvk\w*|btw\w*|moms\w*|se|vat|polis\w*|police\w*|policy|reg\w*|pin|kode|code|"
    r"faktura\w*|invoice|factuur\w*|postcode|postnr)\b\W{0,4}(nr\.?|no\.?|nummer|number)?\W{0,3}$",
    re.IGNORECASE,
)
DATE_LIKE = re.compile(r"^\d{1,2}[-./]\d{1,2}[-./](\d{2}|\d{4})$|^\d{4}[-./]\d{1,2}[-./]\d{1,2}$")


def _digits(raw: str) -> str:
    return re.sub(r"\D", "", raw)


# National significant numbers that are well-formed for NL and DK even when phonenumbers'
# range metadata does not list the block as allocated (it changes between releases, and
# staff type numbers from fresh ranges). Anything else must pass ``is_valid_number``.
_PLAUSIBLE_NSN = {31: re.compile(r"6[1-9]\d{7}|[1-57-9]\d{8}"), 45: re.compile(r"[2-9]\d{7}")}


def _plausible(number: phonenumbers.PhoneNumber) -> bool:
    if phonenumbers.is_valid_number(number):
        return True
    pattern = _PLAUSIBLE_NSN.get(number.country_code) if number.country_code is not None else None
    nsn = phonenumbers.national_significant_number(number)
    if pattern is not None:
        return bool(pattern.fullmatch(nsn))
    # Other countries: a number of possible length for its country code.
    return phonenumbers.is_possible_number(number) and len(nsn) >= 7


def normalize_phone(raw: str, default_region: str | None = None) -> str | None:
    """Return the E.164 form of ``raw`` or None when it is not a plausible phone number.

    Plausible = valid per phonenumbers, or (for NL and DK) of the right national shape
    (06 + 8 digits, a 9-digit area number, 8 digits starting 2-9) so that numbers in
    blocks missing from phonenumbers' metadata are still found and redacted.
    Without a region, national numbers are tried as Dutch first, then Danish.
    """
    if not raw or not raw.strip():
        return None
    cleaned = raw.strip().replace("(0)", " ")
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    regions = (default_region.upper(),) if default_region else DEFAULT_REGIONS
    for region in regions:
        try:
            number = phonenumbers.parse(cleaned, region)
        except phonenumbers.NumberParseException:
            continue
        if _plausible(number):
            return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return None


def _phone_from_candidate(text: str, start: int, end: int) -> str | None:
    raw = text[start:end]
    digits = _digits(raw)
    if len(digits) < 8 or len(digits) > 15:
        return None
    if DATE_LIKE.match(raw.strip()):
        return None
    before = text[max(0, start - 30):start]
    after = text[end:end + 14]
    strong_shape = raw.startswith(("+", "00")) or re.fullmatch(r"06\d{8}", digits)
    if not strong_shape and NOT_PHONE_BEFORE.search(before):
        return None
    if MONEY_BEFORE.search(before) or re.match(r"\s*[,.]?-?\s*" + MONEY_WORDS.pattern, after, re.IGNORECASE):
        return None
    # Card numbers: 13-19 digits grouped in fours (4111 1111 1111 1111).
    if re.fullmatch(r"\d{4}([ -]\d{4}){2,4}", raw.strip()):
        return None
    international = raw.startswith("+") or raw.startswith("00")
    if international:
        return normalize_phone(raw)
    if digits.startswith("0"):
        # Dutch national formats: 06-12345678, 020 123 4567, (010) 1234567. Danish numbers never start with 0.
        if len(digits) != 10:
            return None
        return normalize_phone(raw, "NL")
    if len(digits) == 8:
        grouped = re.fullmatch(r"\d{2}([ .-])\d{2}\1\d{2}\1\d{2}|\d{4}[ -]\d{4}|\d{2} \d{3} \d{3}|\d{3} \d{2} \d{3}", raw)
        if not grouped and not PHONE_WORDS.search(before):
            return None
        looks_like_a_date = re.fullmatch(r"(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])", digits)
        if not grouped and looks_like_a_date and not PHONE_WORDS.search(before):
            return None
        return normalize_phone(raw, "DK")
    if len(digits) in (9, 11) and digits.startswith(("31", "45")):
        # Country code without the plus: 31612345678, 4512345678.
        return normalize_phone("+" + digits)
    return None


def _email_spans(text: str) -> list[Span]:
    spans = [Span(m.start(), m.end(), "email", m.group(0).lower()) for m in EMAIL_RE.finditer(text)]
    for m in EMAIL_OBFUSCATED_RE.finditer(text):
        if any(s.start < m.end() and m.start() < s.end for s in spans):
            continue
        domain = re.sub(r"\s*(?:\.|\(dot\)|\[dot\]|\sdot\s|\sprik\s|\spunkt\s)\s*", ".", m.group(2), flags=re.IGNORECASE)
        if not re.search(r"\.[A-Za-z]{2,24}$", domain):
            continue
        spans.append(Span(m.start(), m.end(), "email", f"{m.group(1)}@{domain}".lower()))
    return spans


# Structurally an IBAN (country, check digits, 4-letter bank code, digits) even when the
# checksum fails: such text is redacted and never mistaken for a phone, but not extracted.
IBAN_SHAPE_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}[ -]?[A-Za-z]{4}(?:[ -]?\d){6,24}(?![A-Za-z0-9])")


def _iban_spans(text: str) -> list[Span]:
    spans = [Span(m.start(), m.end(), "iban_shape", "") for m in IBAN_SHAPE_RE.finditer(text)]
    valid = _valid_iban_spans(text)
    spans = [s for s in spans if not any(v.start < s.end and s.start < v.end for v in valid)]
    return valid + spans


def _valid_iban_spans(text: str) -> list[Span]:
    spans = []
    for m in IBAN_RE.finditer(text):
        raw = m.group(1)
        compact = re.sub(r"[ \-]", "", raw).upper()
        # The regex is greedy; a trailing word may have been swallowed ("NL91 ABNA 0417 1643 00 graag").
        for cut in range(len(compact), 13, -1):
            if iban_is_valid(compact[:cut]):
                # map the compact length back to a raw end offset
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


def _phone_spans(text: str, taken: list[Span]) -> list[Span]:
    spans = []
    for m in PHONE_CANDIDATE_RE.finditer(text):
        start, end = m.start(), m.end()
        if any(s.start < end and start < s.end for s in taken):
            continue
        value = _phone_from_candidate(text, start, end)
        if value is None:
            # A long run may hold two numbers or a number and a trailing amount; try splitting on
            # " / " and " of "/" eller " is not worth it here, but a leading "(" is common.
            continue
        spans.append(Span(start, end, "phone", value))
    return spans


def find_spans(text: str) -> list[Span]:
    """All validated contact spans, sorted by position, non-overlapping."""
    ibans = _iban_spans(text)
    emails = [s for s in _email_spans(text) if not any(s.start < i.end and i.start < s.end for i in ibans)]
    phones = _phone_spans(text, ibans + emails)
    return sorted(ibans + emails + phones, key=lambda s: s.start)


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
    """Replace every phone, e-mail and IBAN with ``[phone]``, ``[email]``, ``[iban]`` (for logs)."""
    out, last = [], 0
    for span in find_spans(text):
        out.append(text[last:span.start])
        out.append("[iban]" if span.label == "iban_shape" else f"[{span.label}]")
        last = span.end
    out.append(text[last:])
    return "".join(out)
