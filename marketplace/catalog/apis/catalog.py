"""Catalog API: providers and solutions for everyone to browse (filters, search, pages, Chinese
and English names beside codes). Provider users edit their own through the subclasses in
``marketplace.docking.apis.solutions``."""
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.catalog import selectors
from marketplace.catalog.apis.common import CitySerializer, CodeSerializer
from marketplace.catalog.filters import ProviderFilter, SolutionFilter


class ProviderSummarySerializer(serializers.Serializer):
    ref = serializers.CharField()
    name = serializers.CharField()
    city = CitySerializer()
    county = serializers.CharField(source="county.name", default=None, allow_null=True)
    county_en = serializers.CharField(source="county.name_en", default=None, allow_null=True)
    tier = CodeSerializer()


class SolutionOutputSerializer(serializers.Serializer):
    ref = serializers.CharField()
    title = serializers.CharField()
    provider = ProviderSummarySerializer()
    category = CodeSerializer()
    all_industries = serializers.BooleanField()
    industries = CodeSerializer(many=True)
    description = serializers.CharField()
    price_min = serializers.IntegerField()
    price_max = serializers.IntegerField()
    deployment_weeks = serializers.IntegerField()
    delivery_mode = CodeSerializer()
    all_regions = serializers.BooleanField()
    regions_served = CitySerializer(many=True)
    cases = serializers.IntegerField()
    case_industries = CodeSerializer(many=True)
    cases_verified = serializers.BooleanField(read_only=True, help_text="staff verified cases and case industries")
    cases_verified_at = serializers.DateTimeField(read_only=True, allow_null=True)
    is_active = serializers.BooleanField()


class SolutionListApi(generics.ListAPIView):
    """Active solutions, cheapest first."""

    permission_classes = [AllowAny]
    serializer_class = SolutionOutputSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = SolutionFilter

    def get_queryset(self):
        return selectors.solution_list()


class SolutionDetailApi(APIView):
    """An active solution (everyone)."""

    permission_classes = [AllowAny]

    @extend_schema(responses=SolutionOutputSerializer)
    def get(self, request: Request, ref: str) -> Response:
        return Response(SolutionOutputSerializer(get_object_or_404(selectors.solution_list(), ref=ref)).data)


class ProviderOutputSerializer(ProviderSummarySerializer):
    solution_count = serializers.IntegerField()


class ProviderListApi(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = ProviderOutputSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProviderFilter

    def get_queryset(self):
        return selectors.provider_list()


class ProviderDetailApi(APIView):
    """A provider (everyone)."""

    permission_classes = [AllowAny]

    @extend_schema(responses=ProviderOutputSerializer)
    def get(self, request: Request, ref: str) -> Response:
        return Response(ProviderOutputSerializer(get_object_or_404(selectors.provider_list(), ref=ref)).data)
