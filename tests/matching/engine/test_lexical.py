from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from matching.engine.errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from matching.engine.lexical import DEFAULT_USERDICT, BM25Index, Tokenizer, stem
from matching.engine.slotmap import SlotMap

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


def _recall_at_10(got: list[tuple[int, float]], expected: list[tuple[int, float]]) -> float:
    """Share of the exact top 10 found, a returned document counting when its score reaches
    the exact 10th score (ties of the 10th are hits)."""
    wanted = expected[:10]
    return sum(score >= wanted[-1][1] * (1 - 1e-9) for _, score in got[: len(wanted)]) / len(wanted)


def _twin_indexes(seed: int, **approximate: int) -> tuple[BM25Index, BM25Index]:
    """The same corpus, with sealed, updated, removed and recent (open) documents, in an exact
    index and in one that searches approximately whatever its size."""
    corpus = _random_corpus(seed, 3000)
    exact = BM25Index(TOKENIZER, approx_above=None, seal_every=1200)
    approx = BM25Index(TOKENIZER, approx_above=0, seal_every=1200)
    for name, value in approximate.items():
        setattr(approx, f"approx_{name}", value)
    for index in (exact, approx):
        for doc_id, counts in corpus.items():
            index.update_terms(doc_id, counts)  # the last 600 stay in the open segment
        for doc_id in range(1, 3001, 7):  # updated: old slots go dead, some much longer
            index.update_terms(doc_id, {"w3z": 40, "w150z": 2} if doc_id % 2 else {"w0z": 1})
        for doc_id in range(2, 3001, 11):
            index.remove(doc_id)
        index.update_terms(9001, corpus[5])  # a copy of document 5 (ties broken by id)
    assert approx._open_docs and approx._dead_count  # open and removed documents are in play
    return exact, approx


@pytest.mark.parametrize("seed", [0, 1])
def test_approximate_search_recalls_the_exact_top_10_with_exact_scores(seed: int) -> None:
    import random

    from matching.engine import lexical_impact

    rng = random.Random(seed)
    exact, approx = _twin_indexes(seed, budget=3000, candidates=100)
    weights = {f"w{i}z": rng.choice([0.0, 0.3, 1.0, 1.7]) for i in range(200)}
    recalls, accumulated, postings = [], 0, 0
    for _ in range(60):
        query = " ".join(rng.sample([f"w{i}z" for i in range(200)], rng.randint(5, 40)))
        for term_weights in (None, weights.get):
            expected = exact.search(query, 10, term_weights=term_weights)
            got = approx.search(query, 10, term_weights=term_weights)
            if not expected:
                assert got == []
                continue
            recalls.append(_recall_at_10(got, expected))
            # every returned score is the exact BM25 of that document (weights included) ...
            truth = exact.score(query, [doc for doc, _ in got], term_weights=term_weights)
            assert [score for _, score in got] == pytest.approx([truth[doc] for doc, _ in got], rel=1e-12)
            # ... best first, ties by id; removed documents never come back
            assert [(-score, doc) for doc, score in got] == sorted((-score, doc) for doc, score in got)
            assert not {doc for doc, _ in got} & set(range(2, 3001, 11))
        stats: dict[str, int] = {}
        with approx._lock.read():
            lexical_impact.approximate_candidates(
                approx, approx._query_terms(query, None), budget=3000, candidates=100, stats=stats
            )
        accumulated += stats["accumulated"]
        postings += stats["postings"]
    assert np.mean(recalls) >= 0.95, np.mean(recalls)
    assert accumulated < postings * 0.6  # approximate: about half the postings were not accumulated
    assert approx.search("w999z", 5) == [] and approx.search("的", 5) == []


def test_approximate_search_recall_falls_with_a_small_budget() -> None:
    """The recall bound above can fail: a tenth of the budget finds far fewer of the top 10."""
    import random

    exact, approx = _twin_indexes(0, budget=300, candidates=100)
    rng = random.Random(2)
    queries = [" ".join(rng.sample([f"w{i}z" for i in range(200)], rng.randint(5, 40))) for _ in range(40)]
    assert np.mean([_recall_at_10(approx.search(q, 10), exact.search(q, 10)) for q in queries]) < 0.8


def test_approximate_search_finds_recent_documents_and_honours_weights() -> None:
    corpus = _random_corpus(4, 2000)
    index = BM25Index(TOKENIZER, approx_above=0)
    index.add_counts(corpus.items())
    index.approx_budget, index.approx_candidates = 500, 20
    index.update_terms(5001, {"w0z": 1, "rarez": 3})  # open segment, a term only it has
    assert [doc for doc, _ in index.search("w0z rarez", 3)][0] == 5001
    index.remove(5001)
    assert 5001 not in [doc for doc, _ in index.search("w0z rarez", 3)]
    # a weight of 0 removes a term; a larger weight makes its holders win
    assert index.search("w0z", 5, term_weights=lambda term: 0.0) == []
    boosted = index.search("w1z w150z", 5, term_weights=lambda term: 50.0 if term == "w150z" else 1.0)
    assert all("w150z" in index.terms_of(doc) for doc, _ in boosted)


