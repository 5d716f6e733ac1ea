import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from matching import calibration, evaluation, services
from matching.queries import QueryFileError, queries_from_file


class Command(BaseCommand):
    help = (
        "Fit score -> probability that a result is relevant (graded at least --grade, 2 by default) on the "
        "product's top 10 of a judged set (isotonic), print it with reliability tables (predicted against "
        "observed by bin) for the shipped calibration and the new fit, write it with --write; --check-* "
        "scores both on another set (never fitted there)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--needs-file", required=True)
        parser.add_argument("--qrels", required=True)
        parser.add_argument("--check-needs-file", help="a set to check the fit on (never fit there)")
        parser.add_argument("--check-qrels")
        parser.add_argument(
            "--grade", type=int, choices=(1, 2), default=calibration.RELEVANT_GRADE,
            help="the lowest grade that counts as relevant (2: fully relevant only)",
        )
        parser.add_argument(
            "--threshold", type=float, default=None,
            help="probability from which a match is strong (default: the shipped calibration's)",
        )
        parser.add_argument("--write", action="store_true", help=f"write {calibration.CALIBRATION_FILE.name}")

    def handle(self, *args, needs_file, qrels, check_needs_file, check_qrels, grade, threshold, write, **options):
        if bool(check_needs_file) != bool(check_qrels):
            raise CommandError("give --check-needs-file and --check-qrels together")
        shipped = calibration.calibration()
        threshold = shipped.threshold if threshold is None else threshold
        matcher = services.get_matcher()
        sets = {"fit": self._results(matcher, needs_file, qrels)}
        if check_needs_file:
            sets["check"] = self._results(matcher, check_needs_file, check_qrels)
        scores, grades = sets["fit"]
        relevant = [(g or 0) >= grade for g in grades]
        fitted = calibration.fit_isotonic(scores, relevant, threshold, grade)
        self.stdout.write(f"fitted on {len(scores)} results: {sum(relevant)} graded >= {grade}")
        self.stdout.write("| score from | P(grade >= %d) |\n| ---: | ---: |" % grade)
        for bound, value in zip(fitted.bounds, fitted.values, strict=True):
            self.stdout.write(f"| {bound:.3f} | {value:.3f} |")
        for label, model in (("shipped", shipped), ("new fit", fitted)):
            for name, (s, g) in sets.items():
                self.stdout.write(self._reliability(f"{label} on {name}", model, s, g))
        if write:
            calibration.CALIBRATION_FILE.write_text(json.dumps(fitted.to_dict(), indent=1) + "\n", encoding="utf-8")
            self.stdout.write(f"wrote {calibration.CALIBRATION_FILE}")

    @staticmethod
    def _results(matcher, needs_file, qrels_file) -> tuple[list[float], list[int | None]]:
        """The score and grade (None when unjudged: it counts as not relevant) of every result
        in the product's top 10."""
        try:
            queries = dict(queries_from_file(needs_file))
            qrels = evaluation.read_qrels(Path(qrels_file).read_bytes())
        except (QueryFileError, OSError, evaluation.QrelsError) as error:
            raise CommandError(str(error)) from None
        scores, grades = [], []
        for ref, query in queries.items():
            if ref not in qrels:
                continue
            for result in matcher.search(query, top_k=10):
                scores.append(result.score)
                grades.append(qrels[ref].get(result.solution.ref))
        return scores, grades

    @staticmethod
    def _reliability(name, model, scores, grades) -> str:
        """Brier score, strong and folded results, and predicted against observed by bin, all
        against the grade the calibration is about; the last column leaves unjudged results out."""
        relevant = [(g or 0) >= model.relevant_grade for g in grades]
        predicted = [model.probability(s) for s in scores]
        brier = sum((p - r) ** 2 for p, r in zip(predicted, relevant, strict=True)) / len(scores)
        lines = [f"\n{name} (relevant: grade >= {model.relevant_grade}, strong from {model.threshold:.2f}): "
                 f"{len(scores)} results, Brier {brier:.3f}"]
        for label, keep in (("strong", True), ("folded", False)):
            part = [(p, r) for p, r in zip(predicted, relevant, strict=True) if (p >= model.threshold) == keep]
            if part:
                lines.append(
                    f"  {label}: {len(part)} results, predicted {sum(p for p, _ in part) / len(part):.3f}, "
                    f"observed {sum(r for _, r in part) / len(part):.3f}"
                )
        judged = [(s, g >= model.relevant_grade) for s, g in zip(scores, grades, strict=True) if g is not None]
        among_judged = {(row.low, row.high): row for row in calibration.reliability(model, *zip(*judged))} if judged else {}
        lines.append("| predicted | results | mean predicted | observed | observed, judged only |")
        lines.append("| --- | ---: | ---: | ---: | ---: |")
        for row in calibration.reliability(model, scores, relevant):
            other = among_judged.get((row.low, row.high))
            judged_cell = f"{other.observed:.3f} ({other.count})" if other else "-"
            lines.append(
                f"| {row.low:.1f}-{row.high:.1f} | {row.count} | {row.predicted:.3f} | {row.observed:.3f} | {judged_cell} |"
            )
        return "\n".join(lines)
