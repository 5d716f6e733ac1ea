"""Log-in lockout (django-axes): after ``AXES_FAILURE_LIMIT`` failures for one user name, or from
one address, logging in is refused for ``AXES_COOLOFF_TIME``, even with the right password.

The log-in page shows the message in its form (``views.LoginView``), the token endpoint answers
429 JSON (``apis.auth``); this is axes' ``AXES_LOCKOUT_CALLABLE`` for every other way in (the
admin's log-in page)."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

LOGIN_LOCKED = _("登录失败次数过多，已暂时锁定，请 %(minutes)s 分钟后再试")


def locked_message() -> str:
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return str(LOGIN_LOCKED % {"minutes": minutes})


def lockout_response(request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None) -> HttpResponse:
    if original_response is not None and original_response.status_code == 429:
        return original_response  # the view already said so in its own page
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": locked_message()}, status=429, json_dumps_params={"ensure_ascii": False})
    return render(request, "400.html", {"message": locked_message()}, status=429)
