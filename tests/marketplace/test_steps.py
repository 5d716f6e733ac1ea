"""The step dependencies beside the taxonomy are well formed."""
from __future__ import annotations

from marketplace.catalog.steps import edge_reason, step_edges
from marketplace.catalog.taxonomy import read_taxonomy
from matching.engine.plan import dependencies_from


def test_every_edge_joins_two_known_categories_with_a_reason_in_both_languages() -> None:
    categories = {item["code"] for item in read_taxonomy()["categories"]}
    edges = step_edges()
    assert len(edges) >= 15
    pairs = [(edge["before"], edge["after"]) for edge in edges]
    assert len(set(pairs)) == len(pairs)
    for edge in edges:
        assert {edge["before"], edge["after"]} <= categories
        assert edge["zh"] and any("\u4e00" <= ch <= "\u9fff" for ch in edge["zh"])
        assert edge["en"] and edge["en"].isascii()


def test_the_dependencies_have_no_cycle_and_follow_the_examples_of_the_issue() -> None:
    deps = dependencies_from(step_edges())  # raises on a cycle
    assert deps.requires("energy", "iot_cloud")  # connect and collect before energy monitoring
    assert deps.requires("digital_twin", "energy")  # monitoring before process optimisation
    assert deps.requires("mes", "erp")  # an ERP before scheduling
    assert not deps.requires("iot_cloud", "digital_twin")
    assert edge_reason("energy", "digital_twin", "en").startswith("Monitor energy use first")
    assert edge_reason("energy", "digital_twin", "zh-hans").startswith("先把能耗监测起来")
    assert edge_reason("digital_twin", "energy", "en") is None
