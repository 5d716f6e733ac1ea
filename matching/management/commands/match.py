"""``manage.py match``: the contract of catalog-format.md ("Match output")."""
from __future__ import annotations

import json
from django.core.management.base import BaseCommand, CommandError

from marketplace.catalog.interchange.columns import References
from matching import services
from matching.engine import NeedQuery, RankedResult, normalize_city
from matching.explain import CHINESE, ENGLISH, render_in
from matching.queries import QueryFileError, queries_from_file


def result_json(result: RankedResult) -> dict:
    facts = result.solution
    return {
        "rank": result.rank,
        "solution_ref": facts.ref,
        "provider_ref": facts.provider_ref,
        "title": facts.title,
        "provider_name": facts.provider_name,
        "score": result.score,
        "price_min": facts.price_min,
        "price_max": facts.price_max,
        "deployment_weeks": facts.deployment_weeks,
        "over_budget": result.over_budget,
        "explanation": {
            **result.components,
            "reasons": render_in(result.reasons, CHINESE),
            "reasons_en": render_in(result.reasons, ENGLISH),
        },
    }


def query_json(query: NeedQuery) -> dict:
    return {
        "text": query.text,
        "budget_max": query.budget_max,
        "industry": query.industry,
        "city": query.city,
        "county": query.county,
        "timeline_weeks": query.timeline_weeks,
    }


class Command(BaseCommand):
    help = "Rank solutions for one need (--text ...) or for every row of a needs file (--needs-file, JSON Lines)."

    def add_arguments(self, parser):
        parser.add_argument("--text", help="the pain point, in the enterprise's own words")
        parser.add_argument("--budget-max", type=int, help="RMB: the most the enterprise can spend")
        parser.add_argument("--industry", help="an industry code")
        parser.add_argument("--city", help="a city of Shandong (with or without 市)")
        parser.add_argument("--county", help="a county of that city")
        parser.add_argument("--timeline-weeks", type=int, help="how soon it must run")
        parser.add_argument("--top", type=int, default=10, help="how many results (default 10)")
        parser.add_argument("--include-over-budget", action="store_true", help="also show flagged over-budget solutions")
        parser.add_argument("--needs-file", help="a needs file (.csv/.xlsx/.json) to match row by row; read, not imported")
        parser.add_argument("--json", action="store_true", help="print JSON (JSON Lines with --needs-file)")

    def handle(self, *args, **options):
        if bool(options["text"]) == bool(options["needs_file"]):
            raise CommandError("give either --text (one query) or --needs-file (a file of needs)")
        if options["top"] < 1:
            raise CommandError("--top must be at least 1")
        try:
            services.get_matcher()
        except services.IndexUnavailable as error:
            raise CommandError(str(error)) from None
        if options["text"]:
            self._emit(self._query_from_options(options), options)
        else:
            for need_ref, query in self._queries_from_file(options["needs_file"]):
                self._emit(query, options, need_ref=need_ref)

    def _query_from_options(self, options) -> NeedQuery:
        refs = References.load()
        industry, city, county = options["industry"], normalize_city(options["city"]), options["county"]
        if industry and industry not in refs.industries:
            raise CommandError(f'--industry: unknown code "{industry}"; expected one of {", ".join(refs.industries)}')
        if city and city not in refs.cities:
            raise CommandError(f'--city: "{options["city"]}" is not a city of Shandong province')
        if county and (not city or (city, county) not in refs.counties):
            raise CommandError(f'--county: "{county}" is not a county of {city or "the given --city"}')
        for name in ("budget_max", "timeline_weeks"):
            if options[name] is not None and options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1")
        return NeedQuery(
            text=options["text"], budget_max=options["budget_max"], industry=industry, city=city, county=county,
            timeline_weeks=options["timeline_weeks"],
        )

    def _queries_from_file(self, path: str):
        try:
            return queries_from_file(path)
        except QueryFileError as error:
            raise CommandError(str(error)) from None

    def _emit(self, query: NeedQuery, options, need_ref: str | None = None) -> None:
        results = services.match_query(query, top_k=options["top"], include_over_budget=options["include_over_budget"])
        if options["json"]:
            payload = {"query": query_json(query), "results": [result_json(r) for r in results]}
            if need_ref is not None:
                payload = {"need_ref": need_ref, **payload}
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        if need_ref:
            self.stdout.write(self.style.MIGRATE_HEADING(need_ref))
        if not results:
            self.stdout.write("没有找到在预算内的方案 (no solution within budget); try --include-over-budget")
        for r in results:
            f = r.solution
            flag = " [超预算 over budget]" if r.over_budget else ""
            self.stdout.write(
                f"{r.rank:>2}. {r.score:.3f} {f.ref} {f.title} — {f.provider_name} "
                f"({f.price_min / 10000:g}-{f.price_max / 10000:g}万, {f.deployment_weeks}周){flag}\n"
                f"    {' / '.join(render_in(r.reasons, CHINESE))}"
            )
