"""Reasons are stored as codes with parameters and rendered in the reader's language.

The stored Chinese and English texts are replaced by the reasons recomputed from the need and
the solution as they are now (reasons depend on their facts only, not on retrieval). Reversing
leaves the old text columns empty until ``refresh_matches`` (or any catalog change) recomputes
the matches.
"""
from django.db import migrations, models

from matching.engine import NeedQuery, SolutionFacts, explain


def _query(need) -> NeedQuery:
    enterprise = need.enterprise
    return NeedQuery(
        text="",
        budget_max=need.budget_max,
        industry=enterprise.industry_id,
        city=enterprise.city_id,
        county=enterprise.county.name if enterprise.county_id else None,
        timeline_weeks=need.timeline_weeks,
    )


def _facts(solution) -> SolutionFacts:
    provider = solution.provider
    return SolutionFacts(
        id=solution.pk,
        ref=solution.ref,
        provider_ref=provider.ref,
        title=solution.title,
        provider_name=provider.name,
        price_min=solution.price_min,
        price_max=solution.price_max,
        deployment_weeks=solution.deployment_weeks,
        industries=frozenset(solution.industries.values_list("code", flat=True)),
        all_industries=solution.all_industries,
        regions=frozenset(solution.regions_served.values_list("name", flat=True)),
        all_regions=solution.all_regions,
        provider_city=provider.city_id,
        provider_county=provider.county.name if provider.county_id else None,
        cases=solution.cases,
        case_industries=frozenset(solution.case_industries.values_list("code", flat=True)),
        tier=provider.tier_id,
        category=solution.category_id,
    )


def recompute_reasons(apps, schema_editor):
    Match = apps.get_model("matching", "Match")
    queries, facts = {}, {}
    matches = Match.objects.select_related(
        "need__enterprise__county", "solution__provider__county"
    ).order_by("pk")
    for match in matches.iterator(chunk_size=500):
        if match.need_id not in queries:
            queries[match.need_id] = _query(match.need)
        if match.solution_id not in facts:
            facts[match.solution_id] = _facts(match.solution)
        match.reasons = [r.as_dict() for r in explain(queries[match.need_id], facts[match.solution_id])]
        match.save(update_fields=["reasons"])


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0006_county_name_en"),
        ("matching", "0004_lead_moves_out"),
    ]

    operations = [
        migrations.AddField(
            model_name="match",
            name="reasons",
            field=models.JSONField(
                default=list, help_text="理由代码及参数，按读者语言显示（matching/explain.py）", verbose_name="推荐理由"
            ),
        ),
        migrations.RunPython(recompute_reasons, migrations.RunPython.noop),
        migrations.RemoveField(model_name="match", name="reasons_en"),
        migrations.RemoveField(model_name="match", name="reasons_zh"),
    ]
