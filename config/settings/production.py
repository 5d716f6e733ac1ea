"""Production settings: DEBUG off by default, so SECRET_KEY and DATABASE_URL must be given."""
import os

os.environ.setdefault("DEBUG", "false")

from .base import *  # noqa: E402,F401,F403
from .base import env  # noqa: E402

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
