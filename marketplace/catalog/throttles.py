"""Rate limits beyond the API's per-client ones (``anon``, ``user``): text searches, on the API
and on the pages, and log-in attempts on the token endpoint. Rates are DRF's
``DEFAULT_THROTTLE_RATES`` under the scopes ``search`` and ``login`` (README "Limits")."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from rest_framework.throttling import SimpleRateThrottle

TOO_MANY_SEARCHES = _("搜索过于频繁，请 %(seconds)s 秒后再试")


class SearchRateThrottle(SimpleRateThrottle):
    """Requests that search text (``q``), per user or per address; other requests pass."""

    scope = "search"

    def get_cache_key(self, request, view) -> str | None:
        if not (request.GET.get("q") or "").strip():
            return None
        user = getattr(request, "user", None)
        ident = user.pk if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class LoginRateThrottle(SimpleRateThrottle):
    """Log-in attempts per address (the lockout per user name is django-axes')."""

    scope = "login"

    def get_cache_key(self, request, view) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def search_throttled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page view whose text searches count against ``SearchRateThrottle``: over the rate, a
    429 page saying when to try again."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        throttle = SearchRateThrottle()
        if not throttle.allow_request(request, None):
            seconds = max(1, int(throttle.wait() or 1))
            response = render(
                request, "400.html", {"message": TOO_MANY_SEARCHES % {"seconds": seconds}}, status=429
            )
            response["Retry-After"] = str(seconds)
            return response
        return view(request, *args, **kwargs)

    return wrapped
