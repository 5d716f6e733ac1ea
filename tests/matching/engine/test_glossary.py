"""The bilingual domain glossary of the lexical channel: its file, and which terms a need adds."""
from __future__ import annotations

import pytest

from matching.engine.glossary import Glossary, glossary

SMALL = Glossary.parse(["# comment", "", "排产;插单 | scheduling;APS", "仓库 | warehouse;WMS", "能耗 | energy"])


def test_a_chinese_need_adds_the_english_terms_of_the_concepts_it_names() -> None:
    assert SMALL.translations("插单一来排产就乱，仓库也找不到货", "zh") == ["scheduling", "APS", "warehouse", "WMS"]
    assert SMALL.translations("窑炉温度不稳", "zh") == []


def test_an_english_need_adds_the_chinese_terms_by_whole_words_case_insensitively() -> None:
    assert SMALL.translations("Our Warehouse needs a WMS and APS scheduling", "en") == ["排产", "插单", "仓库"]
    # "energy" inside another word is not the concept
    assert SMALL.translations("synergy between lines", "en") == []


@pytest.mark.parametrize("line", ["排产 scheduling", "排产 | scheduling | APS", " | scheduling", "排产 | "])
def test_a_broken_line_is_refused_with_its_number(line: str) -> None:
    with pytest.raises(ValueError, match="line 2"):
        Glossary.parse(["# header", line])


def test_the_shipped_glossary_covers_the_issue_examples() -> None:
    shipped = glossary()
    assert len(shipped.concepts) >= 40
    assert {"scheduling", "APS"} <= set(shipped.translations("想自动排产", "zh"))
    assert "WMS" in shipped.translations("仓库找货难", "zh")
    assert "quotation" in shipped.translations("报价太慢", "zh")
    assert "energy consumption" in shipped.translations("能耗太高", "zh")
    assert "能耗" in shipped.translations("We want to cut energy consumption", "en")
