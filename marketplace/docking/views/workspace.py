"""The enterprise's and the provider's workspaces and everyone's notifications.

Thin like ``views``: reads go through ``selectors`` and the matcher's services, writes through
``services`` (the docking workflow, accounts, catalog). A rule the workflow refuses
(``DockingError``) becomes a message on the page, never an error page."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.catalog import models
from marketplace.catalog import selectors as catalog_selectors
from marketplace.catalog.selectors import FilterError
from marketplace.docking import selectors, services
from marketplace.docking.forms import workspace as forms
from marketplace.docking.models import Lead, Notification, Proposal
from marketplace.docking.services import notifications, workflow
from marketplace.docking.views.access import role_required
from matching import plans
from matching import services as matching
from matching.models import Match

PAGE_SIZE = 20
COMPARE_MAX = 3

# Messages the user sees (tests assert them).
ENTERPRISES_ONLY = gettext_lazy("这个页面供企业用户使用，请用企业账号登录。")
PROVIDERS_ONLY = gettext_lazy("这个页面供服务商用户使用，请用服务商账号登录。")
NEED_POSTED = gettext_lazy("需求已发布，下面是为您匹配的方案。")
NEED_SAVED = gettext_lazy("需求已保存，匹配结果已更新。")
NEED_CLOSED = gettext_lazy("需求已关闭。")
PROPOSAL_ACCEPTED = gettext_lazy("已接受该方案建议，双方联系方式已公开。")
PROPOSAL_DECLINED = gettext_lazy("已婉拒该方案建议。")
PROPOSAL_SENT = gettext_lazy("方案建议已发送，企业答复后会通知您。")
PROPOSAL_WITHDRAWN = gettext_lazy("方案建议已撤回。")
PROFILE_SAVED = gettext_lazy("资料已保存。")
SOLUTION_SAVED = gettext_lazy("方案已保存，几分钟内即参与匹配。")
SOLUTION_OFF = gettext_lazy("方案已下架，不再参与匹配。")
SOLUTION_ON = gettext_lazy("方案已重新上架。")
COMPARE_COUNT = gettext_lazy("请选择1到3个方案进行对比。")
INDEX_NOT_READY = gettext_lazy("匹配服务正在准备中，请稍后刷新页面。")
MATCHING_IN_PROGRESS = gettext_lazy("正在为这条需求匹配方案，请稍后刷新页面。")
FIX_BELOW = gettext_lazy("请修改下面标红的内容。")
ALL_READ = gettext_lazy("通知已全部标为已读。")


def _page(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


enterprise_required = role_required("enterprise", "marketplace/workspace/forbidden.html", ENTERPRISES_ONLY)
provider_required = role_required("provider", "marketplace/workspace/forbidden.html", PROVIDERS_ONLY)


def _docking_message(request: HttpRequest, error: workflow.DockingError) -> None:
    messages.error(request, str(error.message))


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if _safe(request, target):
        return redirect(target)
    return redirect(fallback)


def _safe(request: HttpRequest, target: str) -> bool:
    """A redirect target on this site (never another host)."""
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


# ------------------------------------------------------------------------------ enterprise


def _need_for(request: HttpRequest, ref: str) -> models.Need:
    return get_object_or_404(selectors.need_list(user=request.user), ref=ref)


@enterprise_required
def need_list(request: HttpRequest) -> HttpResponse:
    needs = selectors.need_list(user=request.user)
    return render(request, "marketplace/workspace/need_list.html", {
        "page_obj": _page(request, needs),
        "open_count": needs.filter(status=models.Need.Status.OPEN).count(),
    })  # fmt: skip


@enterprise_required
@require_http_methods(["GET", "POST"])
def need_create(request: HttpRequest) -> HttpResponse:
    enterprise = request.user.enterprise
    form = forms.NeedForm(request.POST or None, initial=forms.NeedForm.initial_for(enterprise))
    if request.method == "POST" and form.is_valid():
        try:
            need = workflow.need_post(actor=request.user, **form.place_fields(), **form.need_fields())
        except workflow.DockingError as error:
            _docking_message(request, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, NEED_POSTED)
            return redirect("web:need_detail", ref=need.ref)
    return render(request, "marketplace/workspace/need_form.html", {
        "form": form,
        "enterprise": enterprise,
        "counties_by_city": catalog_selectors.counties_by_city(),
    })  # fmt: skip


@enterprise_required
@require_http_methods(["GET", "POST"])
def need_edit(request: HttpRequest, ref: str) -> HttpResponse:
    need = _need_for(request, ref)
    form = forms.NeedForm(
        request.POST or None, with_place=False, initial=forms.NeedForm.initial_for(need.enterprise, need)
    )
    if request.method == "POST" and form.is_valid():
        try:
            workflow.need_update(actor=request.user, need=need, **form.need_fields())
        except workflow.DockingError as error:
            _docking_message(request, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, NEED_SAVED)
            return redirect("web:need_detail", ref=need.ref)
    return render(
        request, "marketplace/workspace/need_form.html", {"form": form, "need": need, "enterprise": need.enterprise}
    )


def _matches(need: models.Need, *, include_over_budget: bool) -> tuple[list[dict], bool]:
    """(ranked matches with their solutions, whether the matcher answered)."""
    try:
        return matching.need_matches(need=need, include_over_budget=include_over_budget), True
    except matching.IndexUnavailable:
        return [], False


@enterprise_required
def need_detail(request: HttpRequest, ref: str) -> HttpResponse:
    need = _need_for(request, ref)
    over_budget = request.GET.get("over_budget") in ("1", "on", "true")
    matches, ready, plan = [], True, None
    if need.status == models.Need.Status.OPEN:
        matches, ready = _matches(need, include_over_budget=over_budget)
        plan = _plan(need) if ready else None
    proposals = list(selectors.proposal_list(user=request.user, filters={"need": need.ref}))
    for proposal in proposals:
        proposal.contacts_visible = selectors.contacts_visible(user=request.user, proposal=proposal)
    return render(request, "marketplace/workspace/need_detail.html", {
        "need": need,
        "matches": matches,
        "matcher_ready": ready,
        "index_not_ready": INDEX_NOT_READY,
        "matching_pending": ready and not matches and not over_budget and matching.matching_pending(need),
        "matching_in_progress": MATCHING_IN_PROGRESS,
        "over_budget": over_budget,
        "over_budget_count": sum(1 for m in matches if m["over_budget"]),
        "proposals": proposals,
        "accepted": next((p for p in proposals if p.status == Proposal.Status.ACCEPTED), None),
        "pending_count": sum(1 for p in proposals if p.status == Proposal.Status.SUBMITTED),
        "compare_max": COMPARE_MAX,
        "plan": plan,
        "plan_steps": plans.shown_steps(plan) if plan else [],
        "plan_headline": plans.headline(plan) if plan else "",
    })  # fmt: skip


def _plan(need: models.Need):
    """The need's phased plan (None when the matcher cannot answer)."""
    try:
        return plans.need_plan(need=need)
    except matching.IndexUnavailable:
        return None


