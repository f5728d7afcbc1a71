"""Django's DEBUG error page, limited to this machine. Imported by Django's logging set-up, before
the apps are ready: it imports nothing but Django's debug views."""
from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe
from django.views.debug import ExceptionReporter


class LoopbackOnlyExceptionReporter(ExceptionReporter):
    """DEBUG's error page (settings, local variables, the traceback) for requests from this
    machine only: `make run` listens on 127.0.0.1 by default, but HOST=0.0.0.0 must not show a
    colleague on the network the settings. Others get a plain page; the log has the traceback."""

    def _from_loopback(self) -> bool:
        address = self.request.META.get("REMOTE_ADDR", "") if self.request is not None else ""
        return address in ("127.0.0.1", "::1") or address.startswith("127.")

    def get_traceback_html(self) -> SafeString:
        if self._from_loopback():
            return super().get_traceback_html()
        return mark_safe(  # a constant page, nothing from the request in it
            "<!doctype html><title>Server error</title><h1>Server error (500)</h1>"
            "<p>Details are shown only to requests from this machine (DEBUG), and are in the server log.</p>")

    def get_traceback_text(self) -> SafeString:
        if self._from_loopback():
            return super().get_traceback_text()
        return mark_safe(
            "Server error (500). Details are shown only to requests from this machine, and are in the server log.")
