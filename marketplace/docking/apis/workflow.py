"""Leads of provider users and the proposals that answer them: submit, withdraw, accept,
decline. Contact details appear only on an accepted proposal, to its two sides."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.catalog import limits, models
from marketplace.docking import selectors
from marketplace.catalog.apis.catalog import ProviderSummarySerializer
from marketplace.catalog.apis.common import (
    UNKNOWN_NEED,
    UNKNOWN_SOLUTION,
    CitySerializer,
    CodeSerializer,
    ContactSerializer,
    IsProviderOrStaff,
    IsProviderUser,
    ListCreateApi,
    RefField,
    done,
)
from marketplace.docking.filters import LeadFilter, ProposalFilter
from marketplace.docking.services import workflow
from marketplace.docking.models import PROPOSAL_MESSAGE_MAX_CHARS, Proposal



class AnonymousNeedSerializer(serializers.Serializer):
    """A need as a provider sees it before acceptance: the enterprise stays anonymous."""

    ref = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    budget_max = serializers.IntegerField()
    timeline_weeks = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    industry = CodeSerializer(source="enterprise.industry")
    city = CitySerializer(source="enterprise.city")
    county = serializers.CharField(source="enterprise.county.name", default=None, allow_null=True)
    created_at = serializers.DateTimeField()


class SolutionRefSerializer(serializers.Serializer):
    ref = serializers.CharField()
    title = serializers.CharField()


class LeadOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    need = AnonymousNeedSerializer()
    solution = SolutionRefSerializer()
    score = serializers.FloatField()
    month = serializers.DateField()
    created_at = serializers.DateTimeField()


class LeadListApi(generics.ListAPIView):
    """Open needs offered to your provider, best match first; the enterprise stays anonymous
    until it accepts your proposal."""

    permission_classes = [IsProviderOrStaff]
    serializer_class = LeadOutputSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = LeadFilter

    def get_queryset(self):
        return selectors.lead_list(user=self.request.user)


class LeadDetailApi(generics.RetrieveAPIView):
    permission_classes = [IsProviderOrStaff]
    serializer_class = LeadOutputSerializer

    def get_object(self):
        return get_object_or_404(selectors.lead_list(user=self.request.user), pk=self.kwargs["pk"])


class ProposalOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    need = AnonymousNeedSerializer()
    provider = ProviderSummarySerializer()
    solution = SolutionRefSerializer()
    price_quote = serializers.IntegerField()
    weeks = serializers.IntegerField()
    message = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    enterprise_contact = serializers.SerializerMethodField()
    provider_contact = serializers.SerializerMethodField()

    def _visible(self, proposal: Proposal) -> bool:
        return selectors.contacts_visible(user=self.context["request"].user, proposal=proposal)

    @extend_schema(responses=ContactSerializer(allow_null=True))  # type: ignore[misc]
    def get_enterprise_contact(self, proposal: Proposal) -> dict | None:
        return ContactSerializer(proposal.need.enterprise).data if self._visible(proposal) else None

    @extend_schema(responses=ContactSerializer(allow_null=True))  # type: ignore[misc]
    def get_provider_contact(self, proposal: Proposal) -> dict | None:
        return ContactSerializer(proposal.provider).data if self._visible(proposal) else None


class ProposalListApi(ListCreateApi):
    """Proposals you can see: on your needs (enterprise), your own (provider), all (staff).
    POST (providers) answers a lead with a quote."""

    class InputSerializer(serializers.Serializer):
        need = RefField(models.Need.objects.all(), not_found=UNKNOWN_NEED, help_text="need ref (one of your leads)")
        solution = RefField(
            models.Solution.objects.all(), not_found=UNKNOWN_SOLUTION, help_text="ref of one of your active solutions"
        )
        price_quote = serializers.IntegerField(min_value=1, max_value=limits.MONEY_MAX, help_text="RMB")
        weeks = serializers.IntegerField(min_value=1, max_value=models.DEPLOYMENT_WEEKS_MAX)
        message = serializers.CharField(max_length=PROPOSAL_MESSAGE_MAX_CHARS, required=False, allow_blank=True)

        class Meta:
            ref_name = "ProposalInput"

    permission_classes = [IsAuthenticated]
    create_permission_classes = [IsProviderUser]
    serializer_class = ProposalOutputSerializer
    filterset_class = ProposalFilter

    def get_queryset(self):
        return selectors.proposal_list(user=self.request.user)

    def create(self, request: Request, data: dict) -> Proposal:
        return workflow.proposal_submit(actor=request.user, **data)


def _proposal_for(request: Request, pk: int) -> Proposal:
    return get_object_or_404(selectors.proposal_list(user=request.user), pk=pk)


class ProposalDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ProposalOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return done(ProposalOutputSerializer, _proposal_for(request, pk), context={"request": request})


def _step(service):
    class ProposalStepApi(APIView):
        permission_classes = [IsAuthenticated]

        @extend_schema(request=inline_serializer("Empty", {}), responses=ProposalOutputSerializer)
        def post(self, request: Request, pk: int) -> Response:
            service(actor=request.user, proposal=_proposal_for(request, pk))
            return done(ProposalOutputSerializer, _proposal_for(request, pk), context={"request": request})

    ProposalStepApi.__doc__ = service.__doc__
    ProposalStepApi.__name__ = ProposalStepApi.__qualname__ = f"Proposal{service.__name__.split('_')[1].title()}Api"
    return ProposalStepApi


ProposalAcceptApi = _step(workflow.proposal_accept)
ProposalDeclineApi = _step(workflow.proposal_decline)
ProposalWithdrawApi = _step(workflow.proposal_withdraw)
