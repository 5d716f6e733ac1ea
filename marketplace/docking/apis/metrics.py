"""Staff-only: match quality, the ranking scored on the staff labels (offline) and the docking
funnel, budget coverage and lead exposure (online)."""
from __future__ import annotations

from django.core.cache import cache
from django.db.models import Max
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.catalog.models import Need
from marketplace.docking import metrics
from matching import evaluation, selectors, services
from matching.models import IndexState, MatchLabel


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
        return Response({"offline": offline, "online": metrics.online_metrics()})
