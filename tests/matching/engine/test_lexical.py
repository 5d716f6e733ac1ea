from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from matching.engine.errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from matching.engine.lexical import DEFAULT_USERDICT, BM25Index, Tokenizer, stem

TOKENIZER = Tokenizer()
BARE = Tokenizer(userdict=None)


def assert_same_results(got: list[tuple[int, float]], expected: list[tuple[int, float]]) -> None:
    assert expected, "comparison needs at least one hit"
    assert [doc for doc, _ in got] == [doc for doc, _ in expected]
    assert [score for _, score in got] == pytest.approx([score for _, score in expected])


def test_userdict_has_domain_terms() -> None:
    terms = DEFAULT_USERDICT.read_text(encoding="utf-8").split()
    assert len(terms) >= 150
    for term in ("MES", "SCADA", "数字孪生", "窑炉", "预测性维护", "危化品", "余热", "空压机", "质量追溯", "双碳"):
        assert term in terms


def test_chinese_stopwords_are_dropped_and_words_kept() -> None:
    tokens = TOKENIZER.tokenize("窑炉温度全靠老师傅看火，天然气费用一年比一年高")
    assert tokens[:2] == ["窑炉", "温度"]
    for kept in ("老师傅", "看火", "天然气", "费用"):
        assert kept in tokens
    for dropped in ("全靠", "一年", "比", "，", "的"):
        assert dropped not in tokens


def test_userdict_keeps_domain_terms_whole() -> None:
    text = "设备预测性维护与数字孪生平台"
    with_dict = TOKENIZER.tokenize(text)
    without = BARE.tokenize(text)
    assert "预测性维护" in with_dict and "数字孪生" in with_dict
    assert "预测性维护" not in without and "数字孪生" not in without
    # Dictionary sub-words keep partial matches possible ("孪生" still finds 数字孪生).
    assert "孪生" in with_dict and "维护" in with_dict


def test_english_tokens_are_lowercased_stemmed_and_filtered() -> None:
    tokens = TOKENIZER.tokenize("Predictive maintenance for the KILNS, reducing energy costs in 2024")
    assert tokens == ["predictiv", "maintenanc", "kiln", "reduc", "energy", "cost"]
    assert TOKENIZER.tokenize("ＭＥＳ系统") == ["mes", "系统"]  # full-width letters normalised


def test_stem_rules() -> None:
    assert [stem(w) for w in ("kilns", "companies", "running", "planned", "reduces", "glass", "gas")] == [
        "kiln",
        "company",
        "run",
        "plan",
        "reduc",
        "glass",
        "gas",
    ]


def test_out_of_vocabulary_single_characters_form_bigrams() -> None:
    tokenizer = Tokenizer(userdict=None, hmm=False)
    # Without HMM jieba leaves 看 and 火 apart (看火 is in no dictionary).
    tokens = tokenizer.tokenize("老师傅看火")
    assert "看" in tokens and "火" in tokens and "看火" in tokens
    assert "看火" not in Tokenizer(userdict=None, hmm=False, char_bigrams=False).tokenize("老师傅看火")


def test_tokenizer_identity_tracks_dictionary_and_flags() -> None:
    assert TOKENIZER.identity != BARE.identity
    assert TOKENIZER.identity != Tokenizer(subwords=False).identity
    assert TOKENIZER.identity == Tokenizer().identity


def test_bm25_score_matches_hand_computation() -> None:
    index = BM25Index(TOKENIZER, k1=1.2, b=0.75)
    index.add(1, "kiln kiln energy")  # 3 tokens
    index.add(2, "energy audit")  # 2 tokens; avgdl = 2.5
    idf = math.log(1 + (2 - 1 + 0.5) / (1 + 0.5))
    norm = 1.2 * (1 - 0.75 + 0.75 * 3 / 2.5)
    expected = idf * 2 * 2.2 / (2 + norm)
    results = index.search("kilns", 10)
    assert [doc for doc, _ in results] == [1]
    assert results[0][1] == pytest.approx(expected, rel=1e-9)
    assert index.score("kilns", [1, 2, 3]) == {1: pytest.approx(expected), 2: 0.0}


