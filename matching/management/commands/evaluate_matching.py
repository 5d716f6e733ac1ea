import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from marketplace.catalog.models import Need, Solution
from matching import evaluation, selectors, services
from matching.queries import QueryFileError, queries_from_file


class Command(BaseCommand):
    help = (
        "nDCG@10 (overall, and for same-language and cross-language needs), recall@10, MRR and over-budget "
        "share in the top 5 on labelled needs, for every ablation."
    )

    def add_arguments(self, parser):
        parser.add_argument("--needs-file", help="needs file (.csv/.xlsx/.json), read, not imported")
        parser.add_argument("--qrels", help="CSV with need_ref, solution_ref, grade (0-2)")
        parser.add_argument(
            "--labels", action="store_true", help="judge against the staff's match labels (needs from the database)"
        )
        parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")

    def handle(self, *args, needs_file: str | None, qrels: str | None, labels: bool, json: bool, **options):
        if labels:
            if needs_file or qrels:
                raise CommandError("give either --labels or --needs-file with --qrels, not both")
            judgements = services.labelled_qrels()
            if not judgements:
                raise CommandError("no match has been labelled yet (label them in the review queue or /api/match-labels/)")
            queries = {need.ref: selectors.need_query(need) for need in Need.objects.filter(ref__in=judgements)}
            return self._report(queries, judgements, "the labelled needs", json)
        if not (needs_file and qrels):
            raise CommandError("give --needs-file and --qrels (or --labels)")
        try:
            queries = dict(queries_from_file(needs_file))
            judgements = evaluation.read_qrels(Path(qrels).read_bytes())
        except QueryFileError as error:
            raise CommandError(str(error)) from None
        except (OSError, evaluation.QrelsError) as error:
            raise CommandError(str(error)) from None
        return self._report(queries, judgements, needs_file, json)

    def _report(self, queries: dict, judgements: dict, source: str, json: bool) -> None:
        unjudged = sorted(set(judgements) - set(queries))
        if unjudged:
            raise CommandError(f"qrels name needs missing from {source}: {', '.join(unjudged[:10])}")
        try:
            matcher = services.get_matcher()
        except services.IndexUnavailable as error:
            raise CommandError(str(error)) from None
        best = {ref for grades in judgements.values() for ref, grade in grades.items() if grade == 2}
        solution_texts = {ref: f"{title}\n{description}" for ref, title, description
                          in Solution.objects.filter(ref__in=best).values_list("ref", "title", "description")}
        slices = evaluation.language_slices({ref: q.text for ref, q in queries.items()}, solution_texts, judgements)
        rows = evaluation.run(matcher, queries, judgements, slices=slices)
        self.stdout.write(_json_dump(rows) if json else evaluation.markdown(rows))


def _json_dump(rows) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=1)
