"""Migration 0004_match_reasons: stored matches get their reasons as codes, recomputed from the
need and the solution."""
from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from matching import selectors
from matching.engine import explain
from matching.models import Match
from tests.marketplace.factories import NeedFactory, SolutionFactory


@pytest.mark.django_db(transaction=True)
def test_stored_matches_get_reason_codes():
    need, solution = NeedFactory(), SolutionFactory()
    Match.objects.create(need=need, solution=solution, rank=1, score=0.5, components={}, reasons=[])
    expected = [r.as_dict() for r in explain(selectors.need_query(need), selectors.solution_facts(solution))]

    executor = MigrationExecutor(connection)
    executor.migrate([("matching", "0003_ranking_settings")])  # back to the texts, which are empty
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # forward again, to every app's latest

    assert expected and Match.objects.get().reasons == expected
