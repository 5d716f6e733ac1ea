import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from matching import evaluation, services
from matching.queries import QueryFileError, queries_from_file


class Command(BaseCommand):
    help = "nDCG@10, recall@10, MRR and over-budget share in the top 5 on labelled needs, for every ablation."

    def add_arguments(self, parser):
        parser.add_argument("--needs-file", required=True, help="needs file (.csv/.xlsx/.json), read, not imported")
        parser.add_argument("--qrels", required=True, help="CSV with need_ref, solution_ref, grade (0-2)")
        parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")

    def handle(self, *args, needs_file: str, qrels: str, json: bool, **options):
        try:
            queries = dict(queries_from_file(needs_file))
            judgements = evaluation.read_qrels(Path(qrels).read_bytes())
        except QueryFileError as error:
            raise CommandError(str(error)) from None
        except (OSError, evaluation.QrelsError) as error:
            raise CommandError(str(error)) from None
        unjudged = sorted(set(judgements) - set(queries))
        if unjudged:
            raise CommandError(f"qrels name needs missing from {needs_file}: {', '.join(unjudged[:10])}")
        try:
            matcher = services.get_matcher()
        except services.IndexUnavailable as error:
            raise CommandError(str(error)) from None
        rows = evaluation.run(matcher, queries, judgements)
        self.stdout.write(_json_dump(rows) if json else evaluation.markdown(rows))


def _json_dump(rows) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=1)
