"""Issue 10's runtime tests: work survives a missing worker, a killed worker, several web
processes and a broker outage, because what is pending is judged from the database."""
from __future__ import annotations

import io
import json
import signal
import urllib.error
import urllib.request

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from marketplace.catalog.models import Need, Solution
from marketplace.docking.models import Lead
from matching import services
from matching.models import Match, SolutionVector
from matching.status import matching_status
from tests.marketplace.factories import EnterpriseFactory, NeedFactory, ProviderFactory, SolutionFactory, UserFactory
from tests.runtime.conftest import wait_until

pytestmark = [pytest.mark.runtime, pytest.mark.django_db(transaction=True)]


def nothing_pending() -> bool:
    status = matching_status()
    return status["solutions_pending"] == 0 and status["needs_pending"] == 0


def match_refs(text: str) -> list[str]:
    out = io.StringIO()
    call_command("match", "--text", text, "--top", "5", "--json", stdout=out)
    return [row["solution_ref"] for row in json.loads(out.getvalue())["results"]]


def request(url: str, *, method: str = "GET", token: str | None = None, body: dict | None = None) -> tuple[int, object]:
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = json.dumps(body).encode() if body is not None else None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method, headers=headers), timeout=60) as r:
            raw = r.read()
            return r.status, json.loads(raw) if r.headers.get_content_type() == "application/json" else raw.decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def market():
    """A small built market: 8 solutions, 5 open needs, matched and stamped (as build_index leaves it)."""
    SolutionFactory.create_batch(8)
    enterprise = EnterpriseFactory()
    for number in range(5):
        NeedFactory(enterprise=enterprise, description=f"窑炉温度全靠老师傅看火，天然气费用高，第{number}号窑")
    services.index_build()
    services.need_matches_update()
    assert nothing_pending()
    return enterprise


def test_solutions_created_with_no_worker_are_pending_until_a_worker_indexes_them(stack, market):
    provider = ProviderFactory()
    for number in range(50):
        SolutionFactory(provider=provider, title=f"纺织车间扫码报工看板{number}号", category_id="mes",
                        description=f"工人扫码报工，订单进度看板，第{number}号车间生产透明。")
    status = matching_status()
    assert status["solutions_pending"] == 50
    assert status["oldest_pending_seconds"] is not None

    stack.worker()  # its start sweeps: everything pending is queued

    wait_until(nothing_pending, seconds=60, what="the worker indexes the 50 solutions")
    assert SolutionVector.objects.count() == 58
    assert "纺织车间扫码报工看板" in Solution.objects.get(ref=match_refs("纺织车间 扫码报工 看板")[0]).title


def test_a_worker_killed_mid_task_leaves_nothing_pending_or_duplicated_once_another_starts(stack, market):
    enterprise = market
    NeedFactory.create_batch(150, enterprise=enterprise)
    SolutionFactory.create_batch(20)
    first = stack.worker("first")
    first.wait_for("solutions_changed[")  # the sweep's job started...
    first.stop(signal.SIGKILL)  # ...and dies with it
    assert not nothing_pending()  # killed before finishing

    stack.worker("second")

    wait_until(nothing_pending, seconds=90, what="a new worker finishes the killed worker's work")
    open_needs = Need.objects.filter(status=Need.Status.OPEN)
    assert not open_needs.exclude(matches__isnull=False).exists()  # every need has its matches
    ranks = list(Match.objects.values_list("need_id", "rank"))
    assert len(ranks) == len(set(ranks))
    assert SolutionVector.objects.count() == Solution.objects.filter(is_active=True).count() == 28
    leads = list(Lead.objects.values_list("need_id", "solution_id"))
    assert len(leads) == len(set(leads))


def test_an_edit_through_one_web_process_is_found_through_another_without_a_rebuild(stack, market):
    kiln = Solution.objects.first()
    owner = UserFactory(provider=kiln.provider)
    buyer = UserFactory(enterprise=market)
    need = Need.objects.filter(enterprise=market).first()
    owner_token, buyer_token = Token.objects.create(user=owner).key, Token.objects.create(user=buyer).key
    (web_a, url_a), (web_b, url_b) = stack.web(), stack.web()
    stack.worker()
    matches = f"{url_b}/api/needs/{need.ref}/matches/?include_over_budget=true&top=50"
    status, before = request(matches, token=buyer_token)  # B loads its index now
    assert status == 200, before
    assert [row["over_budget"] for row in before if row["solution"]["ref"] == kiln.ref] == [False]

    status, body = request(f"{url_a}/api/solutions/{kiln.ref}/", method="PATCH", token=owner_token,
                           body={"price_min": 900_000, "price_max": 1_000_000})  # now over the need's budget
    assert status == 200, body

    def found_over_budget():  # the flag comes from B's in-memory index, not from the row
        status, rows = request(matches, token=buyer_token)
        return status == 200 and [row["over_budget"] for row in rows if row["solution"]["ref"] == kiln.ref] == [True]

    wait_until(found_over_budget, seconds=30, what="B's search reflects the edit made through A", every=0.5,
               stack=stack)
    assert "Rebuilding" not in web_a.output + web_b.output
    assert "Traceback" not in web_a.output + web_b.output


def test_with_redis_stopped_pages_and_the_api_answer_and_writes_commit_then_nothing_is_lost(stack, market):
    buyer = UserFactory(enterprise=market)
    token = Token.objects.create(user=buyer).key
    web, url = stack.web()
    stack.redis.stop()
    try:
        assert request(f"{url}/solutions/")[0] == 200
        assert request(f"{url}/api/solutions/")[0] == 200
        status, body = request(f"{url}/api/needs/", method="POST", token=token,
                               body={"title": "窑炉看火", "description": "窑炉温度全靠老师傅看火，想要自动控制", "budget_max": 200000})
        assert status == 201, body
        posted = Need.objects.get(ref=body["ref"])  # committed
        assert not Match.objects.filter(need=posted).exists()
        assert matching_status()["needs_pending"] == 1
        assert "not queued" in web.output
    finally:
        stack.redis.start()

    stack.worker()  # its start sweeps

    wait_until(nothing_pending, seconds=60, what="the need posted during the outage is matched")
    assert Match.objects.filter(need=posted).exists()


def test_the_embedded_default_sweeps_in_process_and_loses_nothing(stack, market):
    """README's first command: no broker, no worker. Work lost with a previous process (here:
    written with no job at all) is found by the web process's sweeper thread once it serves."""
    SolutionFactory(title="纺织车间扫码报工看板", category_id="mes", description="工人扫码报工，订单进度看板。")
    Need.objects.filter(enterprise=market).update(budget_max=180_000)
    assert not nothing_pending()
    web, url = stack.web(MATCHING_JOBS="thread", MATCHING_SWEEP_SECONDS="1", CELERY_BROKER_URL="redis://127.0.0.1:1/0")

    assert request(f"{url}/solutions/")[0] == 200  # serving starts the sweeper

    wait_until(nothing_pending, seconds=30, what="the sweeper thread does the pending work", stack=stack)
    assert "Traceback" not in web.output
