"""Products mentioned in a message ("topics"), from the vocabulary in fixtures/nlp/products.json.

A spaCy ``PhraseMatcher`` on lowercased tokens finds phrases and short words; a ``Matcher``
with one prefix regex per topic finds long words inside Dutch/Danish inflections and
compounds ("hypotheekaanvraag", "boliglånet"), which whole-token matching would miss.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher

__all__ = ["TopicMatcher", "load_products", "PREFIX_MIN_LEN"]

PREFIX_MIN_LEN = 6


def load_products(path: Path) -> dict[str, list[str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: [t.lower() for t in v] for k, v in data.items() if not k.startswith("_")}


class TopicMatcher:
    def __init__(self, nlp: Language, products: dict[str, list[str]]) -> None:
        self.order = list(products)
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.prefixes = Matcher(nlp.vocab)
        for topic, terms in products.items():
            docs = []
            stems = []
            for term in terms:
                doc = nlp.make_doc(term)
                if len(doc) == 1 and len(term) >= PREFIX_MIN_LEN:
                    stems.append(re.escape(term))
                else:
                    docs.append(doc)
            if docs:
                self.phrases.add(topic, docs)
            if stems:
                self.prefixes.add(topic, [[{"LOWER": {"REGEX": "^(?:%s)" % "|".join(stems)}}]])

    def __call__(self, doc) -> list[str]:
        vocab = doc.vocab
        found = {vocab.strings[m_id] for m_id, _, _ in self.phrases(doc)}
        found |= {vocab.strings[m_id] for m_id, _, _ in self.prefixes(doc)}
        return [t for t in self.order if t in found]
