"""ASGI entry point: HTTP through Django, websockets through Channels, on one server."""
import os
import threading

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
# Initialise Django before importing anything that touches models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from mobile_api.v1.sharing import tracked_links_first  # noqa: E402
from notifications.auth import JWTAuthMiddleware, origin_validator  # noqa: E402
from notifications.routing import websocket_urlpatterns  # noqa: E402


def _warm_nlp() -> None:
    """Load the spaCy router in the background, so the first signal does not pay for it; then
    take everything loaded so far out of the garbage collector's sight (`gc.freeze`).

    Django, DRF and the spaCy model are ~170,000 long-lived objects, and a full collection walks
    them all: about 100 ms with every request stopped, several times a minute under load. That was
    most of the p99 even of /healthz. Frozen objects are never collected, which costs nothing
    here: they live as long as the process.
    """
    import gc
    import logging

    import nlp

    try:
        nlp.classify("warm up")
    except nlp.ModelNotBuilt:
        logging.getLogger(__name__).warning("nlp model missing: run `python -m nlp ensure`")
    gc.collect()  # what start-up left as garbage goes now, not into the frozen set
    gc.freeze()


threading.Thread(target=_warm_nlp, name="nlp-warm-up", daemon=True).start()

application = ProtocolTypeRouter(
    {
        # Tracked links (the hot path) skip the site's middleware stack; see TrackedLinkHandler.
        "http": tracked_links_first(django_asgi_app),
        "websocket": origin_validator(JWTAuthMiddleware(URLRouter(websocket_urlpatterns))),
    }
)
