"""Web pages (the API lives in urls_api.py). Names are in the ``web`` namespace: {% url 'web:home' %}."""
from django.urls import include, path

from marketplace import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("solutions/", views.solution_list, name="solution_list"),
    path("solutions/<str:ref>/", views.solution_detail, name="solution_detail"),
    path("providers/", views.provider_list, name="provider_list"),
    path("providers/<str:ref>/", views.provider_detail, name="provider_detail"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/signup/enterprise/", views.signup_enterprise, name="signup_enterprise"),
    path("accounts/signup/provider/", views.signup_provider, name="signup_provider"),
    path("", include("marketplace.urls_workspace")),
]