def test_impact_layout_orders_each_terms_postings_by_level() -> None:
    corpus = _random_corpus(5, 1500)
    index = BM25Index(TOKENIZER)
    index.add_counts(corpus.items())
    avgdl = index._total_len / len(index)
    for term in range(len(index._post_ptr) - 1):
        bounds = index._level_ptr[term]
        assert bounds[0] == index._post_ptr[term] and bounds[-1] == index._post_ptr[term + 1]
        for level in range(len(bounds) - 1):
            slots = index._post_slot[bounds[level] : bounds[level + 1]]
            tfs = index._post_tf[bounds[level] : bounds[level + 1]].astype(np.float64)
            assert np.all(np.diff(slots) > 0)  # slots ascending within a level
            impact = tfs / (tfs + index.k1 * (1 - index.b + index.b * index._doc_len[slots] / avgdl))
            top = (len(bounds) - 2 - level) / (len(bounds) - 1)  # the level's lower edge
            assert np.all(impact >= top - 1e-6) and np.all(impact < top + 1 / (len(bounds) - 1) + 1e-6)
    for doc_id in (1, 700, 1500):  # the forward index holds each document's terms
        expected = {term: tf for term, tf in corpus[doc_id].items()}
        assert index.terms_of(doc_id) == expected


def _saved_index(tmp_path: Path, seed: int, count: int) -> tuple[BM25Index, Path]:
    """An index of a random corpus, saved to ``tmp_path / "lexical.npz"``."""
    index = BM25Index(TOKENIZER)
    index.add_counts(_random_corpus(seed, count).items())
    path = tmp_path / "lexical.npz"
    index.save(path)
    return index, path


def test_saved_index_is_memory_mapped_and_writable_without_touching_the_file(tmp_path: Path) -> None:
    import hashlib
    import mmap

    index, path = _saved_index(tmp_path, 6, 800)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    loaded = BM25Index.load(path, TOKENIZER)
    for name in ("_post_slot", "_post_tf", "_level_ptr", "_fwd_ptr", "_fwd_term", "_fwd_tf", "_slot_ids", "_doc_len", "_df"):
        array = getattr(loaded, name)
        assert not array.flags.owndata, name
        base = array
        while isinstance(base, np.ndarray):
            base = base.base
        assert isinstance(getattr(base, "obj", base), mmap.mmap), name  # a view of the file's mapping, not a copy
    assert np.load(path)["post_slot"].tolist() == loaded._post_slot.tolist()  # still a plain .npz
    query = "w1z w5z w40z w120z"
    assert_same_results(loaded.search(query, 10), index.search(query, 10))
    for changed in (index, loaded):
        changed.remove(3)  # writes _doc_len[slot] and _slot_ids[slot] of the mapping
        changed.update_terms(4, {"w1z": 9})
        changed.update_terms(5000, {"w5z": 2, "w40z": 1})
    assert_same_results(loaded.search(query, 10), index.search(query, 10))
    loaded.seal()
    assert_same_results(loaded.search(query, 10), index.search(query, 10))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest  # copy-on-write: the file is unchanged
    loaded.save(path)  # replaced by a rename, while this process still maps the old file
    assert_same_results(BM25Index.load(path, TOKENIZER).search(query, 10), index.search(query, 10))


