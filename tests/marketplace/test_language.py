import pytest


@pytest.mark.django_db
def test_chinese_by_default_even_for_an_english_browser(client):
    response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert response["Content-Language"] == "zh-hans"
    assert "用户名" in response.content.decode()


@pytest.mark.django_db
def test_english_after_choosing_it(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/admin/login/"}, follow=True)

    assert response["Content-Language"] == "en"
    assert "Username" in response.content.decode()
