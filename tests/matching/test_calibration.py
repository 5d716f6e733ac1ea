"""Score -> probability of relevance: the isotonic fit, the shipped calibration, and which
matches are strong (shown) or folded under "more options"."""
from __future__ import annotations

import pytest

from matching import calibration as module
from matching.calibration import Calibration, calibration, fit_isotonic


def test_isotonic_fit_pools_violators_into_a_monotone_step_function() -> None:
    fitted = fit_isotonic([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [False, True, False, False, True, True])
    # 0.1 alone (0); 0.2-0.4 pooled (1 of 3); 0.5-0.6 (2 of 2)
    assert fitted.bounds == (0.1, 0.2, 0.5)
    assert fitted.values == (0.0, pytest.approx(0.3333), 1.0)
    assert [fitted.probability(s) for s in (0.0, 0.1, 0.35, 0.55, 0.9)] == [0.0, 0.0, pytest.approx(0.3333), 1.0, 1.0]


def test_strong_means_at_least_the_threshold() -> None:
    calibrated = Calibration(bounds=(0.0, 0.3, 0.6), values=(0.1, 0.5, 0.9), threshold=0.5)
    assert [calibrated.is_strong(s) for s in (0.1, 0.29, 0.3, 0.7)] == [False, False, True, True]
    assert Calibration.from_dict(calibrated.to_dict()) == calibrated


@pytest.mark.parametrize(
    ("bounds", "values"),
    [((), ()), ((0.2, 0.1), (0.1, 0.2)), ((0.1, 0.2), (0.5, 0.4)), ((0.1,), (1.5,)), ((0.1, 0.2), (0.5,))],
)
def test_a_broken_calibration_is_refused(bounds, values) -> None:
    with pytest.raises(ValueError):
        Calibration(bounds, values)


def test_the_shipped_calibration_is_monotone_and_folds_low_scores() -> None:
    shipped = calibration()
    assert module.CALIBRATION_FILE.name == "calibration.json"
    assert shipped.threshold == 0.5
    assert shipped.probability(0.05) < 0.5 <= shipped.probability(0.8)
    probabilities = [shipped.probability(s / 100) for s in range(101)]
    assert probabilities == sorted(probabilities)
