"""Migration 0005_match_reasons: stored matches get their reasons as codes, recomputed from the
need and the solution."""
from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from matching import selectors
from matching.engine import explain
from matching.models import Match
from tests.marketplace.factories import NeedFactory, SolutionFactory

pytestmark = pytest.mark.django_db

match_reasons = importlib.import_module("matching.migrations.0005_match_reasons")


def test_stored_matches_get_reason_codes():
    need, solution = NeedFactory(), SolutionFactory()
    Match.objects.create(need=need, solution=solution, rank=1, score=0.5, components={}, reasons=[])
    expected = [r.as_dict() for r in explain(selectors.need_query(need), selectors.solution_facts(solution))]

    match_reasons.recompute_reasons(apps, schema_editor=None)  # the models it reads are the same today

    assert expected and Match.objects.get().reasons == expected
