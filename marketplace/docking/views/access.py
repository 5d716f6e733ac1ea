"""Who may open a page: the one role-required decorator of the workspace and staff pages."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def role_required(role: str, forbidden_template: str, message: str = "") -> Callable:
    """Anonymous visitors go to the log-in page; users of another role get a 403 page that says why."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.role != role:
                return render(request, forbidden_template, {"message": message}, status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