def test_damaged_files_raise_index_corrupt_error(tmp_path: Path) -> None:
    _, path = _saved_index(tmp_path, 7, 300)
    raw = path.read_bytes()
    damaged = tmp_path / "damaged.npz"
    for cut in (0, 100, len(raw) // 2, len(raw) - 10):  # truncated anywhere
        damaged.write_bytes(raw[:cut])
        with pytest.raises(IndexCorruptError):
            BM25Index.load(damaged, TOKENIZER)
    member = raw.index(b"post_slot.npy") - 30  # the member's local header
    damaged.write_bytes(raw[:member] + b"XXXX" + raw[member + 4 :])
    with pytest.raises(IndexCorruptError):
        BM25Index.load(damaged, TOKENIZER)
    header = raw.index(b"{'descr': '<i4'", member)  # the .npy header of post_slot
    damaged.write_bytes(raw[:header] + b"{'descr': '<i8'" + raw[header + 15 :])  # sizes no longer agree
    with pytest.raises(IndexCorruptError):
        BM25Index.load(damaged, TOKENIZER)
    import io
    import json

    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["header"] = np.array(json.dumps({**json.loads(str(arrays["header"])), "count": 5}))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    damaged.write_bytes(buffer.getvalue())
    with pytest.raises(IndexCorruptError, match="disagree"):
        BM25Index.load(damaged, TOKENIZER)


def test_format_2_files_still_load(tmp_path: Path) -> None:
    """An ``.npz`` as the previous version saved it (np.savez, postings in slot order, MaxScore
    bounds) loads, is searched like the index it came from, and saves in the new format."""
    import io
    import json

    corpus = _random_corpus(8, 500)
    index = BM25Index(TOKENIZER)
    index.add_counts(corpus.items())
    index.remove(7)
    index.seal()
    terms = np.repeat(np.arange(len(index._terms)), np.diff(index._post_ptr))
    order = np.lexsort((index._post_slot, terms))
    header = {"format": 2, "tokenizer": TOKENIZER.identity, "k1": 1.2, "b": 0.75, "count": len(index), "impact_avgdl": 30.0}
    buffer = io.BytesIO()
    np.savez(
        buffer, header=np.array(json.dumps(header)), terms=np.array("\x00".join(index._terms)), post_ptr=index._post_ptr,
        post_slot=index._post_slot[order], post_tf=index._post_tf[order].astype(np.uint16), df=index._df,
        slot_ids=index._slot_ids[: index._used_slots], doc_len=index._doc_len[: index._used_slots],
        impact_bounds=np.zeros(len(index._terms), dtype=np.float32),
    )
    path = tmp_path / "lexical.npz"
    path.write_bytes(buffer.getvalue())
    loaded = BM25Index.load(path, TOKENIZER)
    for query in ("w1z w5z w40z", "w0z w199z w77z"):
        assert_same_results(loaded.search(query, 10), index.search(query, 10))
    assert loaded.terms_of(8) == index.terms_of(8) and 7 not in loaded
    loaded.save(path)
    assert_same_results(BM25Index.load(path, TOKENIZER).search("w1z w5z", 10), index.search("w1z w5z", 10))


def test_slot_map_behaves_like_the_dict_it_replaces() -> None:
    from matching.engine.slotmap import SlotMap

    slots = SlotMap(np.array([40, -1, 7, 12], dtype=np.int64))  # doc id per slot, -1: removed
    plain = {40: 0, 7: 2, 12: 3}
    for doc_id in (40, 7, 12, 5):
        assert (doc_id in slots, slots.get(doc_id)) == (doc_id in plain, plain.get(doc_id))
    assert len(slots) == 3 and slots[12] == 3 and sorted(slots) == [7, 12, 40]
    assert slots.pop(7) == 2 and 7 not in slots and slots.pop(7, None) is None and len(slots) == 2
    slots[7] = 9  # re-added in a new slot
    slots[40] = 10  # moved
    assert (slots[7], slots[40], len(slots)) == (9, 10, 3)
    with pytest.raises(KeyError):
        slots[5]
    with pytest.raises(ValueError):
        SlotMap(np.array([3, 3], dtype=np.int64))


def test_a_repeated_text_is_segmented_once_and_its_tokens_cannot_be_changed_by_a_caller() -> None:
    tokenizer = Tokenizer()
    first = tokenizer.tokenize("窑炉温度全靠老师傅看火")
    first.append("caller's own")
    calls = []
    tokenizer._tokenize = lambda text: calls.append(text) or []  # the cache must answer
    assert tokenizer.tokenize("窑炉温度全靠老师傅看火") == TOKENIZER.tokenize("窑炉温度全靠老师傅看火")
    assert calls == []
    for number in range(Tokenizer.RECENT):  # the oldest text leaves the cache
        tokenizer.tokenize(f"text {number}")
    assert tokenizer.tokenize("窑炉温度全靠老师傅看火") == [] and calls[-1] == "窑炉温度全靠老师傅看火"


def test_the_best_of_given_ids_are_what_sorting_their_scores_gives(tmp_path: Path) -> None:
    import random

    exact, _ = _twin_indexes(3)
    exact.save(tmp_path / "lexical.npz")
    mapped = BM25Index.load(tmp_path / "lexical.npz", TOKENIZER)  # ids held in a SlotMap
    mapped.update_terms(9002, {"w7z": 3, "w150z": 1})  # added after loading
    mapped.remove(9001)  # removed after loading
    assert isinstance(mapped._slot_of, SlotMap)
    rng = random.Random(4)
    query = "w3z w7z w150z w0z w42z"
    for index in (exact, mapped):
        for _ in range(5):
            ids = rng.sample(range(1, 3001), 900) + [9001, 9002, 123_456, 5, 5]  # unknown and repeated ids
            weights = (lambda term: 0.5 if term == "w0z" else 1.0) if rng.random() < 0.5 else None
            scored = index.score(query, ids, term_weights=weights)
            expected = [(doc_id, score) for score, doc_id in sorted((-s, d) for d, s in scored.items() if s > 0)][:40]
            expected = [(doc_id, -score) for doc_id, score in expected]
            got = index.top_among(query, np.array(ids), 40, term_weights=weights)
            assert [doc_id for doc_id, _ in got] == [doc_id for doc_id, _ in expected]
            assert np.allclose([s for _, s in got], [s for _, s in expected], rtol=0, atol=1e-12)
    assert 9001 not in dict(mapped.top_among("w3z", np.array([9001, 9002]), 5))
    assert mapped.top_among("w7z", np.array([9002]), 5)[0][0] == 9002
