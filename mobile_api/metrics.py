"""`/metrics` for Prometheus: the per-view request metrics of the web processes, and the pipeline's
and product's figures computed from the database at scrape time (backend/insights/metrics.py).

Never public: answered only to a scraper with `Authorization: Bearer <METRICS_TOKEN>` or from a
client address in METRICS_ALLOWED_NETWORKS (loopback by default), as `client_address` reads it — so
a sender's own X-Forwarded-For is not believed unless it came through our proxies. Anyone else gets
the same 404 as an unknown path.
"""
from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from backend.core.addresses import client_address
from backend.insights.metrics import RelayCollector
from mobile_api.errors import error_body


def _may_scrape(request: HttpRequest) -> bool:
    header = request.headers.get("Authorization", "")
    if settings.METRICS_TOKEN and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").encode(), settings.METRICS_TOKEN.encode())
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n, strict=False) for n in settings.METRICS_ALLOWED_NETWORKS)


def process_metrics() -> bytes:
    """The per-view request metrics (and, with one process, its CPU and memory) in text format."""
    if settings.PROMETHEUS_MULTIPROC_DIR:
        # Several web processes: their per-view metrics, added up from the shared directory.
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
        return generate_latest(processes)
    return generate_latest(REGISTRY)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _may_scrape(request):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    relay = CollectorRegistry(auto_describe=False)
    relay.register(RelayCollector())
    return HttpResponse(process_metrics() + generate_latest(relay), content_type=CONTENT_TYPE_LATEST)