def test_bm25_ranks_chinese_documents() -> None:
    index = BM25Index(TOKENIZER)
    index.add(1, "陶瓷窑炉智能燃烧优化：调节烧嘴空燃比，降低天然气单耗")
    index.add(2, "MES生产执行系统：排产、报工、车间看板")
    index.add(3, "瓷砖表面缺陷AI视觉检测")
    index.add(4, "危化品安全风险监测预警平台")
    results = index.search("窑炉温度全靠老师傅看火，天然气费用一年比一年高", 10)
    assert results[0][0] == 1
    assert {doc for doc, _ in results} == {1}
    assert index.search("车间排产", 10)[0][0] == 2


def test_userdict_strengthens_whole_term_matches() -> None:
    docs = {1: "数字孪生平台", 2: "数字化看板与孪生数据"}

    def margin(tokenizer: Tokenizer) -> float:
        index = BM25Index(tokenizer)
        for doc_id, text in docs.items():
            index.add(doc_id, text)
        scores = dict(index.search("数字孪生", 10))
        return scores[1] / scores[2]

    with_dict, without = margin(TOKENIZER), margin(BARE)
    assert with_dict > 1.5
    assert with_dict > without + 0.4


def test_incremental_updates_equal_a_fresh_build() -> None:
    index = BM25Index(TOKENIZER)
    index.add(1, "空压机群控节能")
    index.add(2, "窑炉余热回收")
    index.add(3, "空压机能耗监测与余热利用")
    index.update(2, "MES排产系统")
    index.remove(1)
    index.add(4, "窑炉燃烧控制")
    fresh = BM25Index(TOKENIZER)
    fresh.add(2, "MES排产系统")
    fresh.add(3, "空压机能耗监测与余热利用")
    fresh.add(4, "窑炉燃烧控制")
    for query in ("空压机余热", "窑炉", "排产"):
        assert_same_results(index.search(query, 10), fresh.search(query, 10))
    assert len(index) == 3 and 1 not in index and 2 in index
    assert index.remove(1) is False
    with pytest.raises(ValueError, match="already indexed"):
        index.add(3, "again")


def test_search_respects_k_and_orders_ties_by_id() -> None:
    index = BM25Index(TOKENIZER)
    for doc_id in (5, 3, 9, 1):
        index.add(doc_id, "余热回收")
    assert [doc for doc, _ in index.search("余热", 3)] == [1, 3, 5]
    assert index.search("不存在的词汇", 3) == []
    assert BM25Index(TOKENIZER).search("余热", 3) == []


def test_round_trip_through_file(tmp_path: Path) -> None:
    index = BM25Index(TOKENIZER, k1=1.5, b=0.6)
    index.add(1, "窑炉余热回收")
    index.add(2, "predictive maintenance of compressors")
    path = tmp_path / "lexical.json"
    index.save(path)
    loaded = BM25Index.load(path, TOKENIZER)
    assert (loaded.k1, loaded.b, len(loaded)) == (1.5, 0.6, 2)
    for query in ("余热", "compressor maintenance"):
        assert_same_results(loaded.search(query, 5), index.search(query, 5))
    assert_same_results(BM25Index.from_dict(index.to_dict(), TOKENIZER).search("余热", 5), index.search("余热", 5))


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError):
        BM25Index.load(tmp_path / "missing.json", TOKENIZER)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexCorruptError):
        BM25Index.load(bad, TOKENIZER)
    index = BM25Index(TOKENIZER)
    index.add(1, "窑炉")
    data = index.to_dict()
    with pytest.raises(IndexMismatchError, match="tokenizer"):
        BM25Index.from_dict(data, BARE)
    del data["docs"]
    with pytest.raises(IndexCorruptError):
        BM25Index.from_dict(data, TOKENIZER)


