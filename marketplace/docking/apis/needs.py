"""Needs of enterprise users: post, edit, close, list their own; the ranked matches of a need,
with explanations; its phased plan; a side-by-side comparison of up to three solutions."""
from __future__ import annotations

import dataclasses

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.catalog import limits, models
from marketplace.catalog import selectors as catalog_selectors
from marketplace.docking import selectors
from marketplace.catalog.apis.catalog import SolutionOutputSerializer
from marketplace.catalog.apis.common import (
    CitySerializer,
    CodeSerializer,
    IsEnterpriseOrStaff,
    IsEnterpriseUser,
    ListCreateApi,
    done,
    validated,
)
from marketplace.catalog.filters import NeedFilter
from marketplace.docking.services import workflow
from matching import explain, plans
from matching.engine import plan as planning
from matching import services as matching

COMPARE_MAX = 3
COMPARE_COUNT = _("请选择1到3个解决方案进行对比")
COMPARE_UNKNOWN = _("找不到这些解决方案：%(refs)s")
INDEX_NOT_READY = _("匹配索引尚未就绪，请稍后再试")


class IndexNotReady(exceptions.APIException):
    """The matcher cannot answer now (index not built, being rebuilt, or unreadable): 503 with
    a Retry-After, as a client should retry rather than report a server fault."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = INDEX_NOT_READY
    default_code = "index_not_ready"
    wait = 60  # seconds, sent as Retry-After


class EnterpriseSummarySerializer(serializers.Serializer):
    ref = serializers.CharField()
    name = serializers.CharField()
    industry = CodeSerializer()
    city = CitySerializer()
    county = serializers.CharField(source="county.name", default=None, allow_null=True)
    county_en = serializers.CharField(source="county.name_en", default=None, allow_null=True)


class NeedOutputSerializer(serializers.Serializer):
    ref = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    budget_max = serializers.IntegerField()
    timeline_weeks = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    outcome = serializers.CharField()
    enterprise = EnterpriseSummarySerializer()
    proposal_count = serializers.IntegerField(default=0)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)


def _need_for(request: Request, ref: str) -> models.Need:
    return get_object_or_404(selectors.need_list(user=request.user), ref=ref)


class NeedListApi(ListCreateApi):
    """Your enterprise's needs, newest first (staff: every need). POST posts a new need."""

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200)
        description = serializers.CharField(max_length=models.DESCRIPTION_MAX_CHARS)
        budget_max = serializers.IntegerField(min_value=1, max_value=limits.MONEY_MAX, help_text="RMB")
        timeline_weeks = serializers.IntegerField(
            min_value=1, max_value=models.DEPLOYMENT_WEEKS_MAX, required=False, allow_null=True
        )

        class Meta:
            ref_name = "NeedCreateInput"

    permission_classes = [IsEnterpriseOrStaff]
    create_permission_classes = [IsEnterpriseUser]
    serializer_class = NeedOutputSerializer
    filterset_class = NeedFilter

    def get_queryset(self):
        return selectors.need_list(user=self.request.user)

    def create(self, request: Request, data: dict) -> models.Need:
        return _need_for(request, workflow.need_create(actor=request.user, **data).ref)


class NeedDetailApi(APIView):
    """One of your needs. PATCH edits an open need's text, budget or timeline."""

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200, required=False)
        description = serializers.CharField(max_length=models.DESCRIPTION_MAX_CHARS, required=False)
        budget_max = serializers.IntegerField(min_value=1, max_value=limits.MONEY_MAX, required=False)
        timeline_weeks = serializers.IntegerField(
            min_value=1, max_value=models.DEPLOYMENT_WEEKS_MAX, required=False, allow_null=True
        )

        class Meta:
            ref_name = "NeedUpdateInput"

    permission_classes = [IsEnterpriseOrStaff]

    @extend_schema(responses=NeedOutputSerializer)
    def get(self, request: Request, ref: str) -> Response:
        return done(NeedOutputSerializer, _need_for(request, ref))

    @extend_schema(request=InputSerializer, responses=NeedOutputSerializer)
    def patch(self, request: Request, ref: str) -> Response:
        need = _need_for(request, ref)
        data = validated(self.InputSerializer, request.data)
        workflow.need_update(actor=request.user, need=need, **data)
        return done(NeedOutputSerializer, _need_for(request, ref))


