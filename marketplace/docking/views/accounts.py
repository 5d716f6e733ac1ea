"""Sign-up pages: an enterprise or a provider and its first user, through the account services."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from marketplace.catalog import forms
from marketplace.catalog import selectors as catalog_selectors
from marketplace.docking import services


def signup(request: HttpRequest) -> HttpResponse:
    return render(request, "marketplace/accounts/signup.html")


@require_http_methods(["GET", "POST"])
def signup_enterprise(request: HttpRequest) -> HttpResponse:
    return _signup(request, forms.EnterpriseSignupForm, services.enterprise_signup, "enterprise")


@require_http_methods(["GET", "POST"])
def signup_provider(request: HttpRequest) -> HttpResponse:
    return _signup(request, forms.ProviderSignupForm, services.provider_signup, "provider")


def _signup(request: HttpRequest, form_class, service, side: str) -> HttpResponse:
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = service(**form.service_arguments())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("注册成功，欢迎使用小快轻准！"))
            if side == "provider":
                return redirect("web:provider_detail", ref=user.provider.ref)
            return redirect("web:home")
    return render(request, "marketplace/accounts/signup_form.html", {
        "form": form,
        "side": side,
        "counties_by_city": catalog_selectors.counties_by_city(),
    })  # fmt: skip
