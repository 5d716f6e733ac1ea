"""Lexical channel: a Chinese/English tokenizer and an incremental Okapi BM25 index.

Tokenizer pipeline (``Tokenizer.tokenize``):

1. NFKC-normalise (full-width letters and punctuation become ASCII) and lowercase.
2. Segment with jieba in precise mode, using a private ``jieba.Tokenizer`` (the global one
   is left alone) that also knows the domain terms of ``userdict.txt`` (MES, 窑炉, 预测性维护 …).
3. English tokens: drop pure numbers and stopwords, light stemming (plural s, -ing, -ed,
   final e), so "kilns"/"kiln" and "reducing"/"reduced"/"reduce" meet.
4. Chinese tokens: drop stopwords (的, 了, 我们, 一年 …); for words of 3+ characters also
   emit their dictionary sub-words (like jieba's search mode: 天然气 -> 天然), and for runs
   of single characters that jieba could not join (out-of-vocabulary words) emit character
   bigrams. Both make matching robust to segmentation differences between query and document.

``BM25Index`` keeps an inverted index (term -> {slot: tf}) plus per-term numpy arrays built
lazily, so a query touches only the postings of its own terms, vectorised. Add, update and
remove are incremental; statistics (N, avgdl, df) are always current.
IDF is the non-negative Lucene form ``ln(1 + (N - df + 0.5) / (df + 0.5))``. A search may pass
``term_weights`` (term -> factor on that term's IDF); the matcher uses it to down-weight words
that name the need's trade rather than its problem (see ``focus.py``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ._files import atomic_write
from ._locks import RWLock
from .errors import IndexCorruptError, IndexMismatchError, IndexMissingError

__all__ = ["DEFAULT_USERDICT", "BM25Index", "TermWeights", "Tokenizer", "stem"]

#: Factor on a query term's IDF (1.0 = plain BM25).
TermWeights = Callable[[str], float]

DEFAULT_USERDICT = Path(__file__).with_name("userdict.txt")

_CJK_RE = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")
_ASCII_TOKEN_RE = re.compile(r"^[a-z0-9][a-z0-9+#.\-_]*$")
_DIGITS_RE = re.compile(r"^[0-9.\-_]+$")

ZH_STOPWORDS = frozenset(
    """
    的 地 得 了 着 过 和 与 及 或 跟 同 而 并 且 但 就 也 还 又 都 只 才 很 太 更 最 再 已 已经
    是 为 在 于 对 把 被 让 给 从 到 向 往 以 用 由 比 将 之 其 此 这 那 哪 这个 那个 这些 那些
    一 一个 一些 一年 一年年 每年 每天 一直 一样 一下 一种 个 些 种 次 年 月 天 里 上 下 中 内 外
    我 我们 你 你们 您 他 他们 她 它 它们 咱们 大家 自己 本 该 各 每 某
    有 没 没有 不 不是 无 非 要 需要 想 想要 希望 能 能够 可以 可 会 应 应该 该 得到 进行 实现
    什么 怎么 怎样 如何 为什么 多少 几 吗 呢 吧 啊 呀 哦 嘛 啦 呐
    因为 所以 如果 虽然 但是 而且 或者 以及 还是 然后 另外 同时 通过 根据 关于 对于 由于 导致
    很多 许多 非常 比较 特别 全 全靠 靠 总是 经常 越来越 一年比一年 目前 现在 现有 今年 去年
    问题 情况 方面 方式 相关 等 等等 约 左右 之后 之前 以上 以下
    """.split()
)

EN_STOPWORDS = frozenset(
    """
    a an the and or but nor of to in on at by for with from into onto over under about as
    is are was were be been being am do does did done has have had having it its this that
    these those there here we our ours us you your yours they them their he she his her i me
    my mine not no yes so than then too very can could should would will shall may might must
    just also only more most less much many each every per via all any some such what which
    who whom whose when where why how if while because up down out off again further once
    """.split()
)


def stem(word: str) -> str:
    """Light English stemmer: plural s/es/ies, -ing, -ed, then a final e.

    Not linguistically exact, only consistent: documents and queries go through the same rules.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) > 5:
        word = word[:-3]
        if len(word) > 2 and word[-1] == word[-2] and word[-1] not in "aeiouls":
            word = word[:-1]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
        if len(word) > 2 and word[-1] == word[-2] and word[-1] not in "aeiouls":
            word = word[:-1]
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


