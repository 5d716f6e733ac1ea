"""``manage.py ranking_snapshot``: what ``Matcher.search`` ranks, at full precision, to check that a
change of the engine's internals leaves the ranking alone (README "Scale", issue 11)."""
import dataclasses
import json
import re

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from matching import services
from matching.engine import pipeline
from matching.queries import QueryFileError, queries_from_file

_NUMBER = re.compile(r"-?\d+\.\d+(?:e-?\d+)?|-?inf")


class Command(BaseCommand):
    help = (
        "Write, for every need of a needs file, with its hard filters and without, the top 21 (refs, "
        "scores), every candidate handed to the ranker (id, dense, lexical, fused, at full precision) and "
        "the search's frontier, as JSON Lines (--out); or compare two such files (--compare A B)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--needs-file", default=str(settings.BASE_DIR / "fixtures" / "dev" / "needs.csv"))
        parser.add_argument("--out", help="the JSON Lines file to write")
        parser.add_argument("--compare", nargs=2, metavar=("A", "B"), help="two snapshots to compare")

    def handle(self, *args, needs_file, out, compare, **options):
        if bool(out) == bool(compare):
            raise CommandError("give either --out FILE or --compare A B")
        if compare:
            self._compare(*compare)
            return
        try:
            needs = queries_from_file(needs_file)
        except QueryFileError as error:
            raise CommandError(str(error)) from None
        seen: list = []
        real_rank = pipeline.rank

        def spy(query, candidates, weights, **kwargs):
            seen.append(sorted((c[0].id, repr(c[1]), repr(c[2]), repr(c[3])) for c in candidates))
            return real_rank(query, candidates, weights, **kwargs)

        matcher = services.get_matcher()
        pipeline.rank = spy
        try:
            with open(out, "w", encoding="utf-8") as file:
                for ref, need in needs:
                    plain = dataclasses.replace(need, budget_max=None, city=None, county=None)
                    for mode, query in (("filtered", need), ("plain", plain)):
                        seen.clear()
                        frontier: dict = {}
                        results = matcher.search(query, top_k=21, fusion=services.config()["FUSION"], frontier=frontier)
                        row = {
                            "ref": ref, "mode": mode, "results": [(r.solution.ref, r.score) for r in results],
                            "candidates": seen[0], "frontier": {k: repr(v) for k, v in sorted(frontier.items())},
                        }  # fmt: skip
                        file.write(json.dumps(row, ensure_ascii=False) + "\n")
        finally:
            pipeline.rank = real_rank
        self.stdout.write(f"{len(needs)} needs, 2 searches each: {out}")

    def _compare(self, first: str, second: str) -> None:
        rows = [[json.loads(line) for line in open(path, encoding="utf-8")] for path in (first, second)]
        if len(rows[0]) != len(rows[1]):
            raise CommandError("the snapshots hold different searches")
        worst = {"dense": 0.0, "lexical": 0.0, "fused": 0.0, "frontier": 0.0}
        same_results, same_ids, differing = True, True, []
        for a, b in zip(*rows, strict=True):
            if a["results"] != b["results"]:
                same_results = False
                differing.append(f"{a['ref']} {a['mode']}")
            ca, cb = ({c[0]: c for c in x["candidates"]} for x in (a, b))
            if ca.keys() != cb.keys():
                same_ids = False
                continue
            for doc_id, row in ca.items():
                for column, name in ((1, "dense"), (2, "lexical"), (3, "fused")):
                    if row[column] != cb[doc_id][column] and "None" not in (row[column], cb[doc_id][column]):
                        worst[name] = max(worst[name], abs(float(row[column]) - float(cb[doc_id][column])))
            for key, value in a["frontier"].items():
                other = b["frontier"].get(key, "")
                if value != other:
                    left, right = _NUMBER.findall(value), _NUMBER.findall(other)
                    if _NUMBER.sub("#", value) != _NUMBER.sub("#", other) or len(left) != len(right):
                        same_results = False
                        differing.append(f"{a['ref']} {a['mode']} frontier {key}")
                    else:
                        worst["frontier"] = max([worst["frontier"], *(abs(float(p) - float(q)) for p, q in zip(left, right, strict=True))])
        self.stdout.write(f"top 21 (refs, rounded scores) identical: {same_results}; candidate ids identical: {same_ids}")
        self.stdout.write("largest difference: " + ", ".join(f"{k} {v:.3g}" for k, v in worst.items()))
        for line in differing[:20]:
            self.stdout.write(f"  differs: {line}")
        if not (same_results and same_ids):
            raise CommandError(f"the rankings differ ({len(differing)} searches; candidate ids identical: {same_ids})")
