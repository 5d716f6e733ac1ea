"""The dense channel's cross-language offsets from kept group sums (``LanguageGroups``) against
the per-vector computation they replaced, through adds, updates, removals and index rebuilds;
the languages of a whole index in one pass against ``terms_of`` one document at a time."""
from __future__ import annotations

import random

import numpy as np
import pytest

from matching.engine.embedders import HashingEmbedder
from matching.engine.index import VectorIndex
from matching.engine.language import LanguageGroups, indexed_languages, terms_language, text_language
from matching.engine.lexical import BM25Index
from matching.engine.pipeline import RECIPE, Matcher, document_text

from .helpers import LABELS, make_facts

ZH = ["窑炉燃烧优化", "天然气单耗", "MES生产执行系统", "排产报工", "瓷砖缺陷视觉检测", "危化品安全监测", "设备预测性维护", "仓库扫码出入库"]
EN = ["kiln combustion optimisation", "gas consumption", "production execution system", "scheduling and reporting",
      "tile defect vision inspection", "hazardous chemicals monitoring", "predictive maintenance", "warehouse barcode"]  # fmt: skip
CATEGORIES = ["energy", "mes", "quality", "safety"]


def _text(rng: random.Random, english: bool) -> str:
    words = EN if english else ZH
    return ("; " if english else "，").join(rng.sample(words, 4)) + f" {rng.randint(1, 10**6)}"


def _item(rng: random.Random, doc_id: int, english: bool):
    facts = make_facts(doc_id, title=f"T{doc_id}", category=CATEGORIES[doc_id % 4], price_min=10_000 * (doc_id % 9 + 1))
    return facts, document_text(facts, _text(rng, english), LABELS)


def _reference(matcher: Matcher, text: str, vector: np.ndarray, pool: int, strength: float, among=None):
    """The offsets and joining candidates as computed before the group sums: every stored vector
    of every language group scored (here in float64), languages from ``terms_of``."""
    language = text_language(text)
    groups: dict[str, list[int]] = {}
    for doc_id in matcher._facts:
        if doc_id in matcher.lexical and doc_id in matcher.vectors:
            groups.setdefault(terms_language(matcher.lexical.terms_of(doc_id)), []).append(doc_id)
    if language not in groups or len(groups) < 2:
        return {}, {}
    means, dense = {}, {}
    for name, members in groups.items():
        ids = np.array(sorted(members), dtype=np.int64)
        scores = matcher.vectors.get_vectors(ids).astype(np.float64) @ np.asarray(vector, dtype=np.float64)
        means[name] = float(scores.mean())
        if name != language:
            order = np.argsort(-scores, kind="stable")
            if among is not None:
                order = order[np.isin(ids[order], among)]
            dense.update({int(ids[j]): float(scores[j]) for j in order[:pool]})
    return {name: strength * (means[language] - mean) for name, mean in means.items() if name != language}, dense


