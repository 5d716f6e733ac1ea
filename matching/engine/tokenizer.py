"""The tokenizer of the lexical channel: jieba segmentation with the domain dictionary
(``userdict.txt``), sub-words and character bigrams for unknown Chinese words, stemmed English,
stop words dropped (the pipeline is described in ``lexical.py``)."""
from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import unicodedata
from collections import OrderedDict
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_USERDICT", "EN_STOPWORDS", "ZH_STOPWORDS", "Tokenizer", "stem"]

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
    #: Texts whose tokens are kept (a search tokenizes its need's text several times: the BM25
    #: query, the copy test, the language and glossary look-ups).
    RECENT = 64

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
        self._recent: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._recent_lock = threading.Lock()

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
        """Tokens of ``text`` in order (with repeats), ready for BM25 (the last ``RECENT``
        texts' tokens are remembered)."""
        with self._recent_lock:
            tokens = self._recent.get(text)
            if tokens is not None:
                self._recent.move_to_end(text)
                return list(tokens)
        tokens = tuple(self._tokenize(text))
        with self._recent_lock:
            self._recent[text] = tokens
            if len(self._recent) > self.RECENT:
                self._recent.popitem(last=False)
        return list(tokens)

    def _tokenize(self, text: str) -> list[str]:
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
