"""Catalog API: providers and solutions for everyone to browse (filters, search, pages, Chinese
and English names beside codes), and for provider users to keep their own up to date."""
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace import limits, models, selectors
from marketplace.apis.common import CitySerializer, CodeSerializer, IsProviderUser, ListCreateApi
from marketplace.services import accounts, catalog
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
    is_active = serializers.BooleanField()


def _codes(model, **extra):
    return serializers.SlugRelatedField(slug_field=model._meta.pk.name, queryset=model.objects.all(), **extra)


class SolutionInputSerializer(serializers.Serializer):
    """A provider's solution, codes as in catalog-format.md (categories, industries, cities)."""

    title = serializers.CharField(max_length=200)
    category = _codes(models.Category)
    description = serializers.CharField(max_length=models.DESCRIPTION_MAX_CHARS)
    price_min = serializers.IntegerField(min_value=0, max_value=limits.MONEY_MAX, help_text="RMB")
    price_max = serializers.IntegerField(min_value=0, max_value=limits.MONEY_MAX, help_text="RMB")
    deployment_weeks = serializers.IntegerField(min_value=0, max_value=models.DEPLOYMENT_WEEKS_MAX)
    delivery_mode = _codes(models.DeliveryMode)
    all_industries = serializers.BooleanField(default=False)
    industries = _codes(models.Industry, many=True, required=False)
    all_regions = serializers.BooleanField(default=False)
    regions_served = _codes(models.City, many=True, required=False)
    cases = serializers.IntegerField(min_value=0, max_value=limits.CASES_MAX, default=0)
    case_industries = _codes(models.Industry, many=True, required=False)
    is_active = serializers.BooleanField(default=True)


class SolutionListApi(ListCreateApi):
    """Active solutions, cheapest first. POST (provider users) lists a new solution of theirs;
    it is searchable as soon as the request commits."""

    permission_classes = [AllowAny]
    create_permission_classes = [IsProviderUser]
    serializer_class = SolutionOutputSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = SolutionFilter

    def get_queryset(self):
        return selectors.solution_list()

    @extend_schema(request=SolutionInputSerializer, responses={201: SolutionOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = SolutionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        solution = catalog.solution_create(actor=request.user, provider=request.user.provider, **serializer.validated_data)
        return Response(SolutionOutputSerializer(_any_solution(solution.ref)).data, status=status.HTTP_201_CREATED)


def _any_solution(ref: str) -> models.Solution:
    return get_object_or_404(selectors.solution_list(include_inactive=True), ref=ref)


class SolutionDetailApi(APIView):
    """An active solution (everyone); PATCH edits one of your provider's solutions, including
    taking it off the shelf (``is_active: false``) and back."""

    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(responses=SolutionOutputSerializer)
    def get(self, request: Request, ref: str) -> Response:
        return Response(SolutionOutputSerializer(get_object_or_404(selectors.solution_list(), ref=ref)).data)

    @extend_schema(request=SolutionInputSerializer(partial=True), responses=SolutionOutputSerializer)
    def patch(self, request: Request, ref: str) -> Response:
        solution = _any_solution(ref)
        serializer = SolutionInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        catalog.solution_update(actor=request.user, solution=solution, **serializer.validated_data)
        return Response(SolutionOutputSerializer(_any_solution(ref)).data)


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
    """A provider (everyone); PATCH changes your own provider's contact details (shown to an
    enterprise once it accepts your proposal) and monthly lead capacity."""

    class InputSerializer(serializers.Serializer):
        contact_name = serializers.CharField(max_length=64, required=False, allow_blank=True)
        contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
        contact_email = serializers.EmailField(required=False, allow_blank=True)
        lead_capacity = serializers.IntegerField(min_value=0, max_value=10_000, required=False)

        class Meta:
            ref_name = "ProviderUpdateInput"

    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(responses=ProviderOutputSerializer)
    def get(self, request: Request, ref: str) -> Response:
        return Response(ProviderOutputSerializer(get_object_or_404(selectors.provider_list(), ref=ref)).data)

    @extend_schema(request=InputSerializer, responses=ProviderOutputSerializer)
    def patch(self, request: Request, ref: str) -> Response:
        provider = get_object_or_404(selectors.provider_list(), ref=ref)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        accounts.provider_update(actor=request.user, provider=provider, **serializer.validated_data)
        return Response(ProviderOutputSerializer(get_object_or_404(selectors.provider_list(), ref=ref)).data)