_SEGMENTERS: dict[tuple[str, ...], Any] = {}
_SEGMENTERS_LOCK = threading.Lock()


def _shared_segmenter(terms: tuple[str, ...]) -> Any:
    """One initialised ``jieba.Tokenizer`` per user-term list per process (init takes ~1 s).

    Each is a private instance, never jieba's global tokenizer; after initialisation it is
    only read, so threads can share it.
    """
    with _SEGMENTERS_LOCK:
        segmenter = _SEGMENTERS.get(terms)
        if segmenter is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)  # its dictionary-loading messages are not ours to print
            segmenter = jieba.Tokenizer()
            segmenter.initialize()
            for term in terms:
                segmenter.add_word(term)
            _SEGMENTERS[terms] = segmenter
        return segmenter


class Tokenizer:
    """Mixed Chinese/English tokenizer for BM25 (see the module docstring for the steps).

    ``userdict`` is a jieba user dictionary file (one term per line, ``#`` comments allowed);
    ``None`` disables it. jieba is initialised lazily, on the first ``tokenize`` call, and
    shared by tokenizers with the same dictionary.
    """

    VERSION = 1

    def __init__(
        self,
        userdict: str | os.PathLike[str] | None = DEFAULT_USERDICT,
        *,
        subwords: bool = True,
        char_bigrams: bool = True,
        hmm: bool = True,
    ) -> None:
        self.userdict = Path(userdict) if userdict is not None else None
        self.subwords = subwords
        self.char_bigrams = char_bigrams
        self.hmm = hmm
        self._terms: list[str] = self._read_userdict(self.userdict) if self.userdict else []
        self._jieba: Any = None

    @staticmethod
    def _read_userdict(path: Path) -> list[str]:
        terms = []
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                terms.append(unicodedata.normalize("NFKC", line.split()[0]).lower())
        return terms

    @property
    def identity(self) -> str:
        """Names everything that changes the token stream (recorded with saved BM25 data)."""
        digest = hashlib.sha1("\n".join(self._terms).encode("utf-8")).hexdigest()[:10]
        flags = f"sub={int(self.subwords)},bi={int(self.char_bigrams)},hmm={int(self.hmm)}"
        return f"jieba:v{self.VERSION}:dict={digest}:{flags}"

    def _segmenter(self) -> Any:
        if self._jieba is None:
            self._jieba = _shared_segmenter(tuple(self._terms))
        return self._jieba

    def tokenize(self, text: str) -> list[str]:
        """Tokens of ``text`` in order (with repeats), ready for BM25."""
        segmenter = self._segmenter()
        normalised = unicodedata.normalize("NFKC", text).lower()
        tokens: list[str] = []
        single_run: list[str] = []

        def flush_run() -> None:
            if self.char_bigrams and len(single_run) >= 2:
                tokens.extend(single_run[i] + single_run[i + 1] for i in range(len(single_run) - 1))
            single_run.clear()

        for raw in segmenter.cut(normalised, HMM=self.hmm):
            token = raw.strip()
            if not token:
                continue
            if _CJK_RE.match(token):
                if token in ZH_STOPWORDS:
                    flush_run()
                    continue
                tokens.append(token)
                if len(token) == 1:
                    single_run.append(token)
                    continue
                flush_run()
                if self.subwords and len(token) >= 3:
                    tokens.extend(self._subwords(segmenter, token))
            else:
                flush_run()
                is_word = _ASCII_TOKEN_RE.match(token) and not _DIGITS_RE.match(token)
                if is_word and token not in EN_STOPWORDS:
                    tokens.append(stem(token))
        flush_run()
        return tokens

    @staticmethod
    def _subwords(segmenter: Any, word: str) -> list[str]:
        found = []
        for size in (2, 3):
            for start in range(len(word) - size + 1):
                gram = word[start : start + size]
                if gram != word and gram not in ZH_STOPWORDS and segmenter.FREQ.get(gram):
                    found.append(gram)
        return found


