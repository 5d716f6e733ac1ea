"""Builders shared by the engine tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from matching.engine.types import Labels, NeedQuery, SolutionFacts

LABELS = Labels(
    industries={
        "ceramics": ("陶瓷", "Ceramics"),
        "chemical": ("化工", "Chemicals"),
        "machinery": ("机械装备", "Machinery and general equipment"),
        "refractory": ("耐火材料", "Refractory materials"),
        "automotive": ("汽车及零部件", "Automotive and parts"),
    },
    categories={
        "energy": ("能源管理与节能降碳", "Energy management and carbon reduction"),
        "mes": ("生产管控(MES)", "Production execution (MES)"),
        "quality": ("质量检测", "Quality inspection (incl. AI vision)"),
        "safety": ("安全生产与风险管控", "Production safety and risk control"),
    },
)


def make_facts(id: int = 1, **overrides: Any) -> SolutionFacts:
    """A solution that fits the default ``make_query`` need perfectly (its cases verified by
    staff), unless overridden."""
    values: dict[str, Any] = dict(
        id=id,
        ref=f"S{id:04d}",
        provider_ref=f"P{id:04d}",
        title=f"方案{id}",
        provider_name=f"服务商{id}",
        price_min=50_000,
        price_max=120_000,
        deployment_weeks=6,
        industries=frozenset({"ceramics"}),
        all_industries=False,
        regions=frozenset({"淄博市"}),
        all_regions=False,
        provider_city="淄博市",
        provider_county="博山区",
        cases=11,
        case_industries=frozenset({"ceramics"}),
        cases_verified=True,
        tier="provincial",
        category="energy",
    )
    values.update(overrides)
    return SolutionFacts(**values)


def make_query(**overrides: Any) -> NeedQuery:
    values: dict[str, Any] = dict(
        text="窑炉温度全靠老师傅看火，天然气费用一年比一年高",
        budget_max=150_000,
        industry="ceramics",
        city="淄博市",
        county="博山区",
        timeline_weeks=8,
    )
    values.update(overrides)
    return NeedQuery(**values)


def unit_rows(n: int, dim: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = rng.standard_normal((n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)
