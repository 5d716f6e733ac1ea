"""Staff-only: labels on matches (they feed the evaluation). The metrics API, which also reads
the docking workflow, is ``marketplace.docking.apis.metrics``."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response

from marketplace.catalog.apis.common import UNKNOWN_NEED, UNKNOWN_SOLUTION, RefField, validated
from marketplace.catalog.models import Need, Solution
from matching import services
from matching.models import MatchLabel



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
        data = validated(self.InputSerializer, request.data)
        label = services.match_label_set(actor=request.user, **data)
        return Response(MatchLabelOutputSerializer(label).data, status=status.HTTP_201_CREATED)