def test_term_weights_scale_each_query_terms_idf() -> None:
    index = BM25Index(TOKENIZER)
    index.add(1, "陶瓷 财务 进销存")
    index.add(2, "机械 排产 报工")
    index.add(3, "化工 安全 预警")
    plain = index.score("陶瓷 排产", [1, 2])
    same = index.score("陶瓷 排产", [1, 2], term_weights=lambda term: 1.0)
    assert same == pytest.approx(plain)
    halved = index.score("陶瓷 排产", [1, 2], term_weights=lambda term: 0.5 if term == "陶瓷" else 1.0)
    assert halved[1] == pytest.approx(plain[1] / 2) and halved[2] == pytest.approx(plain[2])
    assert [doc for doc, _ in index.search("陶瓷 排产", 3, term_weights=lambda t: 0.0 if t == "陶瓷" else 1.0)] == [2]
    assert index.documents_with("排产") == [2]
    assert index.documents_with("不存在") == []


def test_sealed_segment_with_updates_and_removals_equals_a_fresh_build() -> None:
    texts = {
        1: "空压机群控节能",
        2: "窑炉余热回收",
        3: "空压机能耗监测与余热利用",
        4: "窑炉燃烧控制与能耗优化",
        5: "MES排产系统与报工",
        6: "余热发电与空压机节能",
    }
    index = BM25Index(TOKENIZER, seal_every=2)  # seals after every second new document
    for doc_id, text in texts.items():
        index.add(doc_id, text)
    index.update(2, "视觉检测缺陷识别")  # 2 was sealed: its old postings go dead
    index.remove(3)
    index.seal()
    index.remove(5)  # removed after the last seal: df corrected on the next read
    fresh = BM25Index(TOKENIZER)
    for doc_id, text in {**texts, 2: "视觉检测缺陷识别"}.items():
        if doc_id not in (3, 5):
            fresh.add(doc_id, text)
    for query in ("空压机余热", "窑炉能耗", "缺陷检测", "排产"):
        expected = fresh.search(query, 10)
        if expected:
            assert_same_results(index.search(query, 10), expected)
    assert index.search("排产", 10) == []
    assert sorted(index.documents_with("余热")) == [6]
    assert index.terms_of(4) == fresh.terms_of(4)
    assert len(index) == 4 and 3 not in index and 5 not in index


def test_bulk_counts_equal_one_by_one_adds() -> None:
    from collections import Counter

    texts = {7: "窑炉余热回收", 8: "predictive maintenance of compressors", 9: "余热利用与节能"}
    one_by_one = BM25Index(TOKENIZER)
    for doc_id, text in texts.items():
        one_by_one.add(doc_id, text)
    bulk = BM25Index(TOKENIZER)
    assert bulk.add_counts((doc_id, Counter(TOKENIZER.tokenize(text))) for doc_id, text in texts.items()) == 3
    for query in ("余热", "compressor maintenance"):
        assert_same_results(bulk.search(query, 5), one_by_one.search(query, 5))
    with pytest.raises(ValueError, match="already indexed"):
        bulk.add_counts([(7, {"余热": 1})])
    assert bulk.memory_bytes() > 0


def test_binary_file_round_trip_after_removals_and_legacy_json(tmp_path: Path) -> None:
    import json

    index = BM25Index(TOKENIZER, seal_every=2)
    for doc_id, text in {1: "窑炉余热回收", 2: "空压机节能", 3: "余热发电", 4: "排产系统"}.items():
        index.add(doc_id, text)
    index.remove(3)
    path = tmp_path / "lexical.npz"
    index.save(path)
    loaded = BM25Index.load(path, TOKENIZER)
    assert len(loaded) == 3 and 3 not in loaded
    for query in ("余热", "空压机 排产"):
        assert_same_results(loaded.search(query, 5), index.search(query, 5))
    loaded.add(5, "余热利用")  # still writable after loading
    assert [doc for doc, _ in loaded.search("余热", 5)][:2] in ([5, 1], [1, 5])
    with pytest.raises(IndexMismatchError):
        BM25Index.load(path, BARE)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(IndexCorruptError):
        BM25Index.load(path, TOKENIZER)
    legacy = tmp_path / "lexical.json"
    legacy.write_text(json.dumps({**index.to_dict(), "format": 1, "count": 3}), encoding="utf-8")
    assert_same_results(BM25Index.load(legacy, TOKENIZER).search("余热", 5), index.search("余热", 5))


