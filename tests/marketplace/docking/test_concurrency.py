"""Matcher and lead writes racing each other on PostgreSQL (row and advisory locks are what is
tested, so these tests are skipped on SQLite; CI runs PostgreSQL). Each race is staged with
events so the interleaving that broke the old code happens every time, not by luck."""
from __future__ import annotations

import threading

import pytest
from django.db import connection

from marketplace.catalog.models import Need, Solution
from marketplace.docking.models import Lead, Notification, Proposal
from marketplace.docking.services import leads as leads_module
from marketplace.docking.services import workflow
from matching import selectors
from matching import services as matching
from matching.models import Match
from tests.marketplace.factories import NeedFactory, ProviderFactory, SolutionFactory, UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row and advisory locks need PostgreSQL (CI runs it)"),
]
STAGE_TIMEOUT = 3.0  # seconds a staged thread waits for the other before going on alone


class Worker(threading.Thread):
    """A thread with its own database connection that keeps the exception it died of."""

    def __init__(self, name: str, target) -> None:
        super().__init__(name=name, daemon=True)
        self.work, self.error = target, None

    def run(self) -> None:
        try:
            self.work()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.error = error
        finally:
            connection.close()


def _matched(need: Need, *solutions: Solution, score: float = 0.9) -> None:
    for rank, solution in enumerate(solutions, start=1):
        Match.objects.create(need=need, solution=solution, rank=rank, score=score - rank / 100)


@pytest.fixture
def hold_first_allocation(monkeypatch):
    """Thread "A" stops between reading the database and writing its leads until ``release``
    is set (or STAGE_TIMEOUT passes: with a lock, the other thread cannot finish meanwhile)."""
    read, release = threading.Event(), threading.Event()
    real = leads_module.allocate_leads

    def staged(*args, **kwargs):
        if threading.current_thread().name == "A":
            read.set()
            release.wait(STAGE_TIMEOUT)
        return real(*args, **kwargs)

    monkeypatch.setattr(leads_module, "allocate_leads", staged)
    return read, release


def _race(first, second, read: threading.Event, release: threading.Event, between=lambda: None) -> None:
    a = Worker("A", first)
    a.start()
    assert read.wait(10), "thread A never reached the allocation"
    between()
    b = Worker("B", second)
    b.start()
    b.join(STAGE_TIMEOUT)  # finishes at once without a lock; waits for A's commit with one
    release.set()
    a.join(30)
    b.join(30)
    assert a.error is None and b.error is None, (a.error, b.error)


def test_two_allocations_at_once_never_exceed_a_providers_capacity(reference_data, hold_first_allocation):
    popular = ProviderFactory(lead_capacity=1)
    other = ProviderFactory(lead_capacity=100)
    kiln, spare = SolutionFactory(provider=popular), SolutionFactory(provider=other)
    older, newer = NeedFactory(), NeedFactory()  # older has the lower id: allocation takes it first
    _matched(newer, kiln, spare)

    def more_matches() -> None:  # A read the database before these: B sees both needs, A one
        _matched(older, kiln, spare)

    _race(leads_module.leads_allocate, leads_module.leads_allocate, *hold_first_allocation, between=more_matches)

    assert Lead.objects.filter(provider=popular).count() == 1
    assert set(Lead.objects.values_list("need", flat=True)) == {older.pk, newer.pk}


def test_two_allocations_at_once_announce_only_the_leads_they_wrote(reference_data, hold_first_allocation):
    provider = ProviderFactory(lead_capacity=10)
    UserFactory(provider=provider)
    need = NeedFactory()
    _matched(need, SolutionFactory(provider=provider))
    created = []

    def allocate() -> None:
        created.append(leads_module.leads_allocate())

    _race(allocate, allocate, *hold_first_allocation)

    assert Lead.objects.count() == 1
    assert sorted(created) == [0, 1]
    assert Notification.objects.filter(kind=Notification.Kind.NEW_LEAD).count() == 1


@pytest.fixture
def staged_refresh(monkeypatch):
    """Both refreshing threads finish searching before either stores its rows."""
    both_searched = threading.Barrier(2, timeout=STAGE_TIMEOUT)
    real = selectors.need_query

    def staged(need):
        query = real(need)
        if threading.current_thread().name in {"A", "B"}:
            try:
                both_searched.wait()
            except threading.BrokenBarrierError:
                pass
        return query

    monkeypatch.setattr(selectors, "need_query", staged)
    return both_searched


def _stored(need: Need) -> list[tuple[int, int]]:
    return list(Match.objects.filter(need=need).order_by("rank").values_list("rank", "solution_id"))


def test_rematching_one_need_twice_at_once_stores_one_set_of_rows(reference_data, built, staged_refresh):
    need = Need.objects.get(ref="N-1")
    matching.need_matches_refresh(needs=[need])
    expected = _stored(need)
    assert expected

    def refresh() -> None:
        matching.need_matches_refresh(needs=[Need.objects.get(pk=need.pk)])

    a, b = Worker("A", refresh), Worker("B", refresh)
    a.start(), b.start()
    a.join(30), b.join(30)

    assert a.error is None and b.error is None, (a.error, b.error)
    assert _stored(need) == expected


def test_a_full_rematch_and_a_targeted_one_at_once_store_one_set_of_rows(reference_data, built, staged_refresh):
    need = Need.objects.get(ref="N-1")
    second = NeedFactory(enterprise=need.enterprise)
    matching.need_matches_refresh()
    expected = {n.pk: _stored(n) for n in (need, second)}

    a = Worker("A", lambda: matching.need_matches_refresh())
    b = Worker("B", lambda: matching.need_matches_refresh(needs=list(Need.objects.filter(pk__in=[second.pk, need.pk]))))
    a.start(), b.start()
    a.join(30), b.join(30)

    assert a.error is None and b.error is None, (a.error, b.error)
    assert {n.pk: _stored(n) for n in (need, second)} == expected


def test_accepting_a_proposal_while_rematching_breaks_nothing(reference_data, built, staged_refresh):
    need = Need.objects.get(ref="N-1")
    owner = UserFactory(enterprise=need.enterprise)
    solution = Solution.objects.get(ref="S-KILN")
    proposal = Proposal.objects.create(need=need, provider=solution.provider, solution=solution, price_quote=90_000, weeks=6)
    matching.need_matches_refresh()
    expected = _stored(need)

    def accept() -> None:
        staged_refresh.wait()  # the refresh has searched and is about to lock and replace the rows
        workflow.proposal_accept(actor=owner, proposal=proposal)

    a, b = Worker("A", lambda: matching.need_matches_refresh()), Worker("accept", accept)
    a.start(), b.start()
    a.join(30), b.join(30)

    assert a.error is None and b.error is None, (a.error, b.error)
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.ACCEPTED
    assert _stored(need) == expected