@enterprise_required
def need_compare(request: HttpRequest, ref: str) -> HttpResponse:
    need = _need_for(request, ref)
    raw = request.GET.getlist("solutions") or request.GET.get("solutions", "").split(",")
    refs = list(dict.fromkeys(r.strip() for value in raw for r in str(value).split(",") if r.strip()))
    refs = [r for r in refs if "\x00" not in r]  # PostgreSQL text cannot hold NUL; no ref has one
    found = {s.ref: s for s in catalog_selectors.solution_list().filter(ref__in=refs[:COMPARE_MAX + 1])}
    solutions = [found[r] for r in refs if r in found]
    if not 1 <= len(solutions) <= COMPARE_MAX or len(refs) > COMPARE_MAX:
        messages.error(request, COMPARE_COUNT)
        return redirect("web:need_detail", ref=need.ref)
    fits = matching.fit_compare(need=need, solutions=solutions)
    return render(request, "marketplace/workspace/need_compare.html", {
        "need": need,
        "columns": [{"solution": s, "fit": f, "reasons": r} for s, (f, r) in zip(solutions, fits)],
    })  # fmt: skip


@enterprise_required
@require_POST
def need_close(request: HttpRequest, ref: str) -> HttpResponse:
    need = _need_for(request, ref)
    form = forms.CloseNeedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("未知的对接结果"))
    else:
        try:
            workflow.need_close(actor=request.user, need=need, outcome=form.cleaned_data["outcome"])
        except workflow.DockingError as error:
            _docking_message(request, error)
        else:
            messages.success(request, NEED_CLOSED)
    return redirect("web:need_detail", ref=need.ref)


def _proposal_step(service: Callable, done_message) -> Callable:
    @require_POST
    def step(request: HttpRequest, pk: int) -> HttpResponse:
        proposal = get_object_or_404(selectors.proposal_list(user=request.user), pk=pk)
        try:
            service(actor=request.user, proposal=proposal)
        except workflow.DockingError as error:
            _docking_message(request, error)
        else:
            messages.success(request, done_message)
        if request.user.role == "provider":
            return _back(request, reverse("web:proposal_list"))
        return redirect("web:need_detail", ref=proposal.need.ref)

    return step