class NeedCloseApi(APIView):
    """Close an open need as contracted (after accepting a proposal) or not contracted."""

    class InputSerializer(serializers.Serializer):
        outcome = serializers.ChoiceField(choices=models.Need.Outcome.choices)

        class Meta:
            ref_name = "NeedCloseInput"

    permission_classes = [IsEnterpriseOrStaff]

    @extend_schema(request=InputSerializer, responses=NeedOutputSerializer)
    def post(self, request: Request, ref: str) -> Response:
        need = _need_for(request, ref)
        data = validated(self.InputSerializer, request.data)
        workflow.need_close(actor=request.user, need=need, **data)
        return done(NeedOutputSerializer, _need_for(request, ref))


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="a reason code of matching/engine/reasons.py")
    params = serializers.DictField(help_text="its parameters: industry code, city and county names, counts, weeks")


class FitSerializer(serializers.Serializer):
    """Components, over-budget flag and the reasons: in Chinese, in English, in the request's
    language, and as codes with parameters (rendered from ``reasons``, a list of ``Reason``)."""

    over_budget = serializers.BooleanField()
    components = serializers.DictField(child=serializers.FloatField())
    reasons_zh = serializers.SerializerMethodField()
    reasons_en = serializers.SerializerMethodField()
    reasons = serializers.SerializerMethodField(help_text="the reasons in the request's language")
    reason_codes = serializers.SerializerMethodField(help_text="the reasons as codes with parameters")

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_reasons_zh(self, fit: dict) -> list[str]:
        return explain.render_in(fit["reasons"], explain.CHINESE)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_reasons_en(self, fit: dict) -> list[str]:
        return explain.render_in(fit["reasons"], explain.ENGLISH)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_reasons(self, fit: dict) -> list[str]:
        return explain.render(fit["reasons"])

    @extend_schema_field(ReasonSerializer(many=True))
    def get_reason_codes(self, fit: dict) -> list[dict]:
        return explain.as_json(fit["reasons"])


class MatchOutputSerializer(FitSerializer):
    rank = serializers.IntegerField()
    score = serializers.FloatField(help_text="the ranking score 0-1: orders the results, not a probability")
    probability = serializers.FloatField(
        help_text="calibrated probability 0-1 that the solution is fully relevant to the need (solves the stated "
        "problem and the deal can happen; fitted on the judged development set); the percentage the need page shows"
    )
    strong = serializers.BooleanField(
        help_text="probability at or above the calibration threshold (matching/calibration.json, 0.5); the need "
        "page folds the others under 'more options' and names that threshold"
    )
    solution = SolutionOutputSerializer(source="record")


class NeedMatchesApi(APIView):
    """The need's best solutions, ranked and explained; over-budget ones only when asked
    (``include_over_budget=true``), and then flagged. While a new need is still being matched
    the answer is 202 with an empty list and a Retry-After (seconds): ask again then."""

    pending_wait = 5  # seconds, sent as Retry-After while the first matches are computed

    permission_classes = [IsEnterpriseOrStaff]

    @extend_schema(
        parameters=[
            OpenApiParameter("include_over_budget", OpenApiTypes.BOOL, default=False),
            OpenApiParameter("top", OpenApiTypes.INT, description="1-50, default 10"),
        ],
        responses={200: MatchOutputSerializer(many=True), 202: MatchOutputSerializer(many=True)},
    )
    def get(self, request: Request, ref: str) -> Response:
        need = _need_for(request, ref)
        flags = validated(self.Params, request.query_params)
        try:
            rows = matching.need_matches(
                need=need,
                top_k=flags["top"],
                include_over_budget=flags["include_over_budget"],
            )
        except matching.IndexUnavailable:
            raise IndexNotReady() from None
        if not rows and matching.matching_pending(need):
            return Response([], status=status.HTTP_202_ACCEPTED, headers={"Retry-After": str(self.pending_wait)})
        return Response(MatchOutputSerializer(rows, many=True).data)

    class Params(serializers.Serializer):
        include_over_budget = serializers.BooleanField(default=False)
        top = serializers.IntegerField(min_value=1, max_value=50, default=10)

        class Meta:
            ref_name = "NeedMatchesParams"


class PlanStepSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="1 = start now, within the budget and timeline")
    now = serializers.BooleanField()
    builds_on = serializers.IntegerField(allow_null=True, help_text="the number of the step it builds on")
    price_min = serializers.IntegerField(help_text="RMB")
    price_max = serializers.IntegerField(help_text="RMB")
    weeks = serializers.IntegerField()
    over_budget = serializers.BooleanField(help_text="its cheapest offer is above the budget (later steps only)")
    stored_match = serializers.BooleanField(source="stored", help_text="one of the need's stored matches")
    reasons_zh = serializers.ListField(child=serializers.CharField())
    reasons_en = serializers.ListField(child=serializers.CharField())
    reasons = serializers.ListField(child=serializers.CharField(), help_text="why this step, and why here, in the request's language")
    reason_codes = serializers.SerializerMethodField(help_text="the reasons as codes with parameters")
    solution = SolutionOutputSerializer(source="record")

    @extend_schema_field(ReasonSerializer(many=True))
    def get_reason_codes(self, step) -> list[dict]:
        return explain.as_json(step.reason_codes)


class PlanOutputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[planning.SINGLE, planning.PHASED, planning.START, planning.EMPTY],
        help_text="single: one affordable solution solves the need; phased: start within the budget, then build on it; "
        "start: no phased plan, the best match alone; empty: no match",
    )
    headline = serializers.CharField(help_text="in the request's language")
    budget_max = serializers.IntegerField(allow_null=True)
    total_price_min = serializers.IntegerField()
    total_price_max = serializers.IntegerField()
    total_weeks = serializers.IntegerField(help_text="weeks until the last step is live, steps one after another")
    steps = PlanStepSerializer(many=True)


class NeedPlanApi(APIView):
    """The need's phased plan: up to three of its matches, step 1 within the budget and timeline
    now, each later step building on an earlier one, with prices, weeks and the plan's total."""

    permission_classes = [IsEnterpriseOrStaff]

    @extend_schema(responses=PlanOutputSerializer)
    def get(self, request: Request, ref: str) -> Response:
        need = _need_for(request, ref)
        try:
            plan = plans.need_plan(need=need)
        except matching.IndexUnavailable:
            raise exceptions.APIException(INDEX_NOT_READY) from None
        payload = {
            "kind": plan.kind,
            "headline": plans.headline(plan),
            "budget_max": plan.budget_max,
            "total_price_min": plan.total_price_min,
            "total_price_max": plan.total_price_max,
            "total_weeks": plan.total_weeks,
            "steps": plans.shown_steps(plan),
        }
        return Response(PlanOutputSerializer(payload).data)


class CompareOutputSerializer(FitSerializer):
    structured = serializers.FloatField(help_text="structured fit 0-1 (budget, industry, region, speed, record)")
    solution = SolutionOutputSerializer(source="record")


class NeedCompareApi(APIView):
    """Up to three solutions side by side, each with its fit to this need."""

    permission_classes = [IsEnterpriseOrStaff]

    @extend_schema(
        parameters=[OpenApiParameter("solutions", OpenApiTypes.STR, required=True, description="1-3 refs, comma-separated")],
        responses=CompareOutputSerializer(many=True),
    )
    def get(self, request: Request, ref: str) -> Response:
        need = _need_for(request, ref)
        raw = request.query_params.get("solutions", "").replace("\x00", "")  # PostgreSQL text cannot hold NUL
        refs = list(dict.fromkeys(r.strip() for r in raw.split(",") if r.strip()))
        if not 1 <= len(refs) <= COMPARE_MAX:
            raise exceptions.ValidationError({"solutions": [str(COMPARE_COUNT)]})
        found = {s.ref: s for s in catalog_selectors.solution_list().filter(ref__in=refs)}
        missing = [r for r in refs if r not in found]
        if missing:
            raise exceptions.ValidationError({"solutions": [str(COMPARE_UNKNOWN) % {"refs": ", ".join(missing)}]})
        solutions = [found[r] for r in refs]
        fits = matching.fit_compare(need=need, solutions=solutions)
        rows = [
            {**dataclasses.asdict(fit), "reasons": reasons, "record": solution}
            for (fit, reasons), solution in zip(fits, solutions)
        ]
        return Response(CompareOutputSerializer(rows, many=True).data)
