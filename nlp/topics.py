"""Products mentioned in a message ("topics"), from the vocabulary in fixtures/nlp/products.json.

A spaCy ``PhraseMatcher`` on lowercased tokens finds phrases and short words; long single
words (6+ letters) also match as token prefixes, which finds them inside Dutch/Danish
inflections and compounds ("hypotheekaanvraag", "boliglånet") that whole-token matching
would miss.
"""

from __future__ import annotations

import json
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

__all__ = ["TopicMatcher", "load_products", "PREFIX_MIN_LEN"]

PREFIX_MIN_LEN = 6


def load_products(path: Path) -> dict[str, list[str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: [t.lower() for t in v] for k, v in data.items() if not k.startswith("_")}


class TopicMatcher:
    def __init__(self, nlp: Language, products: dict[str, list[str]]) -> None:
        self.order = list(products)
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        # stem → topics, bucketed by the first 3 letters; a dict lookup per token is far
        # cheaper than a REGEX token pattern.
        self.stems: dict[str, list[tuple[str, str]]] = {}
        for topic, terms in products.items():
            docs = []
            stems = []
            for term in terms:
                doc = nlp.make_doc(term)
                if len(doc) == 1 and len(term) >= PREFIX_MIN_LEN:
                    stems.append(term)
                else:
                    docs.append(doc)
            if docs:
                self.phrases.add(topic, docs)
            for stem in stems:
                self.stems.setdefault(stem[:3], []).append((stem, topic))

    def __call__(self, doc: Doc) -> list[str]:
        vocab = doc.vocab
        found = {vocab.strings[m_id] for m_id, _, _ in self.phrases(doc)}
        for token in doc:
            word = token.lower_
            for stem, topic in self.stems.get(word[:3], ()):
                if word.startswith(stem):
                    found.add(topic)
        return [t for t in self.order if t in found]