proposal_accept = enterprise_required(_proposal_step(workflow.proposal_accept, PROPOSAL_ACCEPTED))
proposal_decline = enterprise_required(_proposal_step(workflow.proposal_decline, PROPOSAL_DECLINED))
proposal_withdraw = provider_required(_proposal_step(workflow.proposal_withdraw, PROPOSAL_WITHDRAWN))


# -------------------------------------------------------------------------------- provider


def _why(lead) -> Match | None:
    return Match.objects.filter(need_id=lead.need_id, solution_id=lead.solution_id).first()


@provider_required
def lead_list(request: HttpRequest) -> HttpResponse:
    form = forms.LeadFilterForm(request.GET)
    filters, problems = form.filters()
    try:
        leads = selectors.lead_list(user=request.user, filters=filters)
    except FilterError:
        problems.append(_("筛选条件有误，请检查后重试："))
        leads = selectors.lead_list(user=request.user)[:0]
    page_obj = _page(request, leads)
    rows = list(page_obj.object_list)
    why = {
        (m.need_id, m.solution_id): m
        for m in Match.objects.filter(
            need__in=[lead.need_id for lead in rows], solution__in=[lead.solution_id for lead in rows]
        )
    }
    answered = dict(
        selectors.proposal_list(user=request.user).filter(need__in=[lead.need_id for lead in rows])
        .exclude(status=Proposal.Status.WITHDRAWN).values_list("need_id", "status")
    )  # fmt: skip
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "marketplace/workspace/lead_list.html", {
        "form": form,
        "problems": problems,
        "page_obj": page_obj,
        "rows": [
            {
                "lead": lead,
                "why": why.get((lead.need_id, lead.solution_id)),
                "answered": answered.get(lead.need_id),
                "plan_step": _plan_step(lead),
            }
            for lead in rows
        ],
        "query": query.urlencode(),
        "filtered": bool(filters),
        "counties_by_city": {
            city: [{"id": c["name"], "label": c["label"]} for c in counties]
            for city, counties in catalog_selectors.counties_by_city().items()
        },
        "provider": request.user.provider,
    })  # fmt: skip


def _plan_step(lead: Lead):
    """Where the lead's provider stands in the need's phased plan (open needs only)."""
    if lead.need.status != models.Need.Status.OPEN:
        return None
    return plans.provider_step(need=lead.need, provider_ref=lead.provider.ref)


@provider_required
@require_http_methods(["GET", "POST"])
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(selectors.lead_list(user=request.user), pk=pk)
    proposals = list(selectors.proposal_list(user=request.user, filters={"need": lead.need.ref}))
    for proposal in proposals:
        proposal.contacts_visible = selectors.contacts_visible(user=request.user, proposal=proposal)
    live = next((p for p in proposals if p.status in Proposal.LIVE), None)
    form = forms.ProposalForm(request.POST or None, provider=request.user.provider, lead=lead)
    if request.method == "POST":
        if form.is_valid():
            try:
                workflow.proposal_submit(actor=request.user, need=lead.need, **form.service_arguments())
            except workflow.DockingError as error:
                _docking_message(request, error)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, PROPOSAL_SENT)
                return redirect("web:lead_detail", pk=lead.pk)
        else:
            messages.error(request, FIX_BELOW)
    return render(request, "marketplace/workspace/lead_detail.html", {
        "lead": lead,
        "need": lead.need,
        "why": _why(lead),
        "plan_step": _plan_step(lead),
        "proposals": proposals,
        "live": live,
        "form": form,
        "has_solutions": form.fields["solution"].queryset.exists(),
    })  # fmt: skip


@provider_required
def proposal_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    filters = {"status": status} if status in Proposal.Status.values else {}
    proposals = selectors.proposal_list(user=request.user, filters=filters).order_by("-created_at", "-pk")
    page_obj = _page(request, proposals)
    for proposal in page_obj.object_list:
        proposal.contacts_visible = selectors.contacts_visible(user=request.user, proposal=proposal)
    lead_ids = dict(
        selectors.lead_list(user=request.user)
        .filter(need__in=[p.need_id for p in page_obj.object_list])
        .values_list("need_id", "pk")
    )
    for proposal in page_obj.object_list:
        proposal.lead_id = lead_ids.get(proposal.need_id)
    return render(request, "marketplace/workspace/proposal_list.html", {
        "page_obj": page_obj,
        "status": filters.get("status", ""),
        "statuses": Proposal.Status.choices,
        "query": f"status={filters['status']}" if filters else "",
    })  # fmt: skip


