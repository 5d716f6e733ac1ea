"""Vectors of solutions and needs: the configured embedder (over the cache and the shipped
vectors), the lexical tokenizer, and the stored vectors (``SolutionVector``, ``NeedVector``),
reused whenever the model and the text are unchanged. Only workers encode."""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
from django.conf import settings
from django.utils import timezone

from marketplace.catalog.models import Need
from matching import selectors, store
from matching.engine import SolutionFacts, get_embedder
from matching.engine.embedders import CachingEmbedder, Embedder
from matching.engine.lexical import Tokenizer
from matching.engine.termfile import TermFileError, file_name, read_terms
from matching.models import NeedVector, SolutionVector

Progress = Callable[[Iterable, int, str], Iterable]
_lock = threading.RLock()


def _no_progress(iterable: Iterable, total: int, description: str) -> Iterable:
    return iterable


def config() -> dict:
    return settings.MATCHING


_embedding_caches: dict[Path, CachingEmbedder] = {}


def embedder() -> Embedder:
    """The configured embedder, remembering vectors in ``CACHE_DIR`` so that a rebuild (or a
    fresh index folder) re-encodes only new solution texts, and re-matching after a catalog
    change re-encodes no unchanged need."""
    inner = get_embedder(config()["EMBEDDING_BACKEND"], config()["EMBEDDING_MODEL"])
    slug = "".join(c if c.isalnum() else "-" for c in inner.identity)
    path = Path(config()["CACHE_DIR"]) / f"embeddings-{slug}.npz"
    with _lock:
        if path not in _embedding_caches:
            shipped = config().get("SHIPPED_VECTORS_DIR") or None
            _embedding_caches[path] = CachingEmbedder(inner, path, shipped=shipped)
        return _embedding_caches[path]


def _save_embedding_cache() -> None:
    model = embedder()
    if isinstance(model, CachingEmbedder) and config().get("CACHE_DIR"):
        model.save()


def _stored_vectors(documents: list[tuple[SolutionFacts, str]]) -> tuple[list, list[int]]:
    """The stored vector of each document when made from the same text by the same model (else
    None), and the positions of the documents without one."""
    model = embedder()
    stored = {
        pk: (text_hash, vector)
        for pk, text_hash, vector in SolutionVector.objects.filter(
            identity=model.identity, solution_id__in=[facts.id for facts, _ in documents]
        ).values_list("solution_id", "text_hash", "vector")
    }
    vectors: list = [None] * len(documents)
    missing = []
    for position, (facts, text) in enumerate(documents):
        known = stored.get(facts.id)
        if known is not None and known[0] == store.text_hash(text):
            vectors[position] = store.from_bytes(known[1])
        else:
            missing.append(position)
    return vectors, missing


def _passage_vectors(documents: list[tuple[SolutionFacts, str]], *, progress: Progress = _no_progress) -> list:
    """The passage vector of each document: the stored one when made from the same text by the
    same model, else encoded (in batches; the embedder's cache serves shipped vectors)."""
    model = embedder()
    vectors, missing = _stored_vectors(documents)
    batches = range(0, len(missing), 64)
    for start in progress(batches, len(batches), "Encoding solutions"):
        chunk = missing[start : start + 64]
        for position, vector in zip(chunk, model.encode_passages([documents[p][1] for p in chunk]), strict=True):
            vectors[position] = vector
    return vectors


_tokenizers: list[Tokenizer] = []
_shipped_terms: dict[Path, dict[str, dict[str, int]]] = {}


def tokenizer() -> Tokenizer:
    """The lexical tokenizer every matcher of this process uses (its dictionary loads once)."""
    with _lock:
        if not _tokenizers:
            _tokenizers.append(Tokenizer())
        return _tokenizers[0]


