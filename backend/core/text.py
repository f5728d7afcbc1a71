"""Cleaning what people type on a phone before it is stored."""
from __future__ import annotations

import unicodedata

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


def text_clean(text: str) -> str:
    """NFC, no control, format or zero-width characters (newlines and tabs kept), trimmed.

    Format characters include the RTL overrides that can make a stored text read differently
    on another screen.
    """
    text = unicodedata.normalize("NFC", text)
    text = "".join(
        ch for ch in text
        if ch in "\n\t" or not (unicodedata.category(ch).startswith("C") or ch in _ZERO_WIDTH)
    )
    return text.strip()