@provider_required
@require_http_methods(["GET", "POST"])
def provider_profile(request: HttpRequest) -> HttpResponse:
    provider = request.user.provider
    initial = {name: getattr(provider, name) for name in forms.ProviderProfileForm.base_fields}
    form = forms.ProviderProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_update(actor=request.user, provider=provider, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, PROFILE_SAVED)
            return redirect("web:provider_profile")
    month = timezone.localdate().replace(day=1)
    return render(request, "marketplace/workspace/provider_profile.html", {
        "form": form,
        "provider": provider,
        "leads_this_month": Lead.objects.filter(provider=provider, month=month).count(),
    })  # fmt: skip


def _own_solution(request: HttpRequest, ref: str) -> models.Solution:
    return get_object_or_404(models.Solution.objects.filter(provider_id=request.user.provider_id), ref=ref)


@provider_required
def my_solution_list(request: HttpRequest) -> HttpResponse:
    solutions = (
        models.Solution.objects.filter(provider_id=request.user.provider_id)
        .select_related("category", "delivery_mode", "provider__tier", "provider__city", "provider__county")
        .order_by("-is_active", "title", "ref")
    )
    return render(request, "marketplace/workspace/my_solution_list.html", {"page_obj": _page(request, solutions)})


@provider_required
@require_http_methods(["GET", "POST"])
def my_solution_form(request: HttpRequest, ref: str | None = None) -> HttpResponse:
    solution = _own_solution(request, ref) if ref else None
    initial = forms.SolutionForm.initial_for(solution) if solution else None
    form = forms.SolutionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if solution is None:
                solution = services.solution_create(
                    actor=request.user, provider=request.user.provider, **form.service_arguments()
                )
            else:
                services.solution_update(actor=request.user, solution=solution, **form.service_arguments())
        except (ValidationError, PermissionDenied) as error:
            form.add_service_errors(error if isinstance(error, ValidationError) else ValidationError(str(error)))
        else:
            messages.success(request, SOLUTION_SAVED)
            return redirect("web:my_solution_list")
    return render(request, "marketplace/workspace/my_solution_form.html", {"form": form, "solution": solution})


@provider_required
@require_POST
def my_solution_active(request: HttpRequest, ref: str) -> HttpResponse:
    solution = _own_solution(request, ref)
    active = request.POST.get("active") == "1"
    services.solution_update(actor=request.user, solution=solution, is_active=active)
    messages.success(request, SOLUTION_ON if active else SOLUTION_OFF)
    return redirect("web:my_solution_list")


# --------------------------------------------------------------------------- notifications


def _login_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("web:login"))
        return view(request, *args, **kwargs)

    return wrapped


def _notification_link(user: models.User, notification: Notification, leads: dict[int, int]) -> str:
    if notification.need_id is None:
        return ""
    if user.role == "enterprise":
        return reverse("web:need_detail", args=[notification.need.ref])
    if user.role == "provider":
        if notification.need_id in leads:
            return reverse("web:lead_detail", args=[leads[notification.need_id]])
        return reverse("web:proposal_list")
    return ""


@_login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") in ("1", "true", "on")
    page_obj = _page(request, selectors.notification_list(user=request.user, unread_only=unread_only))
    leads = dict(
        selectors.lead_list(user=request.user).filter(need__in=[n.need_id for n in page_obj.object_list if n.need_id])
        .values_list("need_id", "pk")
    )  # fmt: skip
    rows = [
        {
            "notification": n,
            "text": notifications.notification_text(n),
            "link": _notification_link(request.user, n, leads),
        }
        for n in page_obj.object_list
    ]
    return render(request, "marketplace/workspace/notification_list.html", {
        "page_obj": page_obj,
        "rows": rows,
        "unread_only": unread_only,
        "query": "unread=1" if unread_only else "",
    })  # fmt: skip


@_login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(selectors.notification_list(user=request.user), pk=pk)
    notifications.notifications_mark_read(user=request.user, ids=[notification.pk])
    target = request.POST.get("go", "")
    if _safe(request, target):
        return redirect(target)
    return redirect("web:notification_list")


@_login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    notifications.notifications_mark_read(user=request.user)
    messages.success(request, ALL_READ)
    return redirect("web:notification_list")

