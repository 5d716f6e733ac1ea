"""Web pages, in the ``web`` namespace ({% url 'web:home' %}): the catalog's pages, sign-up, and
the enterprise's and the provider's workspaces with the notifications."""
from django.urls import path

from marketplace.catalog import urls as catalog_urls
from marketplace.docking.urls import workspace
from marketplace.docking.views import accounts

app_name = "web"

urlpatterns = [
    *catalog_urls.urlpatterns,
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/signup/enterprise/", accounts.signup_enterprise, name="signup_enterprise"),
    path("accounts/signup/provider/", accounts.signup_provider, name="signup_provider"),
    *workspace.urlpatterns,
]
