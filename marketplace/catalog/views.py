"""Server-rendered pages. Thin: reads go through ``selectors``, writes through ``services``."""
from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from marketplace.catalog import forms
from marketplace.catalog import selectors
from marketplace.catalog.selectors import FilterError
from marketplace.catalog.lockout import locked_message
from marketplace.catalog.throttles import search_throttled

PAGE_SIZE = 20


def _page(request: HttpRequest, queryset):
    """One page of ``queryset``; a missing, garbled or too-large page number gives the nearest page."""
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "marketplace/home.html", {
        "categories": selectors.category_list(),
        "figures": selectors.catalog_figures(),
    })  # fmt: skip


@search_throttled
def solution_list(request: HttpRequest) -> HttpResponse:
    form = forms.SolutionSearchForm(request.GET)
    filters = form.filters()
    try:
        solutions = selectors.solution_list(filters=filters)
    except FilterError as error:
        for name, messages_ in error.errors.items():
            form.add_error(name if name in form.fields else None, list(messages_))
        solutions = selectors.solution_list()[:0]
    return render(request, "marketplace/solution_list.html", {
        "form": form,
        "page_obj": _page(request, solutions),
        "filter_invalid": forms.FILTER_INVALID,
        "query": _query_without_page(request),
        "counties_by_city": _county_names_by_city(),
        "filtered": bool(filters),
    })  # fmt: skip


def _county_names_by_city() -> dict[str, list[dict[str, object]]]:
    return {
        city: [{"id": county["name"], "label": county["label"]} for county in counties]
        for city, counties in selectors.counties_by_city().items()
    }


def solution_detail(request: HttpRequest, ref: str) -> HttpResponse:
    solution = get_object_or_404(selectors.solution_list(), ref=ref)
    return render(request, "marketplace/solution_detail.html", {
        "solution": solution,
        "more_from_provider": (
            selectors.solution_list(filters={"provider": solution.provider.ref}).exclude(pk=solution.pk)[:3]
        ),
    })  # fmt: skip


@search_throttled
def provider_list(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or "").strip()
    field_errors: list[tuple[str, str]] = []
    try:
        providers = selectors.provider_list(filters={"q": query} if query else {})
    except FilterError as error:
        field_errors = [(_("名称"), str(message)) for messages_ in error.errors.values() for message in messages_]
        providers = selectors.provider_list()[:0]
    return render(request, "marketplace/provider_list.html", {
        "page_obj": _page(request, providers),
        "q": query,
        "query": _query_without_page(request),
        "field_errors": field_errors,
        "filter_invalid": forms.FILTER_INVALID,
    })  # fmt: skip


def provider_detail(request: HttpRequest, ref: str) -> HttpResponse:
    provider = get_object_or_404(selectors.provider_list(), ref=ref)
    return render(request, "marketplace/provider_detail.html", {
        "provider": provider,
        "solutions": selectors.solution_list(filters={"provider": provider.ref}),
    })  # fmt: skip


class LoginView(auth_views.LoginView):
    template_name = "marketplace/accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        if getattr(self.request, "axes_locked_out", False):
            form.errors.clear()
            form.add_error(None, locked_message())
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_invalid(form)

    def get_default_redirect_url(self) -> str:
        user = self.request.user
        if user.is_authenticated and user.role == "provider":
            return reverse("web:provider_detail", args=[user.provider.ref])
        return reverse("web:home")


class LogoutView(auth_views.LogoutView):
    next_page = "web:home"
