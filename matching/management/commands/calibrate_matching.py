import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from matching import calibration, evaluation, services
from matching.queries import QueryFileError, queries_from_file


class Command(BaseCommand):
    help = (
        "Fit score -> probability of relevance (grade >= 1) on the product's top 10 of a judged set "
        "(isotonic), print it, write it with --write; --check-* scores the fit on another set."
    )

    def add_arguments(self, parser):
        parser.add_argument("--needs-file", required=True)
        parser.add_argument("--qrels", required=True)
        parser.add_argument("--check-needs-file", help="a set to check the fit on (never fit there)")
        parser.add_argument("--check-qrels")
        parser.add_argument("--write", action="store_true", help=f"write {calibration.CALIBRATION_FILE.name}")

    def handle(self, *args, needs_file, qrels, check_needs_file, check_qrels, write, **options):
        matcher = services.get_matcher()
        scores, relevant = self._pairs(matcher, needs_file, qrels)
        fitted = calibration.fit_isotonic(scores, relevant)
        self.stdout.write(f"fitted on {len(scores)} results: {sum(relevant)} relevant")
        self.stdout.write("| score from | P(relevant) |\n| ---: | ---: |")
        for bound, value in zip(fitted.bounds, fitted.values, strict=True):
            self.stdout.write(f"| {bound:.3f} | {value:.3f} |")
        for name, (s, r) in [("fit", (scores, relevant))] + (
            [("check", self._pairs(matcher, check_needs_file, check_qrels))] if check_needs_file else []
        ):
            self.stdout.write(self._reliability(name, fitted, s, r))
        if write:
            calibration.CALIBRATION_FILE.write_text(json.dumps(fitted.to_dict(), indent=1) + "\n", encoding="utf-8")
            self.stdout.write(f"wrote {calibration.CALIBRATION_FILE}")

    @staticmethod
    def _pairs(matcher, needs_file, qrels_file):
        try:
            queries = dict(queries_from_file(needs_file))
            qrels = evaluation.read_qrels(Path(qrels_file).read_bytes())
        except (QueryFileError, OSError, evaluation.QrelsError) as error:
            raise CommandError(str(error)) from None
        scores, relevant = [], []
        for ref, query in queries.items():
            if ref not in qrels:
                continue
            for result in matcher.search(query, top_k=10):
                scores.append(result.score)
                relevant.append(qrels[ref].get(result.solution.ref, 0) >= 1)
        return scores, relevant

    @staticmethod
    def _reliability(name, fitted, scores, relevant) -> str:
        """Brier score and, for strong and folded results, predicted against observed."""
        predicted = [fitted.probability(s) for s in scores]
        brier = sum((p - r) ** 2 for p, r in zip(predicted, relevant, strict=True)) / len(scores)
        lines = [f"{name}: {len(scores)} results, Brier {brier:.3f}"]
        for label, keep in (("strong", True), ("folded", False)):
            part = [(p, r) for p, r in zip(predicted, relevant, strict=True) if (p >= fitted.threshold) == keep]
            if part:
                lines.append(
                    f"  {label}: {len(part)} results, predicted {sum(p for p, _ in part) / len(part):.3f}, "
                    f"observed {sum(r for _, r in part) / len(part):.3f}"
                )
        return "\n".join(lines)
