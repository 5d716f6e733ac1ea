"""Finding 7: with the index not built and auto-rebuild off, the matches API answered 500 with a
"not ready" message. Now: 503 with Retry-After on the API, the page shows the need with a notice.
(An unreadable index directory gave 500 too; the index now loads from the database, which has no
such directory.)"""
from __future__ import annotations

import pytest
from django.test import Client

from marketplace.docking.apis.needs import INDEX_NOT_READY
from marketplace.docking.views.workspace import INDEX_NOT_READY as PAGE_NOTICE
from matching import services
from matching.models import IndexState, Match

pytestmark = pytest.mark.django_db


def _matches(world):
    return world.client("enterprise_a").get(f"/api/needs/{world.need_a.ref}/matches/")


def _page(world):
    client = Client()
    client.force_login(world.users["enterprise_a"])
    return client.get(f"/workspace/needs/{world.need_a.ref}/")


def _assert_unavailable(world):
    # Stored matches are shown whatever the index's state; a need that has none yet needs a search.
    Match.objects.filter(need=world.need_a).delete()
    api, page = _matches(world), _page(world)
    assert api.status_code == 503, api.content
    assert api.json() == {"detail": str(INDEX_NOT_READY)}
    assert int(api["Retry-After"]) > 0
    assert page.status_code == 200
    assert str(PAGE_NOTICE) in page.content.decode()


def test_an_index_never_built_with_auto_rebuild_off_is_a_503(world, settings):
    settings.MATCHING = {**settings.MATCHING, "AUTO_REBUILD": False}
    IndexState.objects.update(version=0)
    services._Loaded.forget()

    _assert_unavailable(world)


def test_the_api_answers_again_once_the_index_is_back(world, settings):
    settings.MATCHING = {**settings.MATCHING, "AUTO_REBUILD": False}
    IndexState.objects.update(version=0)
    services._Loaded.forget()
    Match.objects.filter(need=world.need_a).delete()
    assert _matches(world).status_code == 503

    services.index_build()

    assert _matches(world).status_code == 200
