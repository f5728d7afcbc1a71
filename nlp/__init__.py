"""Relay's message router: kind, language, urgency, contact details and products in what staff hear.

Pure Python + spaCy; never imports Django. The backend calls::

    import nlp
    result = nlp.classify("klant wil een hypotheekofferte, bel 06-12345678")
    result.kind, result.secondary_kind, result.confidence, result.urgent, result.phones, result.model_version

The trained model lives outside git (``var/nlp-model`` under the repo root, or
``$RELAY_NLP_MODEL_DIR``); build it with ``python -m nlp ensure``. It is loaded lazily,
once per process, on the first call.
"""

from __future__ import annotations

from .contacts import Contacts, extract_contacts, normalize_phone, redact
from .corpus import KINDS
from .language import RECOGNISED as RECOGNISED_LANGUAGES
from .router import Classification, ModelNotBuilt, get_router

__all__ = [
    "KINDS", "RECOGNISED_LANGUAGES", "Classification", "Contacts", "ModelNotBuilt", "classify", "classify_many",
    "model_version", "redact", "normalize_phone", "extract_contacts",
]


def classify(text: str) -> Classification:
    """Classify one message. Raises ModelNotBuilt when no model has been trained."""
    return get_router().classify_many([text])[0]


def classify_many(texts: list[str]) -> list[Classification]:
    """Classify many messages in one ``nlp.pipe`` batch; results are in input order."""
    return get_router().classify_many(list(texts))


def model_version() -> str:
    """The version of the loaded model (hash of corpus + config + spaCy version)."""
    return get_router().version
