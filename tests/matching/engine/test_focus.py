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
