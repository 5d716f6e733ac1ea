"""The administrator's pages: who may see them, that they render in both languages whatever the
query string, that labelling moves the dashboard, that a weights preview writes nothing, and the
CSV export of the demand table."""
from __future__ import annotations

import csv
import io
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command

from marketplace.catalog import models
from matching.evaluation import VARIANTS
from matching.explain import render
from matching.models import Match, MatchLabel, RankingSettings
from tests.marketplace.pages import english_words
from tests.marketplace.staff_data import load_staff_marketplace

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    "/staff/",
    "/staff/review/",
    "/staff/weights/",
    "/staff/clusters/",
    "/staff/clusters.csv",
]
GARBAGE = [
    "/staff/?refresh=<script>&page=-1",
    "/staff/review/?skip=abc",
    "/staff/review/?skip=-5",
    "/staff/review/?skip=99999999999999999999",
    "/staff/review/?skip=%00",
    "/staff/weights/?budget=abc",
    "/staff/clusters/?city=火星市",
    "/staff/clusters/?city=<b>&city=淄博市",
    "/staff/clusters/?city=%E2%80%AE",
    "/staff/clusters.csv?city=不存在",
]
# Technical abbreviations the evaluation shows in both languages (like MES in the category names).
ABBREVIATIONS = {"nDCG", "MRR", "CSV"}


@pytest.fixture
def marketplace(tmp_path):
    cache.clear()
    load_staff_marketplace(tmp_path)
    call_command("seed_demo", verbosity=0)
    yield
    cache.clear()


@pytest.fixture
def allowed() -> set[str]:
    words = {"English"} | ABBREVIATIONS
    for model in (models.Category, models.Industry, models.Tier, models.DeliveryMode, models.SpecializedLevel):
        for name in model.objects.values_list("name_zh", flat=True):
            words.update(re.findall(r"[A-Za-z]{2,}", name))
    return words


def login(client, username: str, language: str = "zh-hans"):
    client.force_login(models.User.objects.get(username=username))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


# ------------------------------------------------------------------ permissions


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, marketplace, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("username", ["demo-enterprise", "demo-provider"])
@pytest.mark.parametrize("url", STAFF_PAGES)
def test_users_who_are_not_staff_get_403(client, marketplace, username, url):
    response = login(client, username).get(url)

    assert response.status_code == 403
    assert "此页面仅供平台管理员使用" in response.content.decode()


def test_non_staff_cannot_label_or_save_weights(client, marketplace):
    login(client, "demo-enterprise")
    match = Match.objects.first()

    assert client.post("/staff/review/", {"match": match.pk, "grade": 2}).status_code == 403
    assert client.post("/staff/weights/", {"action": "save", "budget": "0.9"}).status_code == 403
    assert not MatchLabel.objects.exists() and not RankingSettings.objects.exists()


def test_only_staff_see_the_nav_link(client, marketplace):
    assert "/staff/" not in login(client, "demo-enterprise").get("/").content.decode()
    assert 'href="/staff/"' in login(client, "demo-admin").get("/").content.decode()


# -------------------------------------------------------------- robustness


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_staff_page_renders_for_staff(client, marketplace, allowed, language):
    login(client, "demo-admin", language)
    for url in STAFF_PAGES + GARBAGE:
        response = client.get(url)
        body = response.content.decode("utf-8-sig")

        assert response.status_code == (400 if "%00" in url else 200), url  # a NUL is refused at the edge
        assert settings.TEMPLATE_INVALID_MARKER not in body, (url, re.findall(r"TEMPLATE-VARIABLE-MISSING\[[^\]]*\]", body))
        if url.startswith("/staff/clusters.csv"):
            continue
        assert response["Content-Language"] == language, url
        if language == "zh-hans":
            typed = set(re.findall(r"[A-Za-z]{2,}", url.partition("?")[2]))
            assert english_words(body, allowed | typed) == [], url
        else:
            assert "Match quality" in body and "Log out" in body, url


