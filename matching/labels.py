"""Staff judgements of (need, solution) pairs: they feed the offline evaluation."""
from __future__ import annotations

from django.db import transaction

from marketplace.catalog.models import AuditEvent, Need
from matching.models import MatchLabel


@transaction.atomic
def match_label_set(*, actor, need: Need, solution, grade: int, note: str = "") -> MatchLabel:
    """Record (or revise) a staff judgement of a (need, solution) pair; it feeds the evaluation."""
    label = MatchLabel.objects.filter(need=need, solution=solution).first() or MatchLabel(need=need, solution=solution)
    label.grade, label.note, label.labelled_by = grade, note.strip(), actor
    label.full_clean()
    label.save()
    AuditEvent.objects.create(
        actor=actor, action="match.labelled", need=need, data={"solution": solution.ref, "grade": grade}
    )
    return label


def labelled_qrels() -> dict[str, dict[str, int]]:
    """The staff labels as qrels: need_ref -> solution_ref -> grade."""
    qrels: dict[str, dict[str, int]] = {}
    for need_ref, solution_ref, grade in MatchLabel.objects.values_list("need__ref", "solution__ref", "grade"):
        qrels.setdefault(need_ref, {})[solution_ref] = grade
    return qrels