def _random_corpus(seed: int, count: int) -> dict[int, dict[str, int]]:
    """Documents of a Zipf-like vocabulary ("w0z" in most documents, "w199z" in few), lengths 5-60."""
    import random

    rng = random.Random(seed)
    words = [f"w{i}z" for i in range(200)]
    popularity = [1.0 / (i + 1) for i in range(200)]
    corpus = {}
    for doc_id in range(1, count + 1):
        drawn = rng.choices(words, popularity, k=rng.randint(5, 60))
        corpus[doc_id] = {word: drawn.count(word) for word in set(drawn)}
    return corpus


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_maxscore_search_returns_the_exhaustive_top_k(seed: int) -> None:
    import random

    rng = random.Random(seed)
    corpus = _random_corpus(seed, 600)
    exhaustive = BM25Index(TOKENIZER, prune_above=None)
    pruned = BM25Index(TOKENIZER, prune_above=0, seal_every=250)  # sealed and open documents
    for doc_id, counts in corpus.items():
        exhaustive.update_terms(doc_id, counts)
        pruned.update_terms(doc_id, counts)
    pruned.search("w1z", 1)  # bounds computed now, then the average length moves:
    for doc_id in range(1, 601, 7):  # updated (old slots go dead), some much longer
        counts = {"w3z": 40, "w150z": 2} if doc_id % 2 else {"w0z": 1}
        exhaustive.update_terms(doc_id, counts)
        pruned.update_terms(doc_id, counts)
    for doc_id in range(2, 601, 11):
        exhaustive.remove(doc_id)
        pruned.remove(doc_id)
    pruned.update_terms(9001, corpus[5])  # a copy of document 5 (ties broken by id)
    exhaustive.update_terms(9001, corpus[5])
    weights = {f"w{i}z": rng.choice([0.0, 0.3, 1.0, 1.7]) for i in range(200)}
    for _ in range(25):
        query = " ".join(rng.sample([f"w{i}z" for i in range(200)], rng.randint(1, 40)))
        for k in (1, 10, 50):
            assert_same_results(pruned.search(query, k), exhaustive.search(query, k))
            expected = exhaustive.search(query, k, term_weights=weights.get)  # empty if every weight is 0
            got = pruned.search(query, k, term_weights=weights.get)
            if expected:
                assert_same_results(got, expected)
            else:
                assert got == []
    assert pruned.search("w999z", 5) == [] and pruned.search("的", 5) == []


def test_maxscore_skips_postings_and_bounds_persist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from matching.engine import lexical_prune

    monkeypatch.setattr(lexical_prune, "SEED_MIN", 200)  # the seed walks the rarest terms only
    corpus = _random_corpus(3, 2000)
    index = BM25Index(TOKENIZER, prune_above=0)
    index.add_counts(corpus.items())
    query = " ".join(f"w{i}z" for i in (0, 1, 2, 3, 150, 170, 190))
    stats: dict[str, int] = {}
    lexical_prune.maxscore_candidates(index, index._query_terms(query, None), 5, stats)
    assert stats["skipped_terms"] >= 2 and stats["walked"] < stats["postings"] / 2  # common terms mostly skipped
    path = tmp_path / "lexical.npz"
    index.save(path)
    loaded = BM25Index.load(path, TOKENIZER)
    assert loaded._bounds is not None and np.array_equal(loaded._bounds[0], index._impact_bounds()[0])
    assert_same_results(loaded.search(query, 5), index.search(query, 5))
    assert lexical_prune.impact_bounds(
        np.array([0, 0, 2]), np.array([0, 1]), np.array([1, 3], dtype=np.uint16), np.array([4.0, 2.0], dtype=np.float32),
        k1=1.2, b=0.75, avgdl=4.0,
    ) == pytest.approx([0.0, 3 / (3 + 1.2 * (0.25 + 0.75 * 2 / 4))])