def test_garbage_posts_never_fail(client, marketplace):
    login(client, "demo-admin")
    posts = [
        ("/staff/review/", {}),
        ("/staff/review/", {"match": "abc", "grade": "7"}),
        ("/staff/review/?skip=x", {"match": "999999", "grade": "2"}),
        ("/staff/review/", {"match": Match.objects.first().pk, "grade": "2", "note": "x" * 600}),
        ("/staff/weights/", {"action": "save", "budget": "-1"}),
        ("/staff/weights/", {"action": "preview", "relevance_floor": "3", "category_feedback_depth": "0"}),
        ("/staff/weights/", {"action": "delete"}),
        ("/staff/", {"anything": "1"}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code in (200, 302), (url, data)
    assert not MatchLabel.objects.exists()
    assert not RankingSettings.objects.exists()


def test_weights_form_errors_are_shown_in_the_page(client, marketplace):
    response = login(client, "demo-admin").post("/staff/weights/", {"action": "save", "budget": "abc", "relevance_floor": "2"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "请输入一个数字" in body or "输入一个数字" in body
    assert not RankingSettings.objects.exists()


# ------------------------------------------------------------------ dashboard


def test_dashboard_shows_the_evaluation_of_every_variant_and_when_it_was_computed(client, marketplace):
    body = login(client, "demo-admin").get("/staff/").content.decode()

    assert body.count('data-variant="') == len(VARIANTS)  # the development set; no labels yet
    assert "融合 + 结构化排序（加权）" in body and "线上使用" in body
    assert "计算于" in body
    assert "还没有管理员标注" in body
    assert 'data-step="contracted"' in body and "<polyline" in body


def test_the_evaluation_is_cached_until_a_label_changes(client, marketplace, django_assert_max_num_queries):
    login(client, "demo-admin").get("/staff/")
    assert "缓存结果" in client.get("/staff/").content.decode()

    match = Match.objects.order_by("rank").first()
    client.post("/staff/review/", {"match": match.pk, "grade": "0"})
    body = client.get("/staff/").content.decode()
    assert "缓存结果" not in body  # the labels stamp changed: computed again, with the labels table
    assert body.count('data-variant="') == 2 * len(VARIANTS)


def test_recompute_button_refreshes_the_cache(client, marketplace):
    login(client, "demo-admin").get("/staff/")
    response = client.post("/staff/", follow=True)

    assert "离线评估已重新计算" in response.content.decode()


def test_dashboard_without_an_index_says_how_to_build_it(client, db, settings):
    models.User.objects.create_user("admin-only", password="x", is_staff=True)
    settings.MATCHING = {**settings.MATCHING, "AUTO_REBUILD": False}
    cache.clear()
    body = login(client, "admin-only").get("/staff/").content.decode()

    assert "匹配索引尚未建立" in body


# ---------------------------------------------------------------- review queue


def test_labelling_shows_the_next_item_and_changes_the_dashboard(client, marketplace):
    login(client, "demo-admin")
    before = client.get("/staff/").content.decode()
    assert re.search(r'data-figure="labels">0<', before)

    page = client.get("/staff/review/").content.decode()
    first = Match.objects.get(pk=int(re.search(r'name="match" value="(\d+)"', page)[1]))
    assert first.rank == 1
    assert first.need.title in page and first.solution.title in page
    assert render(first.reasons)[0] in page

    response = client.post("/staff/review/", {"match": first.pk, "grade": "1", "note": "  行业对，但报价偏高 "}, follow=True)
    body = response.content.decode()
    label = MatchLabel.objects.get()
    assert (label.need, label.solution, label.grade, label.note) == (first.need, first.solution, 1, "行业对，但报价偏高")
    assert label.labelled_by.username == "demo-admin"
    following = int(re.search(r'name="match" value="(\d+)"', body)[1])
    assert following != first.pk
    assert "已标注为“部分相关”" in body

    after = client.get("/staff/").content.decode()
    assert re.search(r'data-figure="labels">1<', after)
    assert re.search(r'data-figure="useful">100.0%<', after)


def test_the_queue_puts_top_ranks_of_recent_needs_first(client, marketplace):
    from matching import quality

    queue = list(quality.review_queue()[:30])
    ranks = [m.rank for m in queue]
    assert ranks == sorted(ranks)
    firsts = [m.need.created_at for m in queue if m.rank == 1]
    assert firsts == sorted(firsts, reverse=True)


def test_an_irrelevant_label_lists_the_solution_under_failures(client, marketplace):
    login(client, "demo-admin")
    match = Match.objects.order_by("rank").first()
    client.post("/staff/review/", {"match": match.pk, "grade": "0"})

    body = client.get("/staff/").content.decode()
    section = body.split('id="irrelevant-title"')[1]
    assert match.solution.title in section


def test_skipping_moves_through_the_queue(client, marketplace):
    login(client, "demo-admin")
    first = re.search(r'name="match" value="(\d+)"', client.get("/staff/review/").content.decode())[1]
    second = re.search(r'name="match" value="(\d+)"', client.get("/staff/review/?skip=1").content.decode())[1]

    assert first != second


def test_an_empty_queue_says_so(client, marketplace):
    Match.objects.all().delete()
    body = login(client, "demo-admin").get("/staff/review/").content.decode()

    assert "没有待标注的匹配" in body


# ------------------------------------------------------------------- weights


def _weights_post(**changes) -> dict:
    from matching import services

    values = {name: ("on" if value is True else value) for name, value in services.weights().to_dict().items()}
    values = {name: value for name, value in values.items() if value is not False}
    values.update(changes)
    return values


def test_weights_preview_shows_current_and_new_metrics_and_writes_nothing(client, marketplace):
    login(client, "demo-admin")
    matches = list(Match.objects.values_list("need", "solution", "rank", "score"))

    response = client.post("/staff/weights/", {**_weights_post(budget="0", relevance_floor="0.1", dense="1", lexical="0"), "action": "preview"})

    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('<tr data-metric="') == 4  # the development set's four metrics; no labels yet
    assert "当前权重" in body and "新权重" in body
    assert not RankingSettings.objects.exists()
    assert list(Match.objects.values_list("need", "solution", "rank", "score")) == matches


def test_saving_weights_from_the_page_stores_them(client, marketplace, django_capture_on_commit_callbacks):
    login(client, "demo-admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/staff/weights/", {**_weights_post(budget="0.5"), "action": "save"}, follow=True)

    assert "排序权重已保存" in response.content.decode()
    saved = RankingSettings.objects.get()
    assert saved.weights["budget"] == 0.5 and saved.updated_by.username == "demo-admin"
    assert 'value="0.5"' in response.content.decode()


# ------------------------------------------------------------------- clusters


def test_the_heat_table_counts_open_needs_by_county_and_best_match_category(client, marketplace):
    from matching import quality

    table = quality.demand_table()
    open_needs = models.Need.objects.filter(status="open").count()
    assert table["total"] == open_needs
    assert sum(table["totals"]) + table["unmatched"] == open_needs
    assert len(table["categories"]) == 16
    zibo = quality.demand_table(city="淄博市")
    assert [group["city"].name for group in zibo["groups"]] == ["淄博市"]
    boshan = next(row for row in zibo["groups"][0]["rows"] if row.county and row.county.name == "博山区")
    kiln_need = Match.objects.get(need__ref="N-1", rank=1)
    column = [c.code for c in table["categories"]].index(kiln_need.solution.category_id)
    assert boshan.cells[column] >= 1

    body = login(client, "demo-admin").get("/staff/clusters/?city=淄博市").content.decode()
    assert "博山区" in body and "怎么统计的" in body
    assert 'href="/staff/clusters.csv?city=淄博市"' in body


def test_csv_export_is_utf8_with_bom_and_matches_the_table(client, marketplace):
    from matching import quality

    response = login(client, "demo-admin").get("/staff/clusters.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    categories = [str(c) for c in models.Category.objects.order_by("position")]
    assert rows[0] == ["城市", "区县", *categories, "无匹配", "合计"]
    table = quality.demand_table()
    assert rows[-1][0] == "全省合计"
    assert [int(cell) for cell in rows[-1][2:]] == [*table["totals"], table["unmatched"], table["total"]]
    boshan = next(row for row in rows if row[:2] == ["淄博市", "博山区"])
    assert int(boshan[-1]) >= 1


def test_csv_export_in_english_names_the_columns_in_english(client, marketplace):
    response = login(client, "demo-admin", "en").get("/staff/clusters.csv?city=淄博市")

    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[:2] == ["City", "County"] and header[-1] == "Total"
    assert all(row[0] in ("Zibo", "淄博市", "Province total") for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) if row and row[0] not in ("City",))


def test_the_evaluation_is_computed_by_a_job_never_in_the_request(client, marketplace, monkeypatch):
    from matching import evaluation, jobs, quality

    queued = []
    monkeypatch.setattr(jobs, "enqueue", lambda function, **kwargs: queued.append(function))  # a worker's queue
    monkeypatch.setattr(evaluation, "run", lambda *args, **kwargs: pytest.fail("evaluated inside a request"))
    cache.clear()

    body = login(client, "demo-admin").get("/staff/").content.decode()
    client.get("/staff/")  # a second look while it is still queued queues nothing more

    assert queued == [quality.evaluation_compute]
    assert "离线评估正在后台计算" in body and 'data-variant="' not in body
