"""The engine's input types: weights, display names, facts normalised from file notation, and
reasons in their JSON form."""

from __future__ import annotations

import pytest

from matching.engine.types import Labels, RankingWeights, Reason

from .helpers import make_facts


def test_weights_from_dict() -> None:
    weights = RankingWeights.from_dict({"budget": 0.5, "hard_region_filter": True})
    assert weights.budget == 0.5 and weights.hard_region_filter is True and weights.industry == 0.25
    assert RankingWeights.from_dict(None) == RankingWeights()
    assert RankingWeights.from_dict(weights.to_dict()) == weights
    with pytest.raises(ValueError, match="unknown ranking weights"):
        RankingWeights.from_dict({"budgett": 0.5})
    with pytest.raises(ValueError, match=">= 0"):
        RankingWeights.from_dict({"region": -1})
    with pytest.raises(ValueError, match="relevance_floor"):
        RankingWeights(relevance_floor=1.5)


def test_labels_fall_back_to_the_code() -> None:
    labels = Labels(industries={"glass": ("玻璃", "Glass")})
    assert labels.industry("glass") == ("玻璃", "Glass")
    assert labels.industry("unknown") == ("unknown", "unknown")
    assert labels.category("energy") == ("energy", "energy")


def test_solution_facts_normalise_file_notation() -> None:
    facts = make_facts(industries={"*"}, regions={"*"}, provider_city="淄博")
    assert facts.all_industries is True and facts.industries == frozenset()
    assert facts.all_regions is True and facts.regions == frozenset()
    assert facts.provider_city == "淄博市"
    assert make_facts(regions={"青岛", "济南市"}).regions == {"青岛市", "济南市"}
    with pytest.raises(ValueError):
        make_facts(price_min=10, price_max=5)


def test_reason_round_trips_through_json() -> None:
    reason = Reason("industry_cases", {"industry": "ceramics", "count": 12})
    assert reason.as_dict() == {"code": "industry_cases", "params": {"industry": "ceramics", "count": 12}}
    assert Reason.from_dict(reason.as_dict()) == reason
    assert Reason.from_dict({"code": "within_budget"}) == Reason("within_budget")
