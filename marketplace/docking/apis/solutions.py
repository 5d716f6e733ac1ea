"""Provider users keep their solutions and contact details up to date through the catalog API:
these views add POST and PATCH to the catalog's read-only ones, and write through the services
(matching follows after the commit)."""
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response

from marketplace.catalog import limits, models, selectors
from marketplace.catalog.apis import catalog
from marketplace.catalog.apis.catalog import ProviderOutputSerializer, SolutionOutputSerializer
from marketplace.catalog.apis.common import IsProviderUser, ListCreateApi, validated
from marketplace.docking.services import accounts, solutions


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


def _any_solution(ref: str) -> models.Solution:
    return get_object_or_404(selectors.solution_list(include_inactive=True), ref=ref)


class SolutionListApi(ListCreateApi, catalog.SolutionListApi):
    """Active solutions, cheapest first. POST (provider users) lists a new solution of theirs;
    it is searchable as soon as the request commits."""

    create_permission_classes = [IsProviderUser]
    InputSerializer = SolutionInputSerializer

    def create(self, request: Request, data: dict) -> models.Solution:
        solution = solutions.solution_create(actor=request.user, provider=request.user.provider, **data)
        return _any_solution(solution.ref)


class SolutionDetailApi(catalog.SolutionDetailApi):
    """An active solution (everyone); PATCH edits one of your provider's solutions, including
    taking it off the shelf (``is_active: false``) and back."""

    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(request=SolutionInputSerializer(partial=True), responses=SolutionOutputSerializer)
    def patch(self, request: Request, ref: str) -> Response:
        solution = _any_solution(ref)
        data = validated(SolutionInputSerializer, request.data, partial=True)
        solutions.solution_update(actor=request.user, solution=solution, **data)
        return Response(SolutionOutputSerializer(_any_solution(ref)).data)


class ProviderDetailApi(catalog.ProviderDetailApi):
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

    @extend_schema(request=InputSerializer, responses=ProviderOutputSerializer)
    def patch(self, request: Request, ref: str) -> Response:
        provider = get_object_or_404(selectors.provider_list(), ref=ref)
        data = validated(self.InputSerializer, request.data)
        accounts.provider_update(actor=request.user, provider=provider, **data)
        return Response(ProviderOutputSerializer(get_object_or_404(selectors.provider_list(), ref=ref)).data)
