"""ASGI entry point: HTTP through Django, websockets through Channels, on one server."""
import os
import threading

from django.core.asgi import get_asgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
# Initialise Django before importing anything that touches models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from mobile_api.v1.sharing import tracked_links_first  # noqa: E402
from notifications.auth import JWTAuthMiddleware, origin_validator  # noqa: E402
from notifications.routing import websocket_urlpatterns  # noqa: E402

# The URLconf imports every view module (~0.3 s): here, in the main thread before the first request,
# rather than in that request, or in the warm-up thread racing a request's own imports.
get_resolver().url_patterns  # noqa: B018 - the import is the point


def _warm_up() -> None:
    """Pay each worker's one-time costs before its first request, in the background: the cache's
    Redis client and the spaCy router (the URLconf is imported above, before serving). Without
    this, whichever request came first to a worker took ~250 ms instead of ~25.

    Then take everything loaded so far out of the garbage collector's sight (`gc.freeze`): Django,
    DRF, the views and the spaCy model are ~170,000 long-lived objects, and a full collection
    walked them all — about 100 ms with every request stopped, several times a minute under load,
    which was most of the p99 even of /healthz. Frozen objects are never collected, which costs
    nothing here: they live as long as the process.
    """
    import gc
    import logging

    from django.core.cache import cache

    import nlp

    log = logging.getLogger(__name__)
    try:
        cache.get("relay:warm-up")
    except Exception:  # noqa: BLE001 - Redis down at start-up: requests fail open on their own
        log.warning("cache unavailable at start-up")
    try:
        nlp.classify("warm up")
    except nlp.ModelNotBuilt:
        log.warning("nlp model missing: run `python -m nlp ensure`")
    gc.collect()  # what start-up left as garbage goes now, not into the frozen set
    gc.freeze()


threading.Thread(target=_warm_up, name="relay-warm-up", daemon=True).start()

application = ProtocolTypeRouter(
    {
        # Tracked links (the hot path) skip the site's middleware stack; see TrackedLinkHandler.
        "http": tracked_links_first(django_asgi_app),
        "websocket": origin_validator(JWTAuthMiddleware(URLRouter(websocket_urlpatterns))),
    }
)
