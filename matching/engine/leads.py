"""Lead allocation: spread a month's leads over providers within their capacity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["LeadAllocation", "LeadAssignment", "LeadCandidate", "allocate_leads"]


@dataclass(frozen=True)
class LeadCandidate:
    """A provider (through one of its solutions) that could receive a need as a lead."""

    provider_ref: str
    solution_id: int
    score: float


@dataclass(frozen=True)
class LeadAssignment:
    need_id: int
    provider_ref: str
    solution_id: int
    score: float
    round: int


@dataclass
class LeadAllocation:
    """Result of :func:`allocate_leads`.

    assignments: need id -> leads given, best first.
    load: provider -> leads this month after allocation (including ``already_assigned``).
    capacity_skips: provider -> number of needs for which it was passed over because it was full.
    """

    assignments: dict[int, list[LeadAssignment]]
    load: dict[str, int]
    capacity_skips: dict[str, int]

def allocate_leads(
    needs: Mapping[int, Sequence[LeadCandidate]],
    capacity: Mapping[str, int],
    *,
    already_assigned: Mapping[str, int] | None = None,
    leads_per_need: int = 3,
    tie_margin: float = 0.02,
    default_capacity: int | None = None,
) -> LeadAllocation:
    """Give each need up to ``leads_per_need`` providers without exceeding any capacity.

    ``needs`` maps need ids (in priority order, e.g. oldest first) to their scored candidate
    solutions. ``capacity`` is each provider's monthly lead capacity, ``already_assigned`` the
    leads it has received this month; providers missing from ``capacity`` get
    ``default_capacity`` (None: unlimited).

    Leads are handed out in rounds: every need gets its best available provider before any
    need gets its second, so scarce capacity is shared between needs instead of the first
    needs taking it all. Within a need, a provider appears at most once (its best solution);
    providers at capacity are skipped; candidates within ``tie_margin`` of the best available
    score count as tied, and the tie goes to the least-exposed provider (lowest share of its
    capacity used, then fewest leads), so well-known providers do not take every lead.
    """
    if leads_per_need < 1:
        raise ValueError("leads_per_need must be >= 1")
    if tie_margin < 0:
        raise ValueError("tie_margin must be >= 0")
    load: dict[str, int] = dict(already_assigned or {})
    skips: dict[str, int] = {}

    def cap_of(provider: str) -> int | None:
        return capacity.get(provider, default_capacity)

    def has_room(provider: str) -> bool:
        cap = cap_of(provider)
        return cap is None or load.get(provider, 0) < cap

    def exposure(provider: str) -> tuple[float, int]:
        cap = cap_of(provider)
        used = load.get(provider, 0)
        return (used / cap if cap else 0.0, used)

    pools: dict[int, list[LeadCandidate]] = {}
    for need_id, candidates in needs.items():
        best: dict[str, LeadCandidate] = {}
        for cand in candidates:
            current = best.get(cand.provider_ref)
            if current is None or cand.score > current.score:
                best[cand.provider_ref] = cand
        pools[need_id] = sorted(best.values(), key=lambda c: (-c.score, c.provider_ref))

    assignments: dict[int, list[LeadAssignment]] = {need_id: [] for need_id in needs}
    for round_no in range(1, leads_per_need + 1):
        for need_id, pool in pools.items():
            available = []
            for cand in list(pool):
                if has_room(cand.provider_ref):
                    available.append(cand)
                else:
                    # Load only grows, so a full provider stays full: drop it for this need.
                    pool.remove(cand)
                    skips[cand.provider_ref] = skips.get(cand.provider_ref, 0) + 1
            if not available:
                continue
            top = available[0].score
            tied = [c for c in available if c.score >= top - tie_margin]
            chosen = min(tied, key=lambda c: (*exposure(c.provider_ref), -c.score, c.provider_ref))
            pool.remove(chosen)
            load[chosen.provider_ref] = load.get(chosen.provider_ref, 0) + 1
            assignments[need_id].append(
                LeadAssignment(need_id, chosen.provider_ref, chosen.solution_id, chosen.score, round_no)
            )
    return LeadAllocation(assignments=assignments, load=load, capacity_skips=skips)
