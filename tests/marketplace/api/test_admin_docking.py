"""The admin shows the docking records but cannot change them: state changes go through the
services, which check the rules and write the audit log."""
import pytest

from tests.marketplace.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "shows"),
    [
        ("/admin/docking/proposal/", "淄博海智造科技有限公司"),
        ("/admin/marketplace/auditevent/", "proposal.submitted"),
        ("/admin/docking/notification/", "ent_a"),
        ("/admin/matching/matchlabel/", "0"),
    ],
)
def test_docking_records_are_listed_read_only(client, world, url, shows):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get(url)
    adding = client.get(url + "add/")

    assert listing.status_code == 200 and shows in listing.content.decode()
    assert adding.status_code == 403
