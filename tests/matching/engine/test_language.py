from matching.engine.language import terms_language, text_language


def test_text_language() -> None:
    assert text_language("仓库找货靠人记，想上个扫码出入库的系统") == "zh"
    assert text_language("Wavelog WMS Cloud - warehouse management for SMEs") == "en"


def test_terms_language_counts_occurrences() -> None:
    # An English product sheet indexed with its Chinese category and industry labels.
    assert terms_language({"类别": 1, "仓储物流": 1, "warehouse": 3, "bin": 2, "pick": 2}) == "en"
    assert terms_language({"仓库": 3, "扫码": 2, "wms": 1}) == "zh"
    assert terms_language({}) == "zh"
