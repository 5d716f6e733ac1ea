"""The catalog's public pages and logging in. They join the ``web`` namespace in
``marketplace.docking.urls.web`` ({% url 'web:home' %})."""
from django.urls import path

from marketplace.catalog import views

urlpatterns = [
    path("", views.home, name="home"),
    path("solutions/", views.solution_list, name="solution_list"),
    path("solutions/<str:ref>/", views.solution_detail, name="solution_detail"),
    path("providers/", views.provider_list, name="provider_list"),
    path("providers/<str:ref>/", views.provider_detail, name="provider_detail"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
]
