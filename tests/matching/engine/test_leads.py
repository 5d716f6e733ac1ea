"""Lead allocation within provider capacity."""

from __future__ import annotations

from matching.engine.leads import LeadCandidate, allocate_leads


def test_allocation_honours_capacity() -> None:
    needs = {n: [LeadCandidate("A", 1, 0.9), LeadCandidate("B", 2, 0.7)] for n in (1, 2, 3, 4)}
    result = allocate_leads(needs, {"A": 2, "B": 10}, leads_per_need=1)
    assert [result.assignments[n][0].provider_ref for n in (1, 2, 3, 4)] == ["A", "A", "B", "B"]
    assert result.load == {"A": 2, "B": 2}
    assert result.capacity_skips == {"A": 2}


def test_allocation_counts_leads_already_given_this_month() -> None:
    needs = {1: [LeadCandidate("A", 1, 0.9), LeadCandidate("B", 2, 0.5)]}
    result = allocate_leads(needs, {"A": 5, "B": 5}, already_assigned={"A": 5}, leads_per_need=1)
    assert result.assignments[1][0].provider_ref == "B"
    zero = allocate_leads({1: [LeadCandidate("A", 1, 0.9)]}, {"A": 0})
    assert zero.assignments[1] == []


def test_allocation_breaks_ties_toward_less_exposed_providers() -> None:
    tied = {1: [LeadCandidate("A", 1, 0.90), LeadCandidate("B", 2, 0.89)]}
    result = allocate_leads(tied, {"A": 10, "B": 10}, already_assigned={"A": 5, "B": 1}, leads_per_need=1)
    assert result.assignments[1][0].provider_ref == "B"
    clear = {1: [LeadCandidate("A", 1, 0.90), LeadCandidate("B", 2, 0.80)]}
    result = allocate_leads(clear, {"A": 10, "B": 10}, already_assigned={"A": 5, "B": 1}, leads_per_need=1)
    assert result.assignments[1][0].provider_ref == "A"


def test_allocation_rounds_share_scarce_capacity_between_needs() -> None:
    candidates = [
        LeadCandidate("A", 1, 0.9),
        LeadCandidate("A", 9, 0.95),
        LeadCandidate("B", 2, 0.8),
        LeadCandidate("C", 3, 0.7),
    ]
    needs = {1: candidates, 2: candidates}
    result = allocate_leads(needs, {"A": 1, "B": 1, "C": 5}, leads_per_need=3)
    first, second = result.assignments[1], result.assignments[2]
    assert [(a.provider_ref, a.solution_id, a.round) for a in first] == [("A", 9, 1), ("C", 3, 2)]
    assert [(a.provider_ref, a.round) for a in second] == [("B", 1), ("C", 2)]
    assert result.load == {"A": 1, "B": 1, "C": 2}
    for leads in result.assignments.values():
        providers = [a.provider_ref for a in leads]
        assert len(providers) == len(set(providers))

