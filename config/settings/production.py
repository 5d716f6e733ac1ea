"""Production settings (README "Running in production").

DEBUG is off, so SECRET_KEY and DATABASE_URL must be given: the process refuses to start without
them rather than falling back to a development key or SQLite. With no other environment,
``python manage.py check --deploy --fail-level WARNING`` passes: HTTPS is assumed (redirects,
HSTS, secure cookies). Switches:

- ``HTTPS=false``: a local trial over plain HTTP with no proxy (``check --deploy`` then warns, rightly);
- ``TRUST_X_FORWARDED_PROTO=true``: behind a proxy that terminates TLS and sets
  ``X-Forwarded-Proto`` (and strips it from clients); without it every request looks like HTTP
  to Django and the redirect loops.
"""
import os

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("MATCHING_JOBS", "celery")  # the Procfile's worker does the background work

from .base import *  # noqa: E402,F401,F403
from .base import DATABASES, MIDDLEWARE, REDIS_URL, cache_config, env  # noqa: E402

DATABASE_URL_MISSING = (
    "DATABASE_URL must be set in production, e.g. postgres://user:password@host:5432/marketplace "
    "(the SQLite default is for the demo only)."
)
if not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured(DATABASE_URL_MISSING)
DATABASES = {"default": {**DATABASES["default"], "CONN_MAX_AGE": env.int("CONN_MAX_AGE", default=60),
                          "CONN_HEALTH_CHECKS": True}}

# Redis is the shared cache (throttles, cached evaluations); CACHE_URL=locmemcache:// goes without.
CACHES = {"default": cache_config(env.str("CACHE_URL", default=REDIS_URL or "redis://127.0.0.1:6379/1"))}

# Static files: hashed names, gzip/brotli copies, served by WhiteNoise from STATIC_ROOT after
# `python manage.py collectstatic` (Swagger UI's assets come from drf-spectacular-sidecar).
_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
MIDDLEWARE = [*MIDDLEWARE[:_security], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[_security:]]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

HTTPS = env.bool("HTTPS", default=True)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=HTTPS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=HTTPS)
# A year of HSTS on every subdomain; preload only marks the header as eligible (submitting the
# domain to the browsers' list is a separate, manual step).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS)
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Load balancers probe /health/ over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
