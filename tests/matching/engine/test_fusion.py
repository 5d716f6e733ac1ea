from __future__ import annotations

import pytest

from matching.engine.fusion import blend, fuse, minmax_normalize, rrf

DENSE = {1: 0.9, 2: 0.7, 3: 0.5}
LEXICAL = {1: 0.0, 2: 10.0, 4: 5.0}


def test_minmax_normalize() -> None:
    assert minmax_normalize(DENSE) == pytest.approx({1: 1.0, 2: 0.5, 3: 0.0})
    assert minmax_normalize({7: 3.0, 8: 3.0}) == {7: 1.0, 8: 1.0}
    assert minmax_normalize({7: 0.0, 8: 0.0}) == {7: 0.0, 8: 0.0}
    assert minmax_normalize({}) == {}


def test_blend_by_hand() -> None:
    fused = blend({"dense": DENSE, "lexical": LEXICAL}, {"dense": 0.6, "lexical": 0.4})
    assert fused == pytest.approx({1: 0.6, 2: 0.7, 3: 0.0, 4: 0.2})
    # Equal weights by default.
    assert blend({"dense": DENSE, "lexical": LEXICAL})[2] == pytest.approx(0.75)


def test_blend_ignores_weights_of_channels_not_run() -> None:
    fused = blend({"dense": DENSE}, {"dense": 0.6, "lexical": 0.4})
    assert fused == pytest.approx({1: 1.0, 2: 0.5, 3: 0.0})


def test_rrf_by_hand() -> None:
    fused = rrf({"dense": DENSE, "lexical": LEXICAL})
    best = 2 / 61
    assert fused[1] == pytest.approx((1 / 61 + 1 / 63) / best)
    assert fused[2] == pytest.approx((1 / 62 + 1 / 61) / best)
    assert fused[3] == pytest.approx((1 / 63) / best)
    assert fused[4] == pytest.approx((1 / 62) / best)
    assert max(fused, key=fused.__getitem__) == 2
    assert rrf({"dense": {5: 1.0}, "lexical": {5: 2.0}}) == pytest.approx({5: 1.0})


def test_rrf_weights_and_k() -> None:
    fused = rrf({"dense": DENSE, "lexical": LEXICAL}, {"dense": 3.0, "lexical": 1.0}, k=0)
    best = 3.0 / 1 + 1.0 / 1
    assert fused[1] == pytest.approx((3.0 / 1 + 1.0 / 3) / best)
    assert fused[4] == pytest.approx((1.0 / 2) / best)


def test_fuse_dispatches_by_name() -> None:
    channels = {"dense": DENSE, "lexical": LEXICAL}
    assert fuse(channels, method="blend") == blend(channels)
    assert fuse(channels, method="rrf") == rrf(channels)
    with pytest.raises(ValueError, match="unknown fusion method"):
        fuse(channels, method="max")
    with pytest.raises(ValueError, match="positive weight"):
        fuse(channels, {"dense": 0.0, "lexical": 0.0})
    with pytest.raises(ValueError, match=">= 0"):
        fuse(channels, {"dense": -1.0, "lexical": 1.0})


def test_blend_fuses_an_unseen_pair_from_the_channels_that_see_it() -> None:
    channels = {"dense": {1: 0.9, 2: 0.5, 3: 0.1}, "lexical": {1: 8.0, 2: 0.0, 3: 4.0}}
    weights = {"dense": 0.6, "lexical": 0.4}
    plain = blend(channels, weights)
    aware = blend(channels, weights, unseen={"lexical": {2}})
    # 2 cannot be matched by words: it keeps its dense relevance instead of 0.6 x it.
    assert plain[2] == pytest.approx(0.6 * 0.5)
    assert aware[2] == pytest.approx(0.5)
    # The others are fused as before: lexical is normalised over the pairs it can see.
    assert aware[1] == pytest.approx(1.0)
    assert aware[3] == pytest.approx(0.0)


def test_rrf_scales_an_unseen_pair_by_the_channels_that_see_it() -> None:
    channels = {"dense": {1: 0.9, 2: 0.5}, "lexical": {1: 3.0, 2: 0.0}}
    aware = rrf(channels, {"dense": 1.0, "lexical": 1.0}, k=60, unseen={"lexical": {2}})
    assert aware[1] == pytest.approx(1.0)
    assert aware[2] == pytest.approx(61 / 62)
