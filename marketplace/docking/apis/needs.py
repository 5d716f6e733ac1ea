"""Needs of enterprise users: post, edit, close, list their own; the ranked matches of a need,
with explanations; a side-by-side comparison of up to three solutions."""
from __future__ import annotations

import dataclasses

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.catalog import models
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
)
from marketplace.catalog.filters import NeedFilter
from marketplace.docking.services import workflow
from matching import explain
from matching import services as matching

COMPARE_MAX = 3
COMPARE_COUNT = _("请选择1到3个解决方案进行对比")
COMPARE_UNKNOWN = _("找不到这些解决方案：%(refs)s")
INDEX_NOT_READY = _("匹配索引尚未就绪，请稍后再试")


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
        budget_max = serializers.IntegerField(min_value=1, max_value=2_000_000_000, help_text="RMB")
        timeline_weeks = serializers.IntegerField(
            min_value=1, max_value=models.DEPLOYMENT_WEEKS_MAX, required=False, allow_null=True
        )

        class Meta:
            ref_name = "NeedCreateInput"

    permission_classes = [IsEnterpriseOrStaff]
    create_permission_classes = [IsEnterpriseUser]
    serializer_class = NeedOutputSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = NeedFilter

    def get_queryset(self):
        return selectors.need_list(user=self.request.user)

    @extend_schema(request=InputSerializer, responses={201: NeedOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        need = workflow.need_create(actor=request.user, **serializer.validated_data)
        return done(NeedOutputSerializer, _need_for(request, need.ref), status_code=status.HTTP_201_CREATED)


class NeedDetailApi(APIView):
    """One of your needs. PATCH edits an open need's text, budget or timeline."""

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200, required=False)
        description = serializers.CharField(max_length=models.DESCRIPTION_MAX_CHARS, required=False)
        budget_max = serializers.IntegerField(min_value=1, max_value=2_000_000_000, required=False)
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
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        workflow.need_update(actor=request.user, need=need, **serializer.validated_data)
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
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        workflow.need_close(actor=request.user, need=need, **serializer.validated_data)
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
        help_text="calibrated probability 0-1 that the solution is relevant to the need (fitted on the judged "
        "development set); the percentage the need page shows"
    )
    strong = serializers.BooleanField(
        help_text="probability at or above the calibration threshold (0.5); the need page folds the others "
        "under 'more options'"
    )
    solution = SolutionOutputSerializer(source="record")


class NeedMatchesApi(APIView):
    """The need's best solutions, ranked and explained; over-budget ones only when asked
    (``include_over_budget=true``), and then flagged."""

    permission_classes = [IsEnterpriseOrStaff]

    @extend_schema(
        parameters=[
            OpenApiParameter("include_over_budget", OpenApiTypes.BOOL, default=False),
            OpenApiParameter("top", OpenApiTypes.INT, description="1-50, default 10"),
        ],
        responses=MatchOutputSerializer(many=True),
    )
    def get(self, request: Request, ref: str) -> Response:
        need = _need_for(request, ref)
        flags = self.Params(data=request.query_params)
        flags.is_valid(raise_exception=True)
        try:
            rows = matching.need_matches(
                need=need,
                top_k=flags.validated_data["top"],
                include_over_budget=flags.validated_data["include_over_budget"],
            )
        except matching.IndexUnavailable:
            raise exceptions.APIException(INDEX_NOT_READY) from None
        return Response(MatchOutputSerializer(rows, many=True).data)

    class Params(serializers.Serializer):
        include_over_budget = serializers.BooleanField(default=False)
        top = serializers.IntegerField(min_value=1, max_value=50, default=10)

        class Meta:
            ref_name = "NeedMatchesParams"


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
