"""A solution text that is mostly a need's own words gains nothing from them (issue 13)."""

from __future__ import annotations

import pytest

from matching.engine.copies import COPY_SHARE_FULL, COPY_SHARE_START, copy_keep, hold_copies
from matching.engine.embedders import HashingEmbedder
from matching.engine.lexical import BM25Index
from matching.engine.pipeline import Matcher, document_text

from .helpers import LABELS, make_facts, make_query

NEED = "窑炉温度全靠老师傅看火，天然气费用一年比一年高"
KILN = "陶瓷窑炉智能燃烧优化：实时采集窑炉温度与燃气流量，自动调节空燃比，替代老师傅看火，降低天然气单耗"


def test_copy_keep_ramps_from_start_to_full() -> None:
    assert copy_keep(0.1) == copy_keep(COPY_SHARE_START) == 1.0
    assert copy_keep((COPY_SHARE_START + COPY_SHARE_FULL) / 2) == pytest.approx(0.5)
    assert copy_keep(COPY_SHARE_FULL) == copy_keep(0.95) == 0.0


def test_a_copy_is_held_to_the_best_honest_score_in_every_channel() -> None:
    channels = {"dense": {1: 0.90, 2: 0.94, 3: 0.80}, "lexical": {1: 9.0, 2: 20.0, 3: 2.0}}

    references = hold_copies(channels, {1: 0.2, 2: 0.9, 3: 0.1})

    assert channels == {"dense": {1: 0.90, 2: 0.90, 3: 0.80}, "lexical": {1: 9.0, 2: 9.0, 3: 2.0}}
    assert references == {1}


def test_honest_texts_and_copies_below_the_best_are_left_alone() -> None:
    channels = {"lexical": {1: 9.0, 2: 5.0}}
    assert hold_copies(channels, {1: 0.3, 2: 0.95}) == {1}
    assert channels == {"lexical": {1: 9.0, 2: 5.0}}  # the copy scores less than the best anyway
    alone = {"lexical": {2: 5.0}}
    assert hold_copies(alone, {2: 0.95}) == set() and alone == {"lexical": {2: 5.0}}  # nothing to hold it to


def test_query_share_is_the_part_of_a_document_made_of_the_query_s_words() -> None:
    index = BM25Index()
    index.add(1, document_text(make_facts(1, title="窑炉燃烧优化"), KILN, LABELS))
    index.add(2, "。".join([NEED] * 4))
    index.add(3, "MES生产执行系统：工单、排产、报工")

    shares = index.query_share(NEED, [1, 2, 3, 99])

    assert set(shares) == {1, 2, 3}
    assert shares[2] > 0.9 and shares[3] == 0.0
    assert 0.1 < shares[1] < COPY_SHARE_START


def test_a_solution_copying_the_need_does_not_outrank_the_real_one(hashing: HashingEmbedder) -> None:
    real = make_facts(1, title="窑炉燃烧优化", cases=12)
    stuffed = make_facts(2, title=NEED, provider_city="济南市", provider_county="历下区", regions=set(),
                         all_regions=True, industries=set(), all_industries=True, cases=5_000,
                         case_industries={"ceramics", "textile"}, cases_verified=False, tier="other",
                         price_min=20_000, price_max=60_000, deployment_weeks=1)  # fmt: skip
    other = make_facts(3, title="MES系统", category="mes", industries={"machinery"}, case_industries={"machinery"})
    matcher = Matcher(hashing, labels=LABELS)
    matcher.upsert_many([
        (real, document_text(real, KILN, LABELS)),
        (stuffed, document_text(stuffed, "。".join([NEED] * 4), LABELS)),
        (other, document_text(other, "MES生产执行系统：工单、排产、报工", LABELS)),
    ])  # fmt: skip

    results = matcher.search(make_query(text=NEED), top_k=3)

    assert [r.solution.id for r in results][:2] == [1, 2]
    held = results[1].components
    assert held["relevance"] == pytest.approx(results[0].components["relevance"])  # as relevant as the real one, no more
