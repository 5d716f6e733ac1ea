"""Filter sets of the docking workflow's lists (django-filter parses the query string)."""
import django_filters

from marketplace.catalog import models as catalog
from marketplace.catalog.filters import TextFilter
from marketplace.docking import models


class LeadFilter(django_filters.FilterSet):
    """Filters of a provider's lead inbox (field names are the Lead model's)."""

    city = django_filters.ModelChoiceFilter(field_name="need__enterprise__city", queryset=catalog.City.objects.all())
    county = TextFilter(field_name="need__enterprise__county__name")
    industry = django_filters.ModelChoiceFilter(
        field_name="need__enterprise__industry", queryset=catalog.Industry.objects.all(), to_field_name="code"
    )
    budget_min = django_filters.NumberFilter(field_name="need__budget_max", lookup_expr="gte", label="budget at least (RMB)")
    budget_max = django_filters.NumberFilter(field_name="need__budget_max", lookup_expr="lte", label="budget at most (RMB)")
    score_min = django_filters.NumberFilter(field_name="score", lookup_expr="gte")


class ProposalFilter(django_filters.FilterSet):
    need = TextFilter(field_name="need__ref")
    status = django_filters.ChoiceFilter(choices=models.Proposal.Status.choices)

    class Meta:
        model = models.Proposal
        fields: list[str] = []
