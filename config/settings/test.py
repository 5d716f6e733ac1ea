"""Test settings: the database comes from DATABASE_URL (PostgreSQL in CI), passwords hash fast."""
from .base import *  # noqa: F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

MATCHING = {**MATCHING, "JOBS": "sync", "EMBEDDING_BACKEND": "hashing", "CACHE_DIR": None}  # noqa: F405

# Throttling has its own test; the others must not trip over it.
REST_FRAMEWORK = {  # noqa: F405
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {scope: "100000/minute" for scope in ("anon", "user", "search", "login")},
}

# A template variable that does not resolve prints this marker; the page tests assert it never appears.
TEMPLATE_INVALID_MARKER = "TEMPLATE-VARIABLE-MISSING"
TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = TEMPLATE_INVALID_MARKER + "[%s]"  # noqa: F405

# Celery tasks run inline in the caller (the worker test starts a real worker on its own broker).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
