"""The benchmark code paths at tiny sizes, so they keep working between full runs."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from matching.engine.embedders import HashingEmbedder
from matching.engine.encoding_bench import bench_encoding, catalog_texts
from matching.engine.fanout_bench import bench_fanout
from matching.engine.lexical_bench import bench_lexical
from matching.engine.pipeline_bench import bench_pipeline
from matching.engine import Labels
from matching.engine.scale_bench import bench_scale, realistic_vectors, synthetic_filters

from .helpers import unit_rows

CATALOG = Path(__file__).resolve().parents[3] / "fixtures" / "catalog.csv"


def _seeds(n: int = 60, dim: int = 32) -> np.ndarray:
    centres = unit_rows(6, dim, seed=1)
    rng = np.random.default_rng(2)
    rows = centres[rng.integers(0, 6, n)] + 0.2 * rng.standard_normal((n, dim)) / np.sqrt(dim)
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_realistic_vectors_spread_like_the_seeds() -> None:
    seeds = _seeds()
    vectors = realistic_vectors(seeds, 3000)
    assert vectors.shape == (3000, 32)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = seeds @ seeds.T
    np.fill_diagonal(similarity, -1)
    target = np.median(similarity.max(axis=1))
    nearest_seed = (vectors @ seeds.T).max(axis=1)
    assert abs(np.median(nearest_seed) - target) < 0.05 or np.median(nearest_seed) > target  # not uniform noise
    assert np.median(nearest_seed) > 0.5


def test_filters_exclude_most_of_the_catalog() -> None:
    filters = synthetic_filters(20_000, 10)
    shares = [filters.eligible(q).size / 20_000 for q in range(10)]
    assert 0 < np.median(shares) < 0.05


def test_bench_scale_tiny_run(tmp_path: Path) -> None:
    report = bench_scale(2_000, _seeds(), queries=30, workers=2, index_path=tmp_path / "sq8.faiss")
    names = [row["index"] for row in report["indexes"]]
    assert any("Flat (exact)" in name for name in names) and any("SQ8" in name for name in names)
    exact = next(row for row in report["indexes"] if "exact" in row["index"])
    assert exact["recall@10"] == 1.0 and exact["filtered"]["prefilter_exact"]["recall@10"] == 1.0
    for row in report["indexes"]:
        assert 0 <= row["recall@10"] <= 1 and row["p50_ms"] >= 0 and row["bytes"] > 0
    workers = report["mmap_workers"]["processes"]
    assert len(workers) == 2 and all(w["Pss"] <= w["Rss"] for w in workers)


def test_bench_pipeline_tiny_run() -> None:
    report = bench_pipeline(3_000, _seeds(), queries=20, widening_sample=5, generator_seeds=1)
    assert report["index_kind"] == "flat" and 0 < report["filter_pass_share_median"] < 0.05
    for part in ("unfiltered", "filtered_prefilter", "filtered_widening_before"):
        assert report[part]["cpu_p50_ms"] > 0, part
    assert report["filtered_prefilter"]["queries"] == 20 and report["filtered_widening_before"]["queries"] == 5
    assert report["filtered_p99_over_unfiltered_p50_cpu"] > 0
    assert report["load_cpu_s"] >= 0 and report["warmup_cpu_s"] >= report["first_search_cpu_s"] > 0


def test_bench_fanout_with_the_hashing_embedder() -> None:
    texts = [text for _, text in catalog_texts(CATALOG, Labels())[:24]]
    report = bench_fanout("hashing", "", texts, workers=(1, 2), repeats=1, chunk=4)
    assert report["1_workers"]["chunks_per_worker"] == [[6]]
    assert sum(report["2_workers"]["chunks_per_worker"][0]) == 6
    assert report["max_abs_vector_difference"] == 0.0 and report["2_workers"]["speedup_over_1"]["median"] > 0


def test_bench_lexical_tiny_run(tmp_path: Path) -> None:
    saved = tmp_path / "lexical.npz"
    report = bench_lexical(2_000, queries=10, generator_seeds=1, tokenize_sample=100, saved=saved)
    assert report["memo_mismatches"] == 0
    assert report["postings"] > 2_000 and report["vocabulary"] > 100
    assert report["query_ms_exact"]["p50"] > 0 and report["query_ms_approx"]["p50"] > 0
    assert 0 < report["query_ms_approx"]["recall@10_mean"] <= 1 and 0 < report["query_ms_approx"]["pool_overlap_mean"] <= 1
    assert 0 < report["query_ms_approx"]["postings_accumulated_share_p50"] <= 1
    again = bench_lexical(2_000, queries=10, generator_seeds=1, saved=saved, sweep=[(500, 50)], processes=2)
    assert again["loaded_from"] == str(saved) and "index_build_s" not in again
    assert again["query_ms_approx_500_50"]["candidates"] == 50
    assert len(again["processes"]) == 2 and all(p["Pss"] <= p["Rss"] for p in again["processes"])


def test_bench_encoding_with_the_hashing_embedder() -> None:
    embedder = HashingEmbedder(dim=64)
    texts = [text for _, text in catalog_texts(CATALOG, Labels())[:40]]
    report, vectors = bench_encoding(embedder, embedder.encode_passages, texts, repeats=2, batch_size=16)
    assert vectors.shape == (40, 64)
    assert report["max_abs_vector_difference"] < 1e-6
    assert report["ratio_catalog_over_raw"]["median"] > 0
    assert report["catalog_path_warm_cache_median_s"] <= max(report["catalog_path"]["seconds"]) + 0.05
    with pytest.raises(ValueError):
        bench_encoding(embedder, embedder.encode_passages, [], repeats=1)


def test_catalog_texts_are_the_document_texts() -> None:
    rows = catalog_texts(CATALOG, Labels(categories={"iot_cloud": ("工业互联网平台", "Industrial IoT platform")}))
    assert len(rows) == 2889 and rows[0][0] == "S00001"
    assert "类别：工业互联网平台" in rows[0][1] and "适用行业：通用" in rows[0][1]


def test_bench_setup_times_single_passage_encodes(settings) -> None:
    settings.MATCHING = {**settings.MATCHING, "EMBEDDING_BACKEND": "hashing", "EMBEDDING_MODEL": "64"}
    out = StringIO()
    call_command("bench_setup", "--skip-setup", "--encodes", "3", stdout=out, stderr=StringIO())
    report = json.loads(out.getvalue())
    assert report["single_encode"]["count"] == 3 and report["single_encode"]["median_s"] >= 0
    assert report["single_encode"]["embedder"].startswith("hashing") and "setup" not in report


def test_bench_worker_memory_maps_both_indexes_in_every_worker(tmp_path: Path) -> None:
    import faiss

    from matching.engine.lexical import BM25Index

    seeds = _seeds(dim=32)
    np.savez(tmp_path / "seeds.npz", vectors=seeds)
    index = faiss.index_factory(32, "IVF4,SQ8", faiss.METRIC_INNER_PRODUCT)
    index.train(seeds)
    index.add(seeds)
    faiss.write_index(index, str(tmp_path / "vectors.faiss"))
    bm25 = BM25Index()
    for number, (_ref, text) in enumerate(catalog_texts(CATALOG, Labels())[:50]):
        bm25.add(number, text)
    bm25.save(tmp_path / "lexical.npz")
    out = StringIO()
    call_command(
        "bench_worker_memory", "--vector-index", str(tmp_path / "vectors.faiss"), "--seeds", str(tmp_path / "seeds.npz"),
        "--lexical", str(tmp_path / "lexical.npz"), "--processes", "2", "--queries", "5", "--nprobe", "2", stdout=out,
    )
    report = json.loads(out.getvalue())
    assert len(report["processes"]) == 2
    for worker in report["processes"]:
        assert worker["Pss"] <= worker["Rss"] and worker["vector_cpu_p50_ms"] >= 0
        assert worker["lexical_second_pass_cpu_p50_ms"] >= 0 and worker["load_s"] >= 0
    assert report["max_rss_mib"] > 0