def shipped_terms(identity: str) -> dict[str, dict[str, int]]:
    """The shipped term counts (``termfile``) of this tokenizer, by text hash: empty when none
    are shipped for it (another dictionary, or no ``SHIPPED_VECTORS_DIR``) or the file is unreadable."""
    folder = config().get("SHIPPED_VECTORS_DIR")
    if not folder:
        return {}
    path = Path(folder) / file_name(identity)
    with _lock:
        if path not in _shipped_terms:
            try:
                shipped_identity, terms = read_terms(path) if path.exists() else (identity, {})
            except TermFileError:
                shipped_identity, terms = identity, {}
            _shipped_terms[path] = terms if shipped_identity == identity else {}
        return _shipped_terms[path]


#: The state hash of a vector stored by an encoding chunk (``matching.fanout``) before a build or a
#: sync indexes it: reused (same model, same text) but still pending for ``matching.status``.
NOT_INDEXED = ""


def _vectors_store(documents: list[tuple[SolutionFacts, str]], vectors: list, *, indexed: bool = True) -> None:
    """Store the vectors and lexical term counts of ``documents``; the term counts already stored
    for the same text by the same tokenizer (an encoding chunk's, or the shipped ones of the fixture
    texts) are kept, not segmented again."""
    identity, now, words = embedder().identity, timezone.now(), tokenizer()
    shipped = shipped_terms(words.identity)
    hashes = {facts.id: store.text_hash(text) for facts, text in documents}
    known = {
        pk: terms
        for pk, text_hash, terms in SolutionVector.objects.filter(
            solution_id__in=list(hashes), tokenizer=words.identity
        ).values_list("solution_id", "text_hash", "terms")
        if hashes.get(pk) == text_hash and terms
    }
    SolutionVector.objects.bulk_create(
        [
            SolutionVector(
                solution_id=facts.id,
                identity=identity,
                text_hash=hashes[facts.id],
                state_hash=store.state_hash(facts, text) if indexed else NOT_INDEXED,
                vector=store.to_bytes(vector),
                terms=known.get(facts.id) or dict(shipped.get(hashes[facts.id]) or Counter(words.tokenize(text))),
                tokenizer=words.identity,
                updated_at=now,
            )
            for (facts, text), vector in zip(documents, vectors, strict=True)
        ],
        update_conflicts=True,
        unique_fields=["solution"],
        update_fields=["identity", "text_hash", "state_hash", "vector", "terms", "tokenizer", "updated_at"],
        batch_size=500,
    )


def need_vectors_ensure(needs: Iterable[Need]) -> int:
    """Store the query vector of each need (encoding the missing ones in one batched call) and
    give them to this process's embedder, so that searching these needs encodes nothing more.
    Returns how many were encoded."""
    model = embedder()
    texts = {need.pk: selectors.need_query(need).text for need in needs}
    stored = {
        pk: (identity, text_hash, vector)
        for pk, identity, text_hash, vector in NeedVector.objects.filter(need_id__in=list(texts)).values_list(
            "need_id", "identity", "text_hash", "vector"
        )
    }
    known, missing = {}, []
    for pk, text in texts.items():
        row = stored.get(pk)
        if row is not None and row[0] == model.identity and row[1] == store.text_hash(text):
            known[pk] = store.from_bytes(row[2])
        else:
            missing.append(pk)
    if missing:
        encoded = model.encode_queries([texts[pk] for pk in missing])
        NeedVector.objects.bulk_create(
            [
                NeedVector(need_id=pk, identity=model.identity, text_hash=store.text_hash(texts[pk]), vector=store.to_bytes(vector))
                for pk, vector in zip(missing, encoded, strict=True)
            ],
            update_conflicts=True,
            unique_fields=["need"],
            update_fields=["identity", "text_hash", "vector"],
            batch_size=500,
        )
        known.update(zip(missing, encoded, strict=True))
    if isinstance(model, CachingEmbedder) and known:
        model.remember_queries([texts[pk] for pk in known], np.vstack([known[pk] for pk in known]))
    return len(missing)
