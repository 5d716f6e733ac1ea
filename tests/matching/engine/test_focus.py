from __future__ import annotations

import math

import pytest

from matching.engine.focus import NEUTRAL, CategoryFocus, information_gain

from .helpers import make_facts

CATEGORIES = ("energy", "mes", "quality", "safety")
INDUSTRIES = ("ceramics", "chemical", "machinery", "refractory")


def catalog() -> list:
    """One solution per (category, industry) pair: 16 solutions."""
    return [
        make_facts(10 * c + i, category=category, industries={industry})
        for c, category in enumerate(CATEGORIES)
        for i, industry in enumerate(INDUSTRIES)
    ]


def test_information_gain() -> None:
    prior = {"a": 2, "b": 2}
    assert information_gain({"a": 3, "b": 3}, prior) == pytest.approx(0.0)
    # All mass on one of two equally likely labels, smoothing 0+: ln 2.
    assert information_gain({"a": 1000}, prior, smoothing=1e-9) == pytest.approx(math.log(2), rel=1e-6)
    # Smoothing pulls a single observation towards the prior.
    assert 0 < information_gain({"a": 1}, prior, smoothing=2.0) < information_gain({"a": 1}, prior, smoothing=0.1)
    assert information_gain({"a": 1}, {}) == 0.0


def test_trade_words_lose_focus_and_problem_words_keep_it() -> None:
    facts = catalog()
    focus = CategoryFocus()
    focus.reset(facts)
    by_term = {
        "陶瓷": [f for f in facts if "ceramics" in f.industries],  # every category, one industry
        "排产": [f for f in facts if f.category == "mes"],  # one category, every industry
        "系统": facts,  # everywhere: tells nothing
    }
    asked: list[str] = []

    def holders(term: str) -> list:
        asked.append(term)
        return by_term[term]

    assert focus.weight("陶瓷", holders) < 0.05
    assert focus.weight("排产", holders) > 0.95
    assert focus.weight("系统", holders) == NEUTRAL
    assert focus.weight("陶瓷", holders) < 0.05
    assert asked == ["陶瓷", "排产", "系统"]  # cached after the first time

    focus.reset(facts[:8])  # the catalog changed: cached terms are forgotten
    focus.weight("陶瓷", holders)
    assert asked[-1] == "陶瓷"


def test_focus_needs_positive_smoothing() -> None:
    with pytest.raises(ValueError):
        CategoryFocus(smoothing=0)


def _fresh_weights(matcher, terms):
    """Term focus as ``CategoryFocus`` gives it over the matcher's current catalog, from scratch."""
    focus = CategoryFocus()
    focus.reset(list(matcher._facts.values()))

    def holders(term: str) -> list:
        return [matcher._facts[i] for i in matcher.lexical.documents_with(term) if i in matcher._facts]

    return {term: focus.weight(term, holders) for term in terms}


@pytest.mark.parametrize("offset", [0, 1 << 27])  # ids in the arrays, and beyond them (facts counted)
def test_kept_focus_follows_every_write(offset: int) -> None:
    import random

    from matching.engine.embedders import HashingEmbedder
    from matching.engine.pipeline import Matcher

    rng = random.Random(1)
    words = ["窑炉", "陶瓷", "排产", "能耗", "视觉", "检测", "轮胎", "仓库", "扫码", "预警", "化工", "系统"]
    industries = ["ceramics", "chemical", "machinery", "refractory"]

    def item(doc_id: int):
        facts = make_facts(offset + doc_id, category=rng.choice(CATEGORIES), industries={rng.choice(industries)},
                           all_industries=rng.random() < 0.1)  # fmt: skip
        return facts, "，".join(rng.sample(words, 4))

    matcher = Matcher(HashingEmbedder(dim=64))
    matcher.upsert_many([item(i) for i in range(1, 41)])
    terms = sorted({t for i in range(1, 41) for t in matcher.lexical.terms_of(offset + i)})

    def check() -> None:
        weights = matcher._term_weights()
        fresh = _fresh_weights(matcher, terms)
        for term in terms:
            assert weights(term) == pytest.approx(fresh[term], abs=1e-12), term

    check()  # every term counted and kept
    assert matcher._focus.cached
    matcher.upsert_many([item(i) for i in range(41, 44)])  # new solutions
    check()
    matcher.upsert_many([item(i) for i in (2, 3, 4)])  # rewritten: other words, category, industry
    check()
    for doc_id in (5, 6, 41, 999):
        matcher.remove(offset + doc_id)  # removed: their words lost a holder
    check()
    matcher.upsert_many([(make_facts(offset + 7, category="safety", industries={"chemical"}), "，".join(words[:4]))])
    matcher.upsert_many([(make_facts(offset + 8, category="energy", industries={"ceramics"}), "，".join(words[:4]))])
    check()  # the same words, held by solutions of another kind
    kept = matcher._focus._counts
    assert kept and all(term in terms for term in kept)
