from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from marketplace.catalog.models import Need
from matching import selectors, services, store, vectors as stored_vectors
from matching.engine import termfile
from matching.engine.vectorfile import PASSAGE, QUERY, file_name, text_key, write_vectors
from matching.management.commands._progress import progress_bar
from matching.queries import QueryFileError, queries_from_file

BATCH = 64


class Command(BaseCommand):
    help = (
        "Write the vectors of every solution and need in the database, and of the needs files given, "
        "to the shipped vector file (fixtures/vectors/ by default), encoding only what no cache holds; and "
        "the solutions' BM25 term counts to the shipped term file beside it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--needs-file", action="append", default=[], help="a needs file whose queries to include")
        parser.add_argument("--out", help="folder of the vector file (default: MATCHING_SHIPPED_VECTORS_DIR)")

    def handle(self, *args, needs_file: list[str], out: str | None, verbosity: int, **options):
        folder = Path(out or services.config().get("SHIPPED_VECTORS_DIR") or "")
        if not str(folder):
            raise CommandError("No folder: pass --out or set MATCHING_SHIPPED_VECTORS_DIR.")
        names = selectors.labels()
        passages = [text for _facts, text in selectors.documents(selectors.indexable_solutions(), names)]
        queries = [selectors.need_text(title, text) for title, text in Need.objects.values_list("title", "description")]
        for path in needs_file:
            try:
                queries += [query.text for _ref, query in queries_from_file(path)]
            except QueryFileError as error:
                raise CommandError("\n".join(error.lines)) from None
        embedder = services.embedder()
        progress = progress_bar(verbosity > 0)
        vectors = {}
        for side, texts, encode in ((PASSAGE, passages, embedder.encode_passages), (QUERY, queries, embedder.encode_queries)):
            texts = sorted(set(texts))
            batches = [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]
            label = "Passages" if side == PASSAGE else "Queries"
            for batch in progress(batches, len(batches), label):
                vectors.update(zip((text_key(side, text) for text in batch), encode(batch)))
        embedder.save()
        path = folder / file_name(embedder.identity)
        count = write_vectors(path, embedder.identity, vectors)
        self.stdout.write(f"{count} vectors ({len(set(passages))} passages, {len(set(queries))} queries) -> {path}")
        words = stored_vectors.tokenizer()
        terms = {store.text_hash(text): dict(Counter(words.tokenize(text))) for text in set(passages)}
        terms_path = folder / termfile.file_name(words.identity)
        count = termfile.write_terms(terms_path, words.identity, terms)
        self.stdout.write(f"{count} passages' term counts -> {terms_path}")