def _check(matcher: Matcher, hashing: HashingEmbedder, rng: random.Random) -> None:
    for english in (False, True):
        text = _text(rng, english)
        vector = hashing.encode_queries([text])[0]
        eligible = np.array(sorted(rng.sample(sorted(matcher._facts), max(1, len(matcher) // 3))), dtype=np.int64)
        for among in (None, eligible):
            dense: dict[int, float] = {}
            offsets = matcher._language_offsets(text, vector, dense, 5, 0.75, among=among)
            want_offsets, want_dense = _reference(matcher, text, vector, 5, 0.75, among)
            assert offsets.keys() == want_offsets.keys()
            for name, value in want_offsets.items():
                assert offsets[name] == pytest.approx(value, abs=1e-9)
            # float32 dot products: near-ties at the pool's cut may swap, nothing else
            cut = min(want_dense.values(), default=0.0)
            for doc_id in dense.keys() ^ want_dense.keys():
                raw = float(matcher.vectors.get_vectors([doc_id])[0].astype(np.float64) @ vector.astype(np.float64))
                assert raw == pytest.approx(cut, abs=1e-6)
            assert len(dense) == len(want_dense)
            for doc_id in dense.keys() & want_dense.keys():
                assert dense[doc_id] == pytest.approx(want_dense[doc_id], abs=1e-6)
    # What was kept equals what a fresh start makes of the same catalog.
    kept = matcher._groups_by_language()
    matcher._language_groups = None
    fresh = matcher._groups_by_language()
    assert sorted(kept.names()) == sorted(fresh.names())
    for name in fresh.names():
        assert np.array_equal(kept.ids(name), fresh.ids(name))
        assert set(kept.ids(name).tolist()) == {i for i in matcher._facts if matcher._language_of(i) == name}
        np.testing.assert_allclose(kept.mean(name), fresh.mean(name), atol=1e-9)
    matcher._language_groups = kept


@pytest.mark.parametrize("kind", ["flat", "ivf_sq8"])
def test_offsets_from_group_sums_follow_every_write(hashing: HashingEmbedder, kind: str) -> None:
    rng = random.Random(7)
    index = None
    count = 60
    if kind == "ivf_sq8":  # stored vectors are decoded, and a rebuild re-encodes all of them
        index = VectorIndex(hashing.dim, identity=hashing.identity, recipe=RECIPE, approx_threshold=1248, large_threshold=1248)
        count = 1300
    matcher = Matcher(hashing, labels=LABELS, vector_index=index)
    matcher.upsert_many([_item(rng, i, english=i % 5 == 0) for i in range(1, count + 1)])
    assert matcher.vectors.kind == kind
    _check(matcher, hashing, rng)  # made on first use
    assert matcher._language_groups is not None

    matcher.upsert_many([_item(rng, i, english=True) for i in range(count + 1, count + 4)])  # new
    _check(matcher, hashing, rng)
    matcher.upsert_many([_item(rng, i, english=True) for i in (2, 3)])  # Chinese texts rewritten in English
    matcher.upsert_many([_item(rng, i, english=False) for i in (5, 10)])  # and English ones in Chinese
    _check(matcher, hashing, rng)
    for doc_id in (1, 15, count + 1, 999_999):
        matcher.remove(doc_id)
    _check(matcher, hashing, rng)
    assert matcher._language_of(2) == "en" and matcher._language_of(5) == "zh"
    if kind == "ivf_sq8":
        generation = matcher.vectors.generation
        matcher.upsert_many([_item(rng, i, english=i % 3 == 0) for i in range(count + 10, 2 * count + 10)])
        assert matcher.vectors.generation > generation  # retrained: every stored vector re-encoded
        _check(matcher, hashing, rng)


def test_one_language_left_gives_no_offsets(hashing: HashingEmbedder) -> None:
    rng = random.Random(3)
    matcher = Matcher(hashing, labels=LABELS)
    matcher.upsert_many([_item(rng, i, english=i == 1) for i in range(1, 6)])
    text = _text(rng, False)
    vector = hashing.encode_queries([text])[0]
    assert set(matcher._language_offsets(text, vector, {}, 5, 0.75)) == {"en"}
    matcher.remove(1)  # the only English solution
    assert matcher._language_offsets(text, vector, {}, 5, 0.75) == {}
    assert matcher._groups_by_language().names() == ["zh"]


def test_offset_matrix_matches_the_search_offsets(hashing: HashingEmbedder) -> None:
    rng = random.Random(5)
    matcher = Matcher(hashing, labels=LABELS)
    matcher.upsert_many([_item(rng, i, english=i % 4 == 0) for i in range(1, 41)])
    texts = [_text(rng, False), _text(rng, True)]
    vectors = hashing.encode_queries(texts)
    matrix = matcher.language_offset_matrix(vectors, [text_language(t) for t in texts], [4, 5])
    for row, text in enumerate(texts):
        offsets = matcher._language_offsets(text, vectors[row], {}, 5, matcher.weights.dense_language_alignment)
        want = [offsets.get(matcher._language_of(i), 0.0) for i in (4, 5)]
        np.testing.assert_allclose(matrix[row], want, atol=1e-9)


def test_languages_of_a_whole_index_equal_terms_of_each() -> None:
    rng = random.Random(11)
    index = BM25Index(seal_every=50)
    for doc_id in range(1, 181):
        index.add(doc_id, _text(rng, english=doc_id % 3 == 0))
    for doc_id in (3, 4, 100):  # sealed documents rewritten in the other language
        index.update(doc_id, _text(rng, english=doc_id % 3 != 0))
    for doc_id in (6, 7, 170):  # removed, sealed and open
        index.remove(doc_id)
    index.update(175, "")  # an open document without terms
    ids = list(range(0, 185))
    bulk = indexed_languages(index, ids)
    assert bulk == {doc_id: terms_language(index.terms_of(doc_id)) for doc_id in ids if doc_id in index}
    assert bulk[3] == "zh" and bulk[4] == "en" and 6 not in bulk and bulk[175] == "zh"
    index.seal()
    assert indexed_languages(index, ids) == bulk


@pytest.mark.parametrize("base", [0, 1 << 40])  # ids as bits, and ids too large for a bit map (sets)
def test_language_groups_members_and_bits(base: int) -> None:
    groups = LanguageGroups(2, 0)
    vectors = np.ones((3, 2), dtype=np.float32)
    groups.add("en", [base + 3, base + 9, base + 20], vectors)
    groups.add("zh", [base + 4], vectors[:1])
    first = groups.bitmap("en")
    groups.discard("en", [base + 9], vectors[:1])
    assert groups.ids("en").tolist() == [base + 3, base + 20]
    among = np.array([base + 1, base + 3, base + 4, base + 9, base + 20, base + 10**6])
    assert groups.members_among("en", among).tolist() == [base + 3, base + 20]
    assert groups.members_among("zh", among).tolist() == [base + 4]
    np.testing.assert_allclose(groups.mean("en"), [1.0, 1.0])
    if base:
        assert groups.bitmap("en") is None
    else:  # a write makes a new bit map: a search reading the old one is left alone
        assert groups.bitmap("en") is not first and np.unpackbits(first, bitorder="little")[9] == 1
    groups.discard("zh", [base + 4], vectors[:1])
    assert groups.names() == ["en"]


def test_languages_of_a_loaded_index_equal_terms_of_each(tmp_path) -> None:
    rng = random.Random(17)
    index = BM25Index(seal_every=40)
    for doc_id in range(1, 121):
        index.add(doc_id, _text(rng, english=doc_id % 4 == 0))
    index.remove(8)
    index.save(tmp_path / "lexical.npz")
    loaded = BM25Index.load(tmp_path / "lexical.npz", index.tokenizer)  # mapped arrays, id -> slot map
    loaded.update(12, _text(rng, english=True))  # written after loading: open
    ids = list(range(1, 125))
    assert indexed_languages(loaded, ids) == {i: terms_language(loaded.terms_of(i)) for i in ids if i in loaded}
    assert indexed_languages(loaded, ids)[12] == "en" and 8 not in indexed_languages(loaded, ids)
