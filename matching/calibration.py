"""What a match score means to the reader: the probability that a solution at that score is
fully relevant (graded 2 by the judges: it solves the stated problem and the deal can happen),
fitted on the judged development set.

The ranking score (relevance x structured fit) orders solutions well but its scale drifts with
the catalog and the need's wording: 0.4 may be the best a need gets or a weak tail. The
calibration maps it through an isotonic (monotone, piecewise constant) fit of the product's
top 10 on ``fixtures/dev`` against ``grade >= relevant_grade`` (2; the first fit counted 1s too
and read far too high on the blind set, whose judge gives 1 sparingly), stored as data in
``calibration.json`` (``python manage.py calibrate_matching`` refits it; check it on
``fixtures/blind``, never fit there). A result is *strong* when its probability reaches
``threshold``; the page and the API fold the rest under "more options", and the page states the
threshold (:meth:`Calibration.threshold_percent`), so the reason it gives follows the data.
"""
from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["CALIBRATION_FILE", "Calibration", "ReliabilityBin", "calibration", "fit_isotonic", "reliability"]

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
STRONG_THRESHOLD = 0.5
RELEVANT_GRADE = 2
RELIABILITY_EDGES = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)


@dataclass(frozen=True)
class Calibration:
    """``probability(score)`` is the fitted value of the highest step whose lower bound is at
    most ``score`` (steps sorted by bound; below the first bound: the first value)."""

    bounds: tuple[float, ...]
    values: tuple[float, ...]
    threshold: float = STRONG_THRESHOLD
    relevant_grade: int = RELEVANT_GRADE  # the judges' grade a probability is about (>=)

    def __post_init__(self) -> None:
        if not self.bounds or len(self.bounds) != len(self.values):
            raise ValueError("a calibration needs as many step values as bounds, at least one")
        if list(self.bounds) != sorted(self.bounds) or list(self.values) != sorted(self.values):
            raise ValueError("calibration bounds and values must both be non-decreasing")
        if not all(0.0 <= v <= 1.0 for v in self.values) or not 0.0 < self.threshold <= 1.0:
            raise ValueError("probabilities and the threshold must lie in [0, 1]")
        if self.relevant_grade not in (1, 2):
            raise ValueError("relevant_grade must be 1 (partly or fully relevant) or 2 (fully)")

    def probability(self, score: float) -> float:
        step = max(bisect.bisect_right(self.bounds, score) - 1, 0)
        return self.values[step]

    def is_strong(self, score: float) -> bool:
        return self.probability(score) >= self.threshold

    @property
    def threshold_percent(self) -> int:
        """The threshold as the whole percentage the page names (0.35 -> 35)."""
        return round(self.threshold * 100)

    def to_dict(self) -> dict:
        return {"bounds": list(self.bounds), "values": list(self.values), "threshold": self.threshold,
                "relevant_grade": self.relevant_grade}

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        return cls(tuple(map(float, data["bounds"])), tuple(map(float, data["values"])),
                   float(data.get("threshold", STRONG_THRESHOLD)), int(data.get("relevant_grade", 1)))


@dataclass(frozen=True)
class ReliabilityBin:
    """The results whose predicted probability falls in [low, high): how many, the mean
    prediction and the share that was relevant."""

    low: float
    high: float
    count: int
    predicted: float
    observed: float


def reliability(
    fitted: Calibration, scores: Sequence[float], relevant: Sequence[bool], edges: Sequence[float] = RELIABILITY_EDGES
) -> list[ReliabilityBin]:
    """Predicted against observed by bin of predicted probability (a reliability table); the
    last bin includes 1.0; empty bins are left out."""
    if len(scores) != len(relevant):
        raise ValueError("need as many labels as scores")
    rows = []
    for index, (low, high) in enumerate(zip(edges, edges[1:])):
        last = index == len(edges) - 2
        part = [(p, r) for p, r in ((fitted.probability(s), r) for s, r in zip(scores, relevant, strict=True))
                if low <= p < high or (last and p == high)]
        if part:
            rows.append(ReliabilityBin(low, high, len(part), sum(p for p, _ in part) / len(part),
                                       sum(r for _, r in part) / len(part)))
    return rows


def fit_isotonic(
    scores: Sequence[float],
    relevant: Sequence[bool],
    threshold: float = STRONG_THRESHOLD,
    relevant_grade: int = RELEVANT_GRADE,
) -> Calibration:
    """Pool-adjacent-violators: the non-decreasing step function of score that best fits the
    0/1 labels in squared error. Each step starts at the lowest score it pools."""
    if len(scores) != len(relevant) or not scores:
        raise ValueError("need as many labels as scores, at least one")
    blocks: list[list[float]] = []  # [lowest score, sum of labels, count]
    for score, label in sorted(zip(scores, relevant, strict=True)):
        blocks.append([float(score), float(label), 1.0])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            low, total, count = blocks.pop()
            blocks[-1][1] += total
            blocks[-1][2] += count
    return Calibration(
        tuple(b[0] for b in blocks), tuple(round(b[1] / b[2], 4) for b in blocks), threshold, relevant_grade
    )


@cache
def calibration() -> Calibration:
    """The shipped calibration (``calibration.json``)."""
    return Calibration.from_dict(json.loads(CALIBRATION_FILE.read_text(encoding="utf-8")))
