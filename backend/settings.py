"""The one settings module for Relay.

Everything that differs between the embedded default (SQLite, in-memory channel layer,
in-process tasks) and production (PostgreSQL, Redis, workers) is read from environment
variables here and nowhere else. The README has a table of every variable.
"""
from __future__ import annotations

import ipaddress
from datetime import time, timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent  # the repo root
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG: bool = env.bool("DEBUG", default=False)

SECRET_KEY: str = env.str("SECRET_KEY", default="")
_DEVELOPMENT_SECRET_KEY = "django-insecure-relay-development-only-key-do-not-use-in-production"
# Keys that have been published (this file, docker-compose.yml before issue 15): anyone can sign with them.
_KNOWN_SECRET_KEYS = {
    _DEVELOPMENT_SECRET_KEY,
    "change-me-compose-only-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
}


def _guessable_key(key: str) -> str | None:
    """Why a signing key must not be used in production, or None. (Issue 15.)"""
    if len(key) < 50:
        return "shorter than 50 characters"
    if key in _KNOWN_SECRET_KEYS or key.startswith(("django-insecure", "change-me")):
        return "a published default or placeholder"
    if len(set(key)) < 5:
        return "fewer than 5 distinct characters"
    return None


def _working_hours(value: str) -> tuple[time, time]:
    """"09:00-17:00" → (09:00, 17:00); fail fast on a window that is empty or unreadable."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError as exc:
        raise ImproperlyConfigured(f"RELAY_SLA_WORKING_HOURS must look like 09:00-17:00, not {value!r}") from exc
    if start >= end:
        raise ImproperlyConfigured("RELAY_SLA_WORKING_HOURS must end after it starts")
    return start, end


def _holiday_categories(value: str) -> dict[str, tuple[str, ...]]:
    """"DK=public+optional,NL=public" → {"DK": ("public", "optional"), "NL": ("public",)}."""
    pairs = (item.split("=", 1) for item in value.split(",") if "=" in item)
    return {country.strip().upper(): tuple(c.strip() for c in cats.split("+") if c.strip()) for country, cats in pairs}


if not SECRET_KEY:
    if not DEBUG:
        # Fail fast: a production process must never run with a guessable key.
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEVELOPMENT_SECRET_KEY
elif not DEBUG and (_why := _guessable_key(SECRET_KEY)):
    # It signs sessions, CSRF tokens and (unless JWT_SIGNING_KEY is set) every access token.
    raise ImproperlyConfigured(f"SECRET_KEY is {_why}; generate one, e.g. "
                               "python -c 'import secrets; print(secrets.token_urlsafe(50))'.")

ALLOWED_HOSTS: list[str] = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Services -------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'relay.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the in-process ASGI server serve reads while a write is running.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            # Take the write lock at BEGIN: a read that later upgrades to a write can otherwise fail
            # at once with "database is locked" when two server processes write together.
            "transaction_mode": "IMMEDIATE",
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DB_POOL", default=True):
    # psycopg's connection pool: no connect per request, and safe with ASGI's thread hand-offs.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN", default=2), "max_size": env.int("DB_POOL_MAX", default=20), "timeout": 10,
    }
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL: str = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis, not Django's own: under ASGI each request gets new cache objects, and
            # Django's opens a new Redis connection each time; django-redis shares one pool per process.
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "relay",
            # Short timeouts: a dead Redis must not hang requests (throttling degrades instead).
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # A short connect timeout: with Redis down, publishing degrades at once instead of
                # hanging. The read timeout must outlast channels_redis's blocking pop (BZPOPMIN,
                # 5 s): redis-py 8 defaults it to 5 s too, and then an idle consumer's read loses the
                # race under load and the socket drops without a close frame.
                "hosts": [{"address": REDIS_URL, "socket_connect_timeout": 0.5, "socket_timeout": 15}],
                "prefix": "relay:channels",
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "relay"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Celery: Redis in production; in-process (eager) on the embedded default -------------
# Issue 16: "memory://" alone makes kombu warn "No hostname was supplied" on every task; name one.
CELERY_BROKER_URL: str = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://localhost/")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER: bool = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# With acks_late, a task whose worker died stays unacknowledged in Redis and is handed out again
# after the visibility timeout (kombu's default, one hour); the outbox sweeper is the faster net.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1, "socket_timeout": 2,
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=3600),
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "contact-purge-expired": {"task": "listening.contact_purge_expired", "schedule": 6 * 3600},
    "notifications-sweep-outbox": {"task": "notifications.sweep_outbox", "schedule": 60},
    "notifications-purge-live-events": {"task": "notifications.purge_live_events", "schedule": 3600},
    # Issue 20: a minute at most between a deadline and its reminder or escalation.
    "sla-escalate": {"task": "listening.sla_escalate",
                     "schedule": env.float("RELAY_SLA_ESCALATE_EVERY_SECONDS", default=60.0)},
    "stories-publish-due": {"task": "sharing.stories_publish_due", "schedule": 60},
    "stories-expire-due": {"task": "sharing.stories_expire_due", "schedule": 300},
    "click-salts-purge": {"task": "sharing.salts_purge_old", "schedule": 6 * 3600},
    "directory-people-anonymise": {"task": "directory.people_anonymise", "schedule": 6 * 3600},
}
# Issue 19: retrain the nlp kind model from the triage team's corrections once a week, behind the
# promotion gate (nlp/versions.py). Off by default: a model changes only when someone chooses so.
RELAY_NLP_WEEKLY_RETRAIN: bool = env.bool("RELAY_NLP_WEEKLY_RETRAIN", default=False)
# Norwegian and Swedish signals are recognised (language "no"/"sv") and routed by this language's rules.
RELAY_NLP_FALLBACK_LANGUAGE: str = env.str("RELAY_NLP_FALLBACK_LANGUAGE", default="da")
if RELAY_NLP_WEEKLY_RETRAIN:
    CELERY_BEAT_SCHEDULE["nlp-retrain"] = {"task": "listening.nlp_retrain", "schedule": 7 * 24 * 3600}

FIREBASE_CREDENTIALS: str = env.str("FIREBASE_CREDENTIALS", default="")
if FIREBASE_CREDENTIALS and not Path(FIREBASE_CREDENTIALS).is_file():
    raise ImproperlyConfigured(f"FIREBASE_CREDENTIALS names a file that does not exist: {FIREBASE_CREDENTIALS}")

FCM_HTTP_TIMEOUT_SECONDS: int = env.int("FCM_HTTP_TIMEOUT_SECONDS", default=10)
# Messages per send_each_async call (FCM allows 500) and calls in flight at once; the SDK's
# connection pool is sized to their product, so requests never queue inside httpx.
FCM_BATCH_SIZE: int = min(env.int("FCM_BATCH_SIZE", default=25), 500)
FCM_BATCHES_IN_FLIGHT: int = env.int("FCM_BATCHES_IN_FLIGHT", default=2)
NOTIFICATION_TASK_CHUNK = 2000  # notifications per delivery task
NOTIFICATION_LEASE_SECONDS: int = env.int("NOTIFICATION_LEASE_SECONDS", default=300)  # a dead worker's rows come back after this
NOTIFICATION_SWEEP_GRACE_SECONDS = 30  # pending rows younger than this are still on their way
NOTIFICATION_MAX_ATTEMPTS: int = env.int("NOTIFICATION_MAX_ATTEMPTS", default=8)
NOTIFICATION_RETRY_BASE_SECONDS: float = env.float("NOTIFICATION_RETRY_BASE_SECONDS", default=5)
NOTIFICATION_RETRY_MAX_SECONDS: float = env.float("NOTIFICATION_RETRY_MAX_SECONDS", default=900)
# Live events: an event older than this is marked expired instead of published (the app re-reads
# state on reconnect); the sweeper republishes younger ones left pending past the grace.
LIVE_EVENT_MAX_AGE_SECONDS: int = env.int("LIVE_EVENT_MAX_AGE_SECONDS", default=60)
LIVE_EVENT_SWEEP_GRACE_SECONDS = 5
LIVE_EVENT_SEND_TIMEOUT_SECONDS = 2.0
LIVE_EVENT_KEEP_HOURS = 24  # published and expired rows are purged after this (beat)
WS_TICKET_SECONDS = 60

RELAY_NLP_MODEL_DIR: str = env.str("RELAY_NLP_MODEL_DIR", default=str(VAR_DIR / "nlp-model"))

# --- Django ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "servestatic.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "backend.core",
    "backend.people",
    "backend.listening",
    "backend.sharing",
    "backend.insights",
    "backend.integrations",  # issue 18: status events in from CRMs/ATSs
    "backend.directory",  # issue 17: SCIM 2.0 provisioning from the HR directory
    "backend.console",
    "notifications",
    "mobile_api",
]

# Order matters for speed under ASGI, not only for behaviour. Django runs an async-capable
# middleware's process_request/process_response hooks through sync_to_async one by one (a thread
# hand-off each, a dozen per request with the stock middleware). The sync-only boundary at the
# bottom puts the whole stack in sync mode instead: the stack and the view run in one worker thread
# per request (Django's innermost handler steps onto the event loop and back once). Measured: the
# stack without it costs /healthz ~2x the CPU. servestatic (async-only) sits on top, on the loop.
MIDDLEWARE = [
    "servestatic.middleware.ServeStaticMiddleware",
    "backend.core.middleware.RequestIdMiddleware",
    "backend.core.middleware.RequestMetricsMiddleware",  # issue 20: per-view counts and latencies
    "mobile_api.errors.ApiJsonErrorsMiddleware",  # issue 15: JSON errors under /api/ in every mode
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # issue 15: a Content-Security-Policy for the console and the admin
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Issue 16: messages in the request's Accept-Language until the person is known (then their profile's).
    "backend.core.middleware.RequestLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "backend.core.middleware.PersonLogContextMiddleware",  # issue 20: log lines name the signed-in person
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "backend.core.middleware.SyncStackMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"
ASGI_APPLICATION = "backend.asgi.application"
AUTH_USER_MODEL = "people.User"
# The web console (backend/console) signs people in with Django's session login.
LOGIN_URL = "/console/login/"
LOGIN_REDIRECT_URL = "/console/"
LOGOUT_REDIRECT_URL = "/console/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("nl", "Nederlands"), ("da", "Dansk")]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "servestatic.storage.CompressedStaticFilesStorage"},
}
SERVESTATIC_USE_FINDERS = DEBUG
# Uploaded story images and draft photos (Django's storage API; point STORAGES["default"] elsewhere to change).
MEDIA_ROOT = Path(env.str("RELAY_MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL: str = env.str("RELAY_MEDIA_URL", default="/media/")
# On: this process serves MEDIA_ROOT at MEDIA_URL (the embedded default). Off when a web server or CDN does.
RELAY_SERVE_MEDIA: bool = env.bool("RELAY_SERVE_MEDIA", default=True)
RELAY_IMAGE_MAX_BYTES: int = env.int("RELAY_IMAGE_MAX_BYTES", default=5 * 1024 * 1024)
RELAY_IMAGE_MIN_SIDE: int = env.int("RELAY_IMAGE_MIN_SIDE", default=100)
RELAY_IMAGE_MAX_SIDE: int = env.int("RELAY_IMAGE_MAX_SIDE", default=6000)
# Issue 15: decoding cost grows with pixels, not bytes; 16 MP fits a 4608×3456 phone photo.
RELAY_IMAGE_MAX_PIXELS: int = env.int("RELAY_IMAGE_MAX_PIXELS", default=16_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)

# --- Security (production defaults; DEBUG relaxes the transport ones) ------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT: bool = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS: int = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
# Health checks and Prometheus scrapes come over plain HTTP inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# --- REST framework --------------------------------------------------------------------------
_RENDERERS = ["rest_framework.renderers.JSONRenderer"]
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["mobile_api.authentication.ProfileJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "mobile_api.pagination.CreatedCursorPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "mobile_api.schema.RelayAutoSchema",
    "EXCEPTION_HANDLER": "mobile_api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "mobile_api.throttles.AnonThrottle",
        "mobile_api.throttles.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="120/min"),
        "user": env.str("THROTTLE_USER", default="1200/min"),
        # Per client address, every sign-in attempt: generous (offices, carrier-grade NAT); the
        # per-account limit is the back-off per (account, address) pair below (issue 15).
        "login": env.str("THROTTLE_LOGIN", default="100/min"),
    },
    "DEFAULT_RENDERER_CLASSES": _RENDERERS,
    "DEFAULT_PARSER_CLASSES": ["mobile_api.parsers.BoundedJSONParser"],  # issue 15: JSON depth bounded
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = [*_RENDERERS, "rest_framework.renderers.BrowsableAPIRenderer"]

_JWT_SIGNING_KEY: str = env.str("JWT_SIGNING_KEY", default=SECRET_KEY)
if not DEBUG and (_why := _guessable_key(_JWT_SIGNING_KEY)):
    raise ImproperlyConfigured(f"JWT_SIGNING_KEY is {_why}.")
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=30)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": _JWT_SIGNING_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "CHECK_REVOKE_TOKEN": True,
    "REVOKE_TOKEN_CLAIM": "hash_password",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Relay mobile API",
    "DESCRIPTION": "The versioned REST API of the Relay staff app. Errors always have the shape "
    '`{"error": {"code": str, "message": str, "fields": {field: [str]}}}`.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Issue 16.7: error responses added through the public hook (not an AutoSchema private method).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums", "mobile_api.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "LanguageEnum": "backend.people.models.Language",
        "ReactionKindEnum": "backend.sharing.models.ReactionKind",
        "KindEnum": "backend.listening.models.Kind",
        # Issue 16.7: response fields are enums too; these names keep the generated types readable.
        "SignalStatusEnum": "mobile_api.fields.SIGNAL_STATUSES",
        "DraftStatusEnum": "backend.sharing.models.DraftStatus",
        "StoryTypeEnum": "backend.sharing.models.StoryType",
        "EventTypeEnum": "backend.listening.models.EventType",
        "NotificationTypeEnum": "mobile_api.v1.notifications.NOTIFICATION_TYPES",
    },
}

# --- Logging: a request id on every line, third-party contact details never ----------------
LOG_LEVEL: str = env.str("LOG_LEVEL", default="INFO").upper()
# Issue 20: JSON lines for a log collector in production, readable lines in `make run` (DEBUG on).
LOG_FORMAT: str = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # Request id, person, signal and Celery task id; then redaction (of the message and extras).
        "request_id": {"()": "backend.core.logging.RequestIdFilter"},
        "redact": {"()": "backend.core.logging.RedactContactsFilter"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "backend.core.logging.RelayJsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "uvicorn": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "uvicorn.access": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# --- Issue 20: /metrics (Prometheus) ----------------------------------------------------------
# Answered to a scraper that sends `Authorization: Bearer <METRICS_TOKEN>` or whose client address
# (backend.core.addresses.client_address) is in METRICS_ALLOWED_NETWORKS; to no one else (404).
METRICS_TOKEN: str = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS: list[str] = [
    n for n in env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"]) if n.strip()
]
for _network in METRICS_ALLOWED_NETWORKS:
    ipaddress.ip_network(_network, strict=False)  # fail fast on a typo
if METRICS_TOKEN and not DEBUG and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("METRICS_TOKEN must be 32 or more random characters.")
# The pipeline and product figures are computed from the database at scrape time; several
# scrapers (or Prometheus replicas) within this many seconds share one computation (Django's cache).
METRICS_CACHE_SECONDS: int = env.int("METRICS_CACHE_SECONDS", default=5)
# Time to first claim is measured over the signals created in this many days.
METRICS_CLAIM_WINDOW_DAYS: int = env.int("METRICS_CLAIM_WINDOW_DAYS", default=7)
# prometheus-client reads this variable itself (at import): with it, per-view metrics of several
# web processes are kept in files there and added up by /metrics. Empty: one process's own.
PROMETHEUS_MULTIPROC_DIR: str = env.str("PROMETHEUS_MULTIPROC_DIR", default="")

# --- Relay domain settings --------------------------------------------------------------------
RELAY_DEMO_PASSWORD = "relay-demo"
# Below this classifier confidence a signal goes to the human triage queue instead of a team.
RELAY_ROUTING_CONFIDENCE_THRESHOLD: float = env.float("RELAY_ROUTING_CONFIDENCE_THRESHOLD", default=0.6)
# An employee's chosen kind is overruled into triage only when the classifier is this sure of another.
RELAY_ROUTING_DISAGREEMENT_CONFIDENCE: float = env.float("RELAY_ROUTING_DISAGREEMENT_CONFIDENCE", default=0.9)
# Service-level times (issue 20; the times themselves are SlaPolicy rows, edited in the admin):
# working hours and days (0 = Monday) in each team's country, and which `holidays` categories count.
RELAY_SLA_WORKING_HOURS: tuple[time, time] = _working_hours(env.str("RELAY_SLA_WORKING_HOURS", default="09:00-17:00"))
RELAY_SLA_WORKING_DAYS: frozenset[int] = frozenset(env.list("RELAY_SLA_WORKING_DAYS", cast=int, default=[0, 1, 2, 3, 4]))
RELAY_SLA_DEFAULT_COUNTRY: str = env.str("RELAY_SLA_DEFAULT_COUNTRY", default="NL").upper()
# "DK=public+optional": Danish banks close on Grundlovsdag, Christmas Eve and New Year's Eve.
RELAY_SLA_HOLIDAY_CATEGORIES: dict[str, tuple[str, ...]] = _holiday_categories(
    env.str("RELAY_SLA_HOLIDAY_CATEGORIES", default="DK=public+optional"))
RELAY_CONTACT_RETENTION_DAYS: int = env.int("RELAY_CONTACT_RETENTION_DAYS", default=90)
# Issue 17: a person the directory deleted is anonymised (e-mail, display name, location) this long after.
SCIM_ANONYMISE_AFTER_DAYS: int = env.int("SCIM_ANONYMISE_AFTER_DAYS", default=30)
RELAY_DUPLICATE_WINDOW_DAYS: int = env.int("RELAY_DUPLICATE_WINDOW_DAYS", default=30)
RELAY_CONSENT_WORDING_VERSION: str = env.str("RELAY_CONSENT_WORDING_VERSION", default="2026-01")
RELAY_SIGNAL_TEXT_MIN = 3
RELAY_SIGNAL_TEXT_MAX = 2000

# Sharing: a message this similar (0..1) to a colleague's message for the same story is a near-duplicate.
RELAY_SHARE_SIMILARITY_THRESHOLD: float = env.float("RELAY_SHARE_SIMILARITY_THRESHOLD", default=0.85)
# Off: a near-duplicate message gets a warning. On: it is refused (an organisation's choice).
RELAY_SHARE_REFUSE_SIMILAR: bool = env.bool("RELAY_SHARE_REFUSE_SIMILAR", default=False)
RELAY_SHARE_COMPARE_LAST: int = env.int("RELAY_SHARE_COMPARE_LAST", default=500)  # bounds the comparison cost
# The feed ranks the N most recently published live stories for the reader (the feed is meant to be short).
RELAY_FEED_WINDOW: int = env.int("RELAY_FEED_WINDOW", default=200)
# Where tracked links point (e.g. https://rly.example); empty: the host of the API request.
RELAY_PUBLIC_BASE_URL: str = env.str("RELAY_PUBLIC_BASE_URL", default="").rstrip("/")
# The URL a story made from an approved draft starts with, until the editor sets the published page.
RELAY_DRAFT_STORY_URL: str = env.str("RELAY_DRAFT_STORY_URL", default="https://example.com/stories/")

# --- Webhooks out and status events in (issue 18) ------------------------------------------------------
# Targets on loopback, link-local or private addresses are refused unless this is on (tests, a closed network).
WEBHOOK_ALLOW_PRIVATE: bool = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
WEBHOOK_TIMEOUT_SECONDS: float = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10)
# A run leases this many rows and posts them one by one, so the lease must outlast batch × timeout.
WEBHOOK_CLAIM_BATCH = 20
WEBHOOK_LEASE_SECONDS: int = env.int("WEBHOOK_LEASE_SECONDS", default=300)  # a dead worker's rows come back after this
WEBHOOK_RETRY_BASE_SECONDS: float = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_MAX_SECONDS: float = env.float("WEBHOOK_RETRY_MAX_SECONDS", default=4 * 3600)
WEBHOOK_RETRY_WINDOW_SECONDS: int = env.int("WEBHOOK_RETRY_WINDOW_SECONDS", default=24 * 3600)  # then given up
WEBHOOK_DISABLE_AFTER_SECONDS: int = 3 * 24 * 3600  # a subscription failing this long is switched off
# Inbound status events: a timestamp older (or newer) than this is refused as a replay.
INTEGRATION_TIMESTAMP_TOLERANCE_SECONDS = 300

# --- E-mail (issue 20): Django's e-mail framework, sent from the outbox ---------------------------------
# SMTP by default. Any django-anymail provider by setting EMAIL_BACKEND=anymail.backends.<esp>.EmailBackend
# and its keys in ANYMAIL (JSON), e.g. ANYMAIL='{"POSTMARK_SERVER_TOKEN": "..."}'. With DEBUG on and no
# EMAIL_BACKEND (make run), mails are printed by the console backend instead of waiting for a server.
EMAIL_BACKEND: str = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST: str = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT: int = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER: str = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD: str = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS: bool = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL: bool = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT: float = env.float("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL: str = env.str("DEFAULT_FROM_EMAIL", default="Relay <relay@localhost>")
SERVER_EMAIL: str = DEFAULT_FROM_EMAIL
RELAY_EMAIL_REPLY_TO: str = env.str("RELAY_EMAIL_REPLY_TO", default="")
ANYMAIL: dict = env.json("ANYMAIL", default={})
# A run leases this many mails and sends them over one connection; the lease outlasts batch × timeout.
EMAIL_CLAIM_BATCH: int = env.int("EMAIL_CLAIM_BATCH", default=50)
EMAIL_LEASE_SECONDS: int = env.int("EMAIL_LEASE_SECONDS", default=600)
EMAIL_RETRY_BASE_SECONDS: float = env.float("EMAIL_RETRY_BASE_SECONDS", default=60)
EMAIL_RETRY_MAX_SECONDS: float = env.float("EMAIL_RETRY_MAX_SECONDS", default=3600)
EMAIL_RETRY_WINDOW_SECONDS: int = env.int("EMAIL_RETRY_WINDOW_SECONDS", default=3 * 24 * 3600)
# Hourly beat jobs write the weekly digest (Monday) and the team leads' daily summary for the people
# whose local time is then within [hour, hour + RELAY_EMAIL_WINDOW_HOURS); a dedup key makes it once.
RELAY_EMAIL_LOCAL_HOUR: int = env.int("RELAY_EMAIL_LOCAL_HOUR", default=8)
RELAY_EMAIL_WINDOW_HOURS: int = env.int("RELAY_EMAIL_WINDOW_HOURS", default=4)
CELERY_BEAT_SCHEDULE["email-digests-write"] = {"task": "insights.email_digests_write", "schedule": 3600}
CELERY_BEAT_SCHEDULE["email-daily-summaries-write"] = {"task": "insights.email_daily_summaries_write",
                                                      "schedule": 3600}

# --- Issue 15: the ways in (client addresses, sign-in limits, tokens, headers) --------------------
# The client's address is the socket's unless our own proxies say otherwise (backend.core.addresses):
# how many proxies append to X-Forwarded-For, or which networks they send from.
TRUSTED_PROXY_COUNT: int = env.int("TRUSTED_PROXY_COUNT", default=0)
TRUSTED_PROXY_NETWORKS: list[str] = env.list("TRUSTED_PROXY_NETWORKS", default=[])
for _network in TRUSTED_PROXY_NETWORKS:
    ipaddress.ip_network(_network, strict=False)  # fail fast on a typo, not on the first request
# Per (account, client address): this many failed sign-ins are free, then a wait of BASE seconds that
# doubles with each further failure up to MAX; the count resets RESET seconds after the first one.
LOGIN_BACKOFF_AFTER_FAILURES: int = env.int("LOGIN_BACKOFF_AFTER_FAILURES", default=5)
LOGIN_BACKOFF_BASE_SECONDS: int = env.int("LOGIN_BACKOFF_BASE_SECONDS", default=30)
LOGIN_BACKOFF_MAX_SECONDS: int = env.int("LOGIN_BACKOFF_MAX_SECONDS", default=900)
LOGIN_BACKOFF_RESET_SECONDS: int = env.int("LOGIN_BACKOFF_RESET_SECONDS", default=3600)
# Failed sign-ins per minute across all accounts above which an ERROR line alerts the operators.
LOGIN_FAILURES_ALERT_PER_MINUTE: int = env.int("LOGIN_FAILURES_ALERT_PER_MINUTE", default=300)
# Every password check (API, console, admin) goes through the first backend; the second is the
# console's and the admin's OpenID Connect sign-in (issue 17), which answers only the provider's callback.
AUTHENTICATION_BACKENDS = ["backend.people.auth.ThrottledEmailBackend", "backend.console.oidc.ConsoleOIDCBackend"]

# --- Issue 17: single sign-on with one OpenID Connect provider (docs/sso.md) ----------------------
# Off while OIDC_ISSUER is empty. The app sends the provider's ID token to /api/v1/auth/oidc/; the
# console and the admin run the authorization-code flow (mozilla-django-oidc) on the server side.
OIDC_ISSUER: str = env.str("OIDC_ISSUER", default="").rstrip("/")
OIDC_CLIENT_ID: str = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET: str = env.str("OIDC_CLIENT_SECRET", default="")
# Further accepted `aud` values: the mobile app's own (public) client id, when it is not OIDC_CLIENT_ID.
OIDC_AUDIENCES: list[str] = env.list("OIDC_AUDIENCES", default=[])
OIDC_PROVIDER_NAME: str = env.str("OIDC_PROVIDER_NAME", default="your company account")
OIDC_SCOPES: str = env.str("OIDC_SCOPES", default="openid email profile")
OIDC_CLAIM_TEAM: str = env.str("OIDC_CLAIM_TEAM", default="")
OIDC_CLAIM_LANGUAGE: str = env.str("OIDC_CLAIM_LANGUAGE", default="locale")
OIDC_CLAIM_LOCATION: str = env.str("OIDC_CLAIM_LOCATION", default="")
OIDC_CREATE_USERS: bool = env.bool("OIDC_CREATE_USERS", default=False)
OIDC_MATCH_EMAIL: bool = env.bool("OIDC_MATCH_EMAIL", default=False)
OIDC_LEEWAY_SECONDS: int = env.int("OIDC_LEEWAY_SECONDS", default=60)
# Asymmetric signatures only: never `none`, never HS* (an HMAC "signed" with the provider's public key).
OIDC_ALGORITHMS: list[str] = env.list("OIDC_ALGORITHMS", default=[
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"])
if _weak_algs := sorted(a for a in OIDC_ALGORITHMS if a.lower() == "none" or a.upper().startswith("HS")):
    raise ImproperlyConfigured(f"OIDC_ALGORITHMS may not contain {', '.join(_weak_algs)}: asymmetric algorithms only.")
# The discovery document and the provider's keys are kept this long in the shared cache; an unknown
# `kid` refetches the keys at most once per OIDC_JWKS_REFETCH_SECONDS (random kids cannot hammer the provider).
OIDC_CACHE_SECONDS: int = env.int("OIDC_CACHE_SECONDS", default=3600)
OIDC_JWKS_REFETCH_SECONDS: int = env.int("OIDC_JWKS_REFETCH_SECONDS", default=10)
OIDC_HTTP_TIMEOUT_SECONDS: int = env.int("OIDC_HTTP_TIMEOUT_SECONDS", default=5)
# Password sign-in (API token, console form, admin form). Off: SSO only; refresh tokens keep working.
AUTH_PASSWORD_LOGIN: bool = env.bool("AUTH_PASSWORD_LOGIN", default=True)
# mozilla-django-oidc reads its own names; the provider's endpoints come from the discovery document
# (backend.console.oidc), never from settings, so a provider that moves them needs no redeploy.
OIDC_RP_CLIENT_ID = OIDC_CLIENT_ID
OIDC_RP_CLIENT_SECRET = OIDC_CLIENT_SECRET
OIDC_RP_SCOPES = OIDC_SCOPES
OIDC_RP_SIGN_ALGO = "RS256"  # unused (ID tokens are checked by backend.people.oidc); keeps its HS256 default away
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of RP-initiated logout
OIDC_TIMEOUT = OIDC_HTTP_TIMEOUT_SECONDS
OIDC_AUTHENTICATION_CALLBACK_URL = "console:oidc-callback"
OIDC_OP_LOGOUT_URL_METHOD = "backend.console.oidc.provider_logout_url"
LOGIN_REDIRECT_URL_FAILURE = "/console/login/?sso=failed"
# The API's schema and docs pages show every endpoint and field: signed-in people only (a JWT, or
# the console's / admin's session) when DEBUG is off, unless the operator publishes them.
API_DOCS_PUBLIC: bool = env.bool("API_DOCS_PUBLIC", default=DEBUG)
if not API_DOCS_PUBLIC:
    SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"] = ["rest_framework.permissions.IsAuthenticated"]
    # The JWT class first: its WWW-Authenticate header makes a missing sign-in a 401.
    SPECTACULAR_SETTINGS["SERVE_AUTHENTICATION"] = [
        "mobile_api.authentication.ProfileJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ]
# Console and admin: scripts, styles, images and connections (the websocket) from this site only;
# no plugins, no framing. Inline styles are allowed because the admin and htmx's indicator use them;
# inline scripts are not. The API docs pages (Swagger UI, ReDoc bootstrap inline) are left out.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/docs/", "/api/redoc/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if OIDC_ISSUER:
    # The console's log-out form ends in a redirect to the provider's end-session endpoint (issue 17),
    # and browsers apply form-action to a form's redirects too.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(  # type: ignore[index]  # a dict of lists
        "/".join(OIDC_ISSUER.split("/")[:3]))

# --- Issue 16: a trial stack (docker compose) runs with DEBUG off, so the demo has no passwords
# unless asked for. On: the demo logins get RELAY_DEMO_PASSWORD. Never in production.
RELAY_DEMO_PASSWORDS: bool = env.bool("RELAY_DEMO_PASSWORDS", default=False)
# Translations of the API's messages, warnings and titles (the console keeps its own in its app).
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Issue 15 (API edges): tracked-link click counting, DEBUG error pages ---------------------
# Clicks counted per visitor (address) and link per hour; more are redirected but not counted.
RELAY_CLICKS_PER_VISITOR_HOUR: int = env.int("RELAY_CLICKS_PER_VISITOR_HOUR", default=10)
# DEBUG's error page with settings and local variables only for requests from this machine.
DEFAULT_EXCEPTION_REPORTER = "mobile_api.debug.LoopbackOnlyExceptionReporter"
