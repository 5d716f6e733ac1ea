"""Score -> probability of relevance: the isotonic fit, the shipped calibration, and which
matches are strong (shown) or folded under "more options"."""
from __future__ import annotations

import pytest

from matching import calibration as module
from matching.calibration import Calibration, calibration, fit_isotonic, reliability


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
    assert shipped.threshold == 0.5 and shipped.threshold_percent == 50
    assert shipped.relevant_grade == 2  # the probability of a full fit (grade 2), not of any relevance
    assert shipped.probability(0.05) < 0.5 <= shipped.probability(0.8)
    probabilities = [shipped.probability(s / 100) for s in range(101)]
    assert probabilities == sorted(probabilities)


def test_the_grade_a_calibration_is_about_is_stored_and_older_files_mean_grade_1() -> None:
    fitted = fit_isotonic([0.1, 0.9], [False, True], threshold=0.35, relevant_grade=2)
    assert Calibration.from_dict(fitted.to_dict()) == fitted
    assert fitted.threshold_percent == 35
    assert Calibration.from_dict({"bounds": [0.0], "values": [0.5]}).relevant_grade == 1
    with pytest.raises(ValueError):
        Calibration((0.0,), (0.5,), relevant_grade=3)


def test_reliability_compares_predicted_and_observed_by_bin() -> None:
    calibrated = Calibration(bounds=(0.0, 0.5), values=(0.05, 0.8))
    rows = reliability(calibrated, [0.1, 0.2, 0.6, 0.7, 0.9], [False, True, True, False, True], edges=(0.0, 0.5, 1.0))
    assert [(r.low, r.high, r.count) for r in rows] == [(0.0, 0.5, 2), (0.5, 1.0, 3)]
    assert rows[0].predicted == pytest.approx(0.05) and rows[0].observed == pytest.approx(0.5)
    assert rows[1].predicted == pytest.approx(0.8) and rows[1].observed == pytest.approx(2 / 3)
    # a probability of exactly 1.0 falls in the last bin; empty bins are left out
    certain = Calibration(bounds=(0.0,), values=(1.0,))
    assert [(r.low, r.count) for r in reliability(certain, [0.3], [True], edges=(0.0, 0.5, 1.0))] == [(0.5, 1)]
