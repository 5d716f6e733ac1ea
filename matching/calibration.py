"""What a match score means to the reader: the probability that a solution at that score is
relevant (graded 1 or 2 by the judges), fitted on the judged development set.

The ranking score (relevance x structured fit) orders solutions well but its scale drifts with
the catalog and the need's wording: 0.4 may be the best a need gets or a weak tail. The
calibration maps it through an isotonic (monotone, piecewise constant) fit of the product's
top 10 on ``fixtures/dev`` against ``grade >= 1``, stored as data in ``calibration.json``
(``python manage.py calibrate_matching`` refits it; check it on ``fixtures/blind``, never fit
there). A result is *strong* when its probability reaches ``threshold`` (0.5: more likely
relevant than not); the page and the API fold the rest under "more options".
"""
from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["CALIBRATION_FILE", "Calibration", "calibration", "fit_isotonic"]

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
STRONG_THRESHOLD = 0.5


@dataclass(frozen=True)
class Calibration:
    """``probability(score)`` is the fitted value of the highest step whose lower bound is at
    most ``score`` (steps sorted by bound; below the first bound: the first value)."""

    bounds: tuple[float, ...]
    values: tuple[float, ...]
    threshold: float = STRONG_THRESHOLD

    def __post_init__(self) -> None:
        if not self.bounds or len(self.bounds) != len(self.values):
            raise ValueError("a calibration needs as many step values as bounds, at least one")
        if list(self.bounds) != sorted(self.bounds) or list(self.values) != sorted(self.values):
            raise ValueError("calibration bounds and values must both be non-decreasing")
        if not all(0.0 <= v <= 1.0 for v in self.values) or not 0.0 < self.threshold <= 1.0:
            raise ValueError("probabilities and the threshold must lie in [0, 1]")

    def probability(self, score: float) -> float:
        step = max(bisect.bisect_right(self.bounds, score) - 1, 0)
        return self.values[step]

    def is_strong(self, score: float) -> bool:
        return self.probability(score) >= self.threshold

    def to_dict(self) -> dict:
        return {"bounds": list(self.bounds), "values": list(self.values), "threshold": self.threshold}

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        return cls(tuple(map(float, data["bounds"])), tuple(map(float, data["values"])),
                   float(data.get("threshold", STRONG_THRESHOLD)))


def fit_isotonic(scores: Sequence[float], relevant: Sequence[bool], threshold: float = STRONG_THRESHOLD) -> Calibration:
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
    return Calibration(tuple(b[0] for b in blocks), tuple(round(b[1] / b[2], 4) for b in blocks), threshold)


@cache
def calibration() -> Calibration:
    """The shipped calibration (``calibration.json``)."""
    return Calibration.from_dict(json.loads(CALIBRATION_FILE.read_text(encoding="utf-8")))
