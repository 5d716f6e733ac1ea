"""Staff-only: labels on matches (they feed the evaluation) and match-quality metrics."""
from __future__ import annotations

from django.core.cache import cache
from django.db.models import Max
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.apis.common import UNKNOWN_NEED, UNKNOWN_SOLUTION, RefField
from marketplace.models import Need, Solution
from matching import evaluation, selectors, services
from matching.models import IndexState, MatchLabel



class MatchLabelOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    need = serializers.CharField(source="need.ref")
    solution = serializers.CharField(source="solution.ref")
    grade = serializers.IntegerField()
    grade_name = serializers.CharField(source="get_grade_display")
    note = serializers.CharField()
    labelled_by = serializers.CharField(source="labelled_by.username", default=None, allow_null=True)
    updated_at = serializers.DateTimeField()


class MatchLabelListApi(generics.ListAPIView):
    """Staff judgements of (need, solution) pairs. POST labels a pair relevant (2), partly (1)
    or not relevant (0), replacing an earlier label of the same pair."""

    class InputSerializer(serializers.Serializer):
        need = RefField(Need.objects.all(), not_found=UNKNOWN_NEED, help_text="need ref")
        solution = RefField(Solution.objects.all(), not_found=UNKNOWN_SOLUTION, help_text="solution ref")
        grade = serializers.ChoiceField(choices=MatchLabel.Grade.choices)
        note = serializers.CharField(max_length=500, required=False, allow_blank=True)

        class Meta:
            ref_name = "MatchLabelInput"

    permission_classes = [IsAdminUser]
    serializer_class = MatchLabelOutputSerializer

    def get_queryset(self):
        return MatchLabel.objects.select_related("need", "solution", "labelled_by")

    @extend_schema(request=InputSerializer, responses={201: MatchLabelOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        label = services.match_label_set(actor=request.user, **serializer.validated_data)
        return Response(MatchLabelOutputSerializer(label).data, status=status.HTTP_201_CREATED)


def offline_metrics() -> dict | None:
    """The product ranking scored against the staff labels (cached until a label or the index
    changes); None before anything is labelled."""
    qrels = services.labelled_qrels()
    if not qrels:
        return None
    stamp = (MatchLabel.objects.aggregate(last=Max("updated_at"))["last"], MatchLabel.objects.count(),
             IndexState.objects.filter(name=IndexState.SOLUTIONS).values_list("version", flat=True).first())  # fmt: skip
    key = f"matching:offline-metrics:{hash(stamp)}"
    cached = cache.get(key)
    if cached is None:
        queries = {need.ref: selectors.need_query(need) for need in Need.objects.filter(ref__in=qrels).select_related("enterprise__county")}
        product = next(v for v in evaluation.VARIANTS if v.name == evaluation.PRODUCT)
        cached = evaluation.run(services.get_matcher(), queries, qrels, variants=[product])[0]
        cache.set(key, cached, timeout=3600)
    return cached


class MetricsApi(APIView):
    """Match quality: the ranking scored on staff labels (offline) and the docking funnel,
    budget coverage and lead exposure spread (online)."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        responses=inline_serializer(
            "Metrics",
            {
                "offline": serializers.DictField(allow_null=True, help_text="nDCG@10, recall@10, MRR, over-budget@5 on labels"),
                "online": serializers.DictField(help_text="funnel rates, coverage, exposure Gini"),
            },
        )
    )
    def get(self, request: Request) -> Response:
        try:
            offline = offline_metrics()
        except services.IndexUnavailable:
            offline = None
        return Response({"offline": offline, "online": selectors.online_metrics()})
