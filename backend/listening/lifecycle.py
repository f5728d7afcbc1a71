"""The lifecycle of each kind of signal: its statuses, allowed transitions, and plain words for the
employee who submitted it. Data, not code paths, so the table is the single source of truth."""
from __future__ import annotations

from backend.listening.models import Kind

NEW = "new"
WITHDRAWN = "withdrawn"

TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    Kind.LEAD: {
        "new": frozenset({"claimed", "lost"}),
        "claimed": frozenset({"contacted", "lost"}),
        "contacted": frozenset({"won", "lost"}),
    },
    Kind.COMPLAINT: {
        "new": frozenset({"acknowledged", "in_progress", "resolved"}),
        "acknowledged": frozenset({"in_progress", "resolved"}),
        "in_progress": frozenset({"resolved"}),
    },
    Kind.REFERRAL: {
        "new": frozenset({"screening", "declined"}),
        "screening": frozenset({"interviewing", "declined"}),
        "interviewing": frozenset({"hired", "declined"}),
    },
    Kind.FRIEND_DISCOUNT: {
        "new": frozenset({"approved", "declined"}),
    },
    Kind.FEEDBACK: {
        "new": frozenset({"acknowledged", "declined"}),
        "acknowledged": frozenset({"planned", "declined"}),
    },
}

# Closing a signal needs the why: the lost reason, the resolution, the discount code or reference.
NOTE_REQUIRED: dict[str, frozenset[str]] = {
    Kind.LEAD: frozenset({"lost", "won"}),
    Kind.COMPLAINT: frozenset({"resolved"}),
    Kind.REFERRAL: frozenset({"declined"}),
    Kind.FRIEND_DISCOUNT: frozenset({"approved", "declined"}),
    Kind.FEEDBACK: frozenset({"declined"}),
}

TERMINAL: dict[str, frozenset[str]] = {
    Kind.LEAD: frozenset({"won", "lost"}),
    Kind.COMPLAINT: frozenset({"resolved"}),
    Kind.REFERRAL: frozenset({"hired", "declined"}),
    Kind.FRIEND_DISCOUNT: frozenset({"approved", "declined"}),
    Kind.FEEDBACK: frozenset({"planned", "declined"}),
}

# A lead is "claimed" by claiming it; the other kinds keep their status when someone picks them up.
STATUS_ON_CLAIM: dict[str, str] = {Kind.LEAD: "claimed"}


def statuses(kind: str) -> list[str]:
    seen = [NEW]
    for source, targets in TRANSITIONS[kind].items():
        for s in [source, *sorted(targets)]:
            if s not in seen:
                seen.append(s)
    return [*seen, WITHDRAWN]


ALL_STATUSES: frozenset[str] = frozenset(s for k in Kind.values for s in statuses(k))


def is_closed(kind: str, status: str) -> bool:
    return status == WITHDRAWN or status in TERMINAL[kind]


def can_transition(kind: str, from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS[kind].get(from_status, frozenset())


def reachable(kind: str, from_status: str) -> frozenset[str]:
    """Every status the lifecycle can still reach from `from_status` (not itself, unless a loop)."""
    seen: set[str] = set()
    todo = [from_status]
    while todo:
        for nxt in TRANSITIONS[kind].get(todo.pop(), frozenset()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return frozenset(seen)


def is_behind(kind: str, current: str, target: str) -> bool:
    """True when `target` is where the signal already is or has been on its way to `current`: an
    event about it that arrives now is late, not a move (inbound status events, issue 18)."""
    return target == current or current in reachable(kind, target)


# What the submitter reads about their signal, in their own language.
_STATUS_TEXT: dict[str, dict[str, str]] = {
    "new": {"en": "Received; waiting for the team to pick it up",
            "nl": "Ontvangen; wacht tot het team het oppakt",
            "da": "Modtaget; venter på at teamet tager den"},
    # Issue 20: the claim deadline passed. Never says who was late.
    "waiting": {"en": "Received; still waiting for a colleague to pick it up",
                "nl": "Ontvangen; nog even wachten tot een collega het oppakt",
                "da": "Modtaget; venter stadig på at en kollega tager den"},
    "triage": {"en": "Received; we are checking which team should handle it",
               "nl": "Ontvangen; we kijken welk team het oppakt",
               "da": "Modtaget; vi finder det rette team"},
    "claimed": {"en": "A colleague has picked it up", "nl": "Een collega heeft het opgepakt",
                "da": "En kollega har taget den"},
    "contacted": {"en": "They have been contacted", "nl": "Er is contact opgenomen",
                  "da": "Der er taget kontakt"},
    "won": {"en": "It became a customer. Thank you!", "nl": "Het is klant geworden. Dank je!",
            "da": "Det blev til en kunde. Tak!"},
    "lost": {"en": "Closed without a sale", "nl": "Afgesloten zonder verkoop", "da": "Lukket uden salg"},
    "acknowledged": {"en": "The team is looking into it", "nl": "Het team kijkt ernaar",
                     "da": "Teamet kigger på det"},
    "in_progress": {"en": "Being worked on", "nl": "Wordt aan gewerkt", "da": "Der arbejdes på det"},
    "resolved": {"en": "Resolved", "nl": "Opgelost", "da": "Løst"},
    "screening": {"en": "Recruitment is reviewing the candidate", "nl": "Recruitment bekijkt de kandidaat",
                  "da": "Rekruttering ser på kandidaten"},
    "interviewing": {"en": "The candidate is in interviews", "nl": "De kandidaat is in gesprek",
                     "da": "Kandidaten er til samtale"},
    "hired": {"en": "Hired. Thank you!", "nl": "Aangenomen. Dank je!", "da": "Ansat. Tak!"},
    "declined": {"en": "Closed", "nl": "Afgesloten", "da": "Lukket"},
    "approved": {"en": "The discount was approved", "nl": "De korting is goedgekeurd",
                 "da": "Rabatten er godkendt"},
    "planned": {"en": "Planned. Thank you for the idea!", "nl": "Ingepland. Dank voor het idee!",
                "da": "Planlagt. Tak for idéen!"},
    "withdrawn": {"en": "Withdrawn by you", "nl": "Door jou ingetrokken", "da": "Trukket tilbage af dig"},
}


def status_text(status: str, language: str, *, in_triage: bool = False, waiting: bool = False) -> str:
    """`waiting`: the claim deadline passed and nobody has it (listening/sla.py)."""
    key = ("waiting" if waiting else "triage" if in_triage else status) if status == NEW else status
    texts = _STATUS_TEXT.get(key, {})
    return texts.get(language) or texts.get("en") or status