class BM25Index:
    """Okapi BM25 over an inverted index, with incremental add / update / remove.

    ``k1`` controls term-frequency saturation, ``b`` document-length normalisation.
    """

    FORMAT = 1

    def __init__(self, tokenizer: Tokenizer | None = None, *, k1: float = 1.2, b: float = 0.75) -> None:
        if k1 < 0 or not 0 <= b <= 1:
            raise ValueError("BM25 needs k1 >= 0 and 0 <= b <= 1")
        self.tokenizer = tokenizer if tokenizer is not None else Tokenizer()
        self.k1 = k1
        self.b = b
        self._lock = RWLock()
        self._doc_terms: dict[int, dict[str, int]] = {}
        self._slot_of: dict[int, int] = {}
        self._slot_ids = np.full(64, -1, dtype=np.int64)
        self._doc_len = np.zeros(64, dtype=np.float64)
        self._free_slots: list[int] = []
        self._next_slot = 0
        self._total_len = 0
        self._postings: dict[str, dict[int, int]] = {}
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self._doc_terms)

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, (int, np.integer)) and int(doc_id) in self._doc_terms

    # ---------------------------------------------------------------------- writes

    def add(self, doc_id: int, text: str) -> None:
        """Index a new document; ``ValueError`` if ``doc_id`` is already indexed."""
        terms = Counter(self.tokenizer.tokenize(text))
        with self._lock.write():
            if doc_id in self._doc_terms:
                raise ValueError(f"document {doc_id} is already indexed; use update()")
            self._insert(int(doc_id), dict(terms))

    def update(self, doc_id: int, text: str) -> None:
        """Replace a document's text (adds it if absent)."""
        terms = Counter(self.tokenizer.tokenize(text))
        with self._lock.write():
            self._delete(int(doc_id))
            self._insert(int(doc_id), dict(terms))

    def remove(self, doc_id: int) -> bool:
        """Remove a document; returns False if it was not indexed."""
        with self._lock.write():
            return self._delete(int(doc_id))

    def _insert(self, doc_id: int, terms: dict[str, int]) -> None:
        slot = self._free_slots.pop() if self._free_slots else self._grab_slot()
        self._slot_of[doc_id] = slot
        self._slot_ids[slot] = doc_id
        length = sum(terms.values())
        self._doc_len[slot] = length
        self._total_len += length
        self._doc_terms[doc_id] = terms
        for term, tf in terms.items():
            self._postings.setdefault(term, {})[slot] = tf
            self._arrays.pop(term, None)

    def _grab_slot(self) -> int:
        slot = self._next_slot
        if slot >= len(self._slot_ids):
            grow = len(self._slot_ids)
            self._slot_ids = np.concatenate([self._slot_ids, np.full(grow, -1, dtype=np.int64)])
            self._doc_len = np.concatenate([self._doc_len, np.zeros(grow, dtype=np.float64)])
        self._next_slot += 1
        return slot

    def _delete(self, doc_id: int) -> bool:
        terms = self._doc_terms.pop(doc_id, None)
        if terms is None:
            return False
        slot = self._slot_of.pop(doc_id)
        for term in terms:
            postings = self._postings[term]
            del postings[slot]
            if not postings:
                del self._postings[term]
            self._arrays.pop(term, None)
        self._total_len -= int(self._doc_len[slot])
        self._doc_len[slot] = 0
        self._slot_ids[slot] = -1
        self._free_slots.append(slot)
        return True

    # ---------------------------------------------------------------------- reads

    def _term_arrays(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        arrays = self._arrays.get(term)
        if arrays is None:
            postings = self._postings.get(term)
            if not postings:
                return None
            arrays = (
                np.fromiter(postings.keys(), dtype=np.int64, count=len(postings)),
                np.fromiter(postings.values(), dtype=np.float64, count=len(postings)),
            )
            # Several readers may fill the same entry at once; they compute equal arrays.
            self._arrays[term] = arrays
        return arrays

    def _query_terms(self, query_text: str, term_weights: TermWeights | None) -> list[tuple[str, float]]:
        """Distinct query tokens with their IDF factors; computed before taking the lock,
        since ``term_weights`` may read this index itself (the lock is not reentrant)."""
        terms = dict.fromkeys(self.tokenizer.tokenize(query_text))
        return [(term, 1.0 if term_weights is None else float(term_weights(term))) for term in terms]

    def _score_all(self, query_terms: list[tuple[str, float]]) -> np.ndarray | None:
        """BM25 score of every slot (caller holds the read lock); None if nothing matches."""
        n_docs = len(self._doc_terms)
        if n_docs == 0:
            return None
        avgdl = max(self._total_len / n_docs, 1e-9)
        scores: np.ndarray | None = None
        for term, factor in query_terms:
            arrays = self._term_arrays(term)
            if arrays is None:
                continue
            slots, tfs = arrays
            df = len(slots)
            idf = factor * math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
            norm = self.k1 * (1.0 - self.b + self.b * self._doc_len[slots] / avgdl)
            if scores is None:
                scores = np.zeros(len(self._slot_ids), dtype=np.float64)
            scores[slots] += idf * tfs * (self.k1 + 1.0) / (tfs + norm)
        return scores

    def search(
        self, query_text: str, k: int = 10, *, term_weights: TermWeights | None = None
    ) -> list[tuple[int, float]]:
        """Top-``k`` documents with a positive score, best first (ties by smaller id)."""
        if k < 1:
            raise ValueError("k must be >= 1")
        query_terms = self._query_terms(query_text, term_weights)
        with self._lock.read():
            scores = self._score_all(query_terms)
            if scores is None:
                return []
            hits = np.flatnonzero(scores > 0)
            if hits.size > k:
                # Keep everything tied with the k-th score so the id tie-break below is exact.
                kth_best = -np.partition(-scores[hits], k - 1)[k - 1]
                hits = hits[scores[hits] >= kth_best]
            ids = self._slot_ids[hits]
            hit_scores = scores[hits]
        order = np.lexsort((ids, -hit_scores))[:k]
        return [(int(ids[i]), float(hit_scores[i])) for i in order]

    def score(
        self, query_text: str, doc_ids: Iterable[int], *, term_weights: TermWeights | None = None
    ) -> dict[int, float]:
        """BM25 score of each given document (0.0 if it matches nothing; unknown ids skipped)."""
        query_terms = self._query_terms(query_text, term_weights)
        with self._lock.read():
            scores = self._score_all(query_terms)
            result = {}
            for doc_id in doc_ids:
                slot = self._slot_of.get(int(doc_id))
                if slot is not None:
                    result[int(doc_id)] = float(scores[slot]) if scores is not None else 0.0
        return result

    def document_scores(
        self, query_tokens: Sequence[Sequence[str]], doc_ids: Sequence[int], *, term_weights: TermWeights | None = None
    ) -> np.ndarray:
        """BM25 scores of a few documents for many queries, given as their tokens (rows:
        queries, columns: documents; 0.0 for an unknown id), computed from those documents' own
        terms: the same numbers as :meth:`score`, without scoring the whole corpus per query."""
        queries = [
            [(term, 1.0 if term_weights is None else float(term_weights(term))) for term in dict.fromkeys(tokens)]
            for tokens in query_tokens
        ]
        result = np.zeros((len(queries), len(doc_ids)), dtype=np.float64)
        with self._lock.read():
            n_docs = len(self._doc_terms)
            avgdl = max(self._total_len / max(n_docs, 1), 1e-9)
            for column, doc_id in enumerate(doc_ids):
                terms, slot = self._doc_terms.get(int(doc_id)), self._slot_of.get(int(doc_id))
                if terms is None or slot is None:
                    continue
                norm = self.k1 * (1.0 - self.b + self.b * self._doc_len[slot] / avgdl)
                for row, query_terms in enumerate(queries):
                    total = 0.0
                    for term, factor in query_terms:
                        tf = terms.get(term)
                        if tf:
                            df = len(self._postings[term])
                            idf = factor * math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
                            total += idf * tf * (self.k1 + 1.0) / (tf + norm)
                    result[row, column] = total
        return result

    def statistics(self, terms: Iterable[str]) -> tuple[int, int, dict[str, int]]:
        """Document count, total length and the document frequency of each of ``terms``."""
        with self._lock.read():
            return len(self._doc_terms), self._total_len, {t: len(self._postings.get(t, ())) for t in terms}

    def documents_with(self, term: str) -> list[int]:
        """Ids of the documents containing ``term`` (a token as the tokenizer emits it)."""
        with self._lock.read():
            return [int(self._slot_ids[slot]) for slot in self._postings.get(term, ())]

    def terms_of(self, doc_id: int) -> dict[str, int]:
        """Term frequencies stored for a document (for explanations and debugging)."""
        with self._lock.read():
            return dict(self._doc_terms[int(doc_id)])

    # ---------------------------------------------------------------- persistence

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON state: parameters, tokenizer identity and each document's term counts."""
        with self._lock.read():
            docs = {str(doc_id): dict(terms) for doc_id, terms in self._doc_terms.items()}
        return {
            "format": self.FORMAT,
            "tokenizer": self.tokenizer.identity,
            "k1": self.k1,
            "b": self.b,
            "docs": docs,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], tokenizer: Tokenizer | None = None) -> BM25Index:
        """Rebuild from :meth:`to_dict` output; the tokenizer must match the one that built it."""
        tokenizer = tokenizer if tokenizer is not None else Tokenizer()
        try:
            if data["format"] != cls.FORMAT:
                raise IndexCorruptError(f"unsupported BM25 format {data['format']!r}")
            if data["tokenizer"] != tokenizer.identity:
                raise IndexMismatchError(
                    f"BM25 data was built with tokenizer {data['tokenizer']!r}, "
                    f"current tokenizer is {tokenizer.identity!r}; rebuild it"
                )
            index = cls(tokenizer, k1=float(data["k1"]), b=float(data["b"]))
            for doc_id, terms in data["docs"].items():
                index._insert(int(doc_id), {str(t): int(tf) for t, tf in terms.items()})
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise IndexCorruptError(f"unreadable BM25 data: {exc!r}") from exc
        return index

    def save(self, path: str | os.PathLike[str]) -> None:
        """Atomically write :meth:`to_dict` as JSON."""
        data = self.to_dict()
        data["saved_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        data["count"] = len(data["docs"])
        atomic_write(path, [json.dumps(data, ensure_ascii=False).encode("utf-8")])

    @classmethod
    def load(cls, path: str | os.PathLike[str], tokenizer: Tokenizer | None = None) -> BM25Index:
        """Load a file written by :meth:`save` (missing, corrupt and mismatch errors as for vectors)."""
        try:
            raw = Path(path).read_bytes()
        except FileNotFoundError as exc:
            raise IndexMissingError(f"BM25 file not found: {path}") from exc
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise IndexCorruptError(f"{path}: unreadable BM25 file: {exc}") from exc
        if not isinstance(data, dict):
            raise IndexCorruptError(f"{path}: BM25 file is not a JSON object")
        index = cls.from_dict(data, tokenizer)
        if "count" in data and len(index) != data["count"]:
            raise IndexCorruptError(f"{path}: {len(index)} documents, file says {data['count']}")
        return index
