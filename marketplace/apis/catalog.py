"""Catalog browse API (public read): providers and solutions with filters, search and pages.
Codes come with their Chinese and English names."""
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny

from marketplace import models, selectors
from marketplace.apis.common import CitySerializer, CodeSerializer
from marketplace.filters import ProviderFilter, SolutionFilter


class ProviderSummarySerializer(serializers.Serializer):
    ref = serializers.CharField()
    name = serializers.CharField()
    city = CitySerializer()
    county = serializers.CharField(source="county.name", default=None, allow_null=True)
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


class SolutionListApi(generics.ListAPIView):
    """Active solutions, cheapest first."""

    permission_classes = [AllowAny]
    serializer_class = SolutionOutputSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = SolutionFilter

    def get_queryset(self):
        return selectors.solution_list()


class SolutionDetailApi(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = SolutionOutputSerializer

    def get_object(self) -> models.Solution:
        return get_object_or_404(selectors.solution_list(), ref=self.kwargs["ref"])


class ProviderOutputSerializer(ProviderSummarySerializer):
    solution_count = serializers.IntegerField()


class ProviderListApi(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = ProviderOutputSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProviderFilter

    def get_queryset(self):
        return selectors.provider_list()


class ProviderDetailApi(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = ProviderOutputSerializer

    def get_object(self) -> models.Provider:
        return get_object_or_404(selectors.provider_list(), ref=self.kwargs["ref"])
