"""The shipped vector file: keys, rounding, and how the caching embedder takes it."""
from __future__ import annotations

import numpy as np
import pytest

from matching.engine.embedders import CachingEmbedder, EmbedderError, HashingEmbedder
from matching.engine.vectorfile import (
    PASSAGE,
    QUERY,
    VectorFileError,
    file_name,
    read_vectors,
    text_key,
    write_vectors,
)


def test_round_trip_keeps_keys_and_vectors_to_half_precision(tmp_path) -> None:
    inner = HashingEmbedder(dim=32)
    texts = ["窑炉温度", "能耗监测", "job-shop scheduling"]
    vectors = dict(zip((text_key(PASSAGE, t) for t in texts), inner.encode_passages(texts)))
    path = tmp_path / file_name(inner.identity)
    assert write_vectors(path, inner.identity, vectors) == 3

    identity, read = read_vectors(path)
    assert identity == inner.identity
    assert set(read) == set(vectors)
    for key, vector in vectors.items():
        assert read[key].dtype == np.float32
        assert np.abs(read[key] - vector).max() < 2e-3
        assert abs(np.linalg.norm(read[key]) - 1) < 1e-5


def test_same_vectors_give_the_same_bytes(tmp_path) -> None:
    inner = HashingEmbedder(dim=16)
    texts = ["a", "b", "c"]
    vectors = dict(zip((text_key(QUERY, t) for t in texts), inner.encode_queries(texts)))
    write_vectors(tmp_path / "one.npz", inner.identity, vectors)
    write_vectors(tmp_path / "two.npz", inner.identity, dict(reversed(list(vectors.items()))))
    assert (tmp_path / "one.npz").read_bytes() == (tmp_path / "two.npz").read_bytes()


def test_query_and_passage_keys_differ() -> None:
    assert text_key(QUERY, "窑炉") != text_key(PASSAGE, "窑炉")


def test_unreadable_file_is_reported(tmp_path) -> None:
    path = tmp_path / "bad.npz"
    path.write_bytes(b"not a vector file")
    with pytest.raises(VectorFileError, match="unreadable"):
        read_vectors(path)


def test_caching_embedder_serves_shipped_vectors_and_encodes_only_the_rest(tmp_path) -> None:
    inner = HashingEmbedder(dim=32)
    shipped_text, new_text = "窑炉温度全靠老师傅看火", "仓库盘点靠手工"
    other = np.zeros(32, dtype=np.float32)
    other[0] = 1.0  # not what the model would give: proves the shipped vector is served
    write_vectors(tmp_path / "shipped" / file_name(inner.identity), inner.identity, {text_key(PASSAGE, shipped_text): other})

    calls: list[list[str]] = []
    original = inner.encode_passages
    inner.encode_passages = lambda texts: calls.append(list(texts)) or original(texts)  # type: ignore[method-assign]
    cache = CachingEmbedder(inner, tmp_path / "cache.npz", shipped=tmp_path / "shipped")

    rows = cache.encode_passages([shipped_text, new_text])
    assert calls == [[new_text]]  # an edited or new text misses the file and is encoded
    assert (rows[0] == other).all()
    assert (cache.encode_queries([shipped_text]) == inner.encode_queries([shipped_text])).all()  # passages only


def test_shipped_vectors_win_over_the_local_cache(tmp_path) -> None:
    inner = HashingEmbedder(dim=32)
    text = "能耗"
    local = CachingEmbedder(inner, tmp_path / "cache.npz")
    local.encode_passages([text])
    local.save()
    shipped = np.zeros(32, dtype=np.float32)
    shipped[1] = 1.0
    write_vectors(tmp_path / "shipped" / file_name(inner.identity), inner.identity, {text_key(PASSAGE, text): shipped})
    both = CachingEmbedder(inner, tmp_path / "cache.npz", shipped=tmp_path / "shipped")
    assert (both.encode_passages([text])[0] == shipped).all()


def test_a_file_of_another_model_under_this_name_is_refused(tmp_path) -> None:
    inner = HashingEmbedder(dim=32)
    write_vectors(tmp_path / file_name(inner.identity), "hashing:64", {text_key(PASSAGE, "x"): np.ones(64, np.float32)})
    with pytest.raises(EmbedderError, match="not hashing"):
        CachingEmbedder(inner, tmp_path / "cache.npz", shipped=tmp_path)
