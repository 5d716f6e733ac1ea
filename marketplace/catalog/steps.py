"""Step dependencies beside the taxonomy (``data/steps.json``): which solution categories build on
which, each edge with its reason in Chinese and English. Read by the phased plans
(``matching/plans.py``, ordering in ``matching/engine/plan.py``); README "Phased plans"."""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "steps.json"


@functools.cache
def read_steps(path: Path | str = DEFAULT_PATH) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def step_edges(path: Path | str = DEFAULT_PATH) -> list[dict[str, str]]:
    """``[{"before", "after", "zh", "en"}]``."""
    return list(read_steps(path)["edges"])


def edge_reason(before: str, after: str, language: str) -> str | None:
    """Why ``after`` builds on ``before``, in ``language`` (``en`` or Chinese), or None."""
    key = "en" if language.startswith("en") else "zh"
    for edge in step_edges():
        if edge["before"] == before and edge["after"] == after:
            return edge[key]
    return None
