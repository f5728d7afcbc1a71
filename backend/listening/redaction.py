"""What of a signal's words may be shown to someone who is not handling it: contact details go
(nlp.redact) and so do the names of the third persons it is about ("mijn buurman Henk").

Name detection is a heuristic, tuned to err on the side of hiding: any capitalised word inside a
sentence goes (people, but also places and brands; the topics nlp found are shown beside the text),
and so does the word after a word for a relation (neighbour, colleague, sister, ...), capitalised
or not, because staff type informally on a phone ("mijn buurman henk"). A name that opens a
sentence and follows no relation word is missed; the drill-down says names are removed, and this
is where that promise is kept, so extend the lists rather than loosen them.
"""
from __future__ import annotations

import re

import nlp

NAME = "[name]"


def _words(listing: str) -> frozenset[str]:
    return frozenset(listing.split())

# Words for people one knows, in nl, da and en; the word after one of them is taken for a name.
_RELATIONS = _words("""
buurman buurvrouw buren buurjongen buurmeisje vriend vriendin vriendje collega oud-collega zus zusje broer
broertje moeder vader oom tante neef nicht opa oma schoonmoeder schoonvader zwager schoonzus zoon dochter
kennis klant man vrouw partner vriendinnetje baas manager mevrouw meneer dhr mevr mw
nabo naboen ven veninde veninden kollega kollegaen søster bror mor far onkel moster faster fætter kusine
svigermor svigerfar svoger svigerinde søn datter bekendt kunde mand kone kæreste chef hr fru
neighbour neighbor friend colleague coworker sister brother mother father mom mum dad uncle aunt cousin
nephew niece grandma grandpa son daughter acquaintance customer client husband wife boyfriend girlfriend
boss mr mrs ms miss
""")

# Capitalised words that are not names, mostly English ones that take a capital anyway.
_NOT_NAMES = _words("""
I I'm I've I'll I'd Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April
May June July August September October November December English Dutch Danish OK Ok
""")

_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?:;\n]\s*$")
# Words that follow a relation word but are not a name ("mijn buurman wil ...", "my friend is ...",
# "mijn buurman, hij wil ...": pronouns too).
_FUNCTION_WORDS = _words("""
wil wilde heeft had is was zegt zei vraagt vroeg van die dat en of de het een in op bij met om te ook
vil ville har havde er var siger sagde spørger spurgte og eller den det en et i på hos med om at også
wants wanted has had is was says said asks asked and or the a an in on at with about to also who that
belde mailde schreef kwam zou kan ringede skrev kom ville kan called rang wrote came would could can
hij zij ze hem haar zijn hun ik jij je u wij we han hun hende ham jeg du vi hans hendes sin sit sine
he she him her his they them their i you we
""")


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper() and (len(word) == 1 or word[1:].islower() or "-" in word or "'" in word)


def redact_people(text: str) -> str:
    """The text without contact details and without the names of third persons."""
    text = nlp.redact(text)
    out: list[str] = []
    last = 0
    after_relation = False
    for match in _WORD.finditer(text):
        word = match.group()
        before = text[last:match.start()]
        sentence_start = not out and not text[:match.start()].strip() or bool(
            _SENTENCE_END.search(text[:match.start()]))
        named_by_relation = after_relation and word.lower() not in _FUNCTION_WORDS | _RELATIONS
        hide = named_by_relation or (not sentence_start and _is_capitalised(word) and word not in _NOT_NAMES)
        out.append(before)
        out.append(NAME if hide else word)
        # A second given name or a surname right after a hidden one goes too ("buurman Henk de Vries").
        after_relation = word.lower().strip(".") in _RELATIONS or (hide and after_relation)
        last = match.end()
    out.append(text[last:])
    return re.sub(r"\[name\](?:\s+\[name\])+", NAME, "".join(out))


def excerpt(text: str, *, limit: int = 60) -> str:
    """A short, contact-free and name-free excerpt for an inbox title."""
    words = " ".join(redact_people(text).split())
    if len(words) <= limit:
        return words
    cut = words[:limit].rsplit(" ", 1)[0]
    return f"{cut}…"
