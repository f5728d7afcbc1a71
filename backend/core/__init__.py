"""Cross-cutting pieces every domain app uses: the domain error type, request ids, log redaction."""
