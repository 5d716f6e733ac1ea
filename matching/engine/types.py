"""The engine's inputs and outputs: what a need asks (``NeedQuery``), what a solution offers
(``SolutionFacts``), the ranking weights, display names, and a ranked, explained result.

Every type is a frozen dataclass of plain values; nothing here reads a database or a file.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Labels",
    "NeedQuery",
    "RankedResult",
    "RankingWeights",
    "Reason",
    "SolutionFacts",
    "normalize_city",
]


def normalize_city(name: str | None) -> str | None:
    """Prefecture-level city name with its 市 suffix (catalog files may omit it)."""
    if name is None:
        return None
    name = name.strip()
    if not name:
        return None
    return name if name.endswith("市") else name + "市"


def _frozen(values: Iterable[str] | None) -> frozenset[str]:
    return frozenset(v for v in (values or ()) if v)


@dataclass(frozen=True)
class NeedQuery:
    """What an enterprise asks for. ``None`` means the need does not say."""

    text: str
    budget_max: int | None = None
    industry: str | None = None
    city: str | None = None
    county: str | None = None
    timeline_weeks: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "city", normalize_city(self.city))
        object.__setattr__(self, "county", (self.county or "").strip() or None)
        object.__setattr__(self, "industry", (self.industry or "").strip() or None)
        if self.budget_max is not None and self.budget_max <= 0:
            raise ValueError("budget_max must be > 0")
        if self.timeline_weeks is not None and self.timeline_weeks <= 0:
            raise ValueError("timeline_weeks must be > 0")


@dataclass(frozen=True)
class SolutionFacts:
    """The structured facts of one catalog solution (see docs/catalog-format.md).

    ``industries`` empty with ``all_industries=True`` means ``*``; likewise ``regions`` and
    ``all_regions``. City names carry the 市 suffix (added if missing). ``cases_verified``: staff
    checked ``cases`` and ``case_industries`` (otherwise they are the provider's own word).
    """

    id: int
    ref: str
    provider_ref: str
    title: str
    provider_name: str
    price_min: int
    price_max: int
    deployment_weeks: int
    industries: frozenset[str] = frozenset()
    all_industries: bool = False
    regions: frozenset[str] = frozenset()
    all_regions: bool = False
    provider_city: str = ""
    provider_county: str | None = None
    cases: int = 0
    case_industries: frozenset[str] = frozenset()
    cases_verified: bool = False
    tier: str = "other"
    category: str = ""

    def __post_init__(self) -> None:
        # Tolerate the file notation "*" inside the sets by turning it into the flags.
        if "*" in (self.industries or ()):
            object.__setattr__(self, "all_industries", True)
        if "*" in (self.regions or ()):
            object.__setattr__(self, "all_regions", True)
        object.__setattr__(self, "industries", _frozen(i for i in self.industries if i != "*"))
        object.__setattr__(self, "regions", frozenset(normalize_city(r) or "" for r in self.regions if r != "*") - {""})
        object.__setattr__(self, "case_industries", _frozen(self.case_industries))
        object.__setattr__(self, "provider_city", normalize_city(self.provider_city) or "")
        object.__setattr__(self, "provider_county", (self.provider_county or "").strip() or None)
        if self.price_min < 0 or self.price_max < self.price_min:
            raise ValueError(f"solution {self.ref}: need 0 <= price_min <= price_max")
        if self.deployment_weeks < 0 or self.cases < 0:
            raise ValueError(f"solution {self.ref}: deployment_weeks and cases must be >= 0")


@dataclass(frozen=True)
class Labels:
    """Display names ``code -> (zh, en)`` for industries and categories (passed in, never read
    here); the indexed text of a solution carries them so a need can name its trade."""

    industries: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    categories: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def from_taxonomy(cls, taxonomy: Mapping[str, Any]) -> Labels:
        """Build from the parsed ``taxonomy.json`` mapping (scripts and benchmarks without a database)."""

        def pairs(key: str) -> dict[str, tuple[str, str]]:
            return {item["code"]: (item["zh"], item["en"]) for item in taxonomy.get(key, [])}

        return cls(industries=pairs("industries"), categories=pairs("categories"))

    def industry(self, code: str) -> tuple[str, str]:
        return self.industries.get(code, (code, code))

    def category(self, code: str) -> tuple[str, str]:
        return self.categories.get(code, (code, code))


@dataclass(frozen=True)
class RankingWeights:
    """Weights of the ranking; build from settings with :meth:`from_dict`. README ("Matching")
    has what each choice measured on the development set.

    relevance_floor (0.0): share of the score that structure cannot touch; 0 makes the score
        relevance x S, so structure is free to demote a candidate that cannot be bought or used
        in the need's trade.
    budget (0.30): a solution the enterprise cannot pay for will not be bought.
    industry (0.25): manufacturing know-how is industry specific (kilns are not looms).
    region (0.20): delivery and service are on site; providers mostly work locally.
    speed (0.10): matters when the need has a deadline, mildly otherwise.
    track_record (0.10): running customers reduce risk, but new providers must get a chance.
    tier (0.05): platform accreditation says little about fit; a tie-breaker.
    dense (0.6) / lexical (0.4): fusion weights of the retrieval channels; the dense channel
        carries paraphrases (老师傅看火 ~ 燃烧控制), the lexical one exact domain terms.
    hard_region_filter (on): drop candidates whose provider does not serve the need's city:
        service is on site, and the provider says it does not work there.
    hard_industry_filter: drop candidates neither listed for the need's industry, nor
        proven there, nor for every industry (default off: they are only penalised).
    term_focus: in the lexical channel, weight each word of the need by how much it tells the
        kind of problem rather than the trade (``focus.py``), since industry fit is scored
        structurally.
    category_feedback (0.3) / category_feedback_depth (10): pseudo-relevance feedback on the
        solution category: relevance is scaled by ``1 - f + f * share`` where share is the
        candidate category's part of the top ``depth`` fused scores (relative to the leading
        category).
    dense_language_alignment (0.75): the embedder scores a need lower against solutions
        written in the other language (Chinese / English); their dense scores are raised by
        this share of the gap between the need's mean score over its own language's solutions
        and over theirs, and the best of each language are retrieved. 0 turns it off.
    glossary_expansion (0.5): the lexical channel cannot match a Chinese need to an English
        solution (or the reverse); the concepts the need names in a bilingual domain glossary
        (``glossary.py``: 排产 / scheduling, APS; 仓库 / warehouse, WMS ...) add their terms in
        the other language to its lexical query, each counting this share of a word the need
        wrote (1.0 gained most across languages but cost the same-language needs). 0 turns it off.
    cross_language_fusion (off): fuse a pair whose need and solution are in different
        languages from the dense channel alone (the lexical channel cannot see it) instead of
        reading its lexical zero as evidence against it; measured and set aside (README).
    """

    relevance_floor: float = 0.0
    budget: float = 0.30
    industry: float = 0.25
    region: float = 0.20
    speed: float = 0.10
    track_record: float = 0.10
    tier: float = 0.05
    dense: float = 0.6
    lexical: float = 0.4
    hard_region_filter: bool = True
    hard_industry_filter: bool = False
    term_focus: bool = True
    category_feedback: float = 0.3
    category_feedback_depth: int = 10
    dense_language_alignment: float = 0.75
    glossary_expansion: float = 0.5
    cross_language_fusion: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.relevance_floor <= 1.0:
            raise ValueError("relevance_floor must be within [0, 1]")
        if not 0.0 <= self.category_feedback <= 1.0:
            raise ValueError("category_feedback must be within [0, 1]")
        if not 0.0 <= self.dense_language_alignment <= 1.0:
            raise ValueError("dense_language_alignment must be within [0, 1]")
        if not 0.0 <= self.glossary_expansion <= 1.0:
            raise ValueError("glossary_expansion must be within [0, 1]")
        if self.category_feedback_depth < 1:
            raise ValueError("category_feedback_depth must be >= 1")
        for name in ("budget", "industry", "region", "speed", "track_record", "tier", "dense", "lexical"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value < 0 or math.isnan(value):
                raise ValueError(f"weight {name} must be a number >= 0, got {value!r}")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None) -> RankingWeights:
        """Defaults overridden by ``values``; unknown keys are an error (typos must not pass)."""
        values = dict(values or {})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown ranking weights: {unknown}; known: {sorted(known)}")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @property
    def channel_weights(self) -> dict[str, float]:
        return {"dense": self.dense, "lexical": self.lexical}

    @property
    def component_weights(self) -> dict[str, float]:
        return {
            "budget_fit": self.budget,
            "industry_fit": self.industry,
            "region_fit": self.region,
            "speed_fit": self.speed,
            "track_record": self.track_record,
            "tier": self.tier,
        }


@dataclass(frozen=True)
class Reason:
    """One reason a solution fits (or does not fit) a need: a code from ``reasons.py`` and its
    parameters (codes, counts, place names as stored), with no language in it. The application
    renders it in the reader's language."""

    code: str
    params: Mapping[str, str | int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: ``{"code": ..., "params": {...}}``."""
        return {"code": self.code, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reason:
        return cls(code=data["code"], params=dict(data.get("params") or {}))


@dataclass(frozen=True)
class RankedResult:
    """One ranked solution with its explanation (maps onto the match output JSON)."""

    rank: int
    solution: SolutionFacts
    score: float
    components: dict[str, float]
    reasons: tuple[Reason, ...]
    over_budget: bool
