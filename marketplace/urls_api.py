from django.urls import path

from marketplace import apis

urlpatterns = [
    path("solutions/", apis.SolutionListApi.as_view(), name="solution-list"),
    path("solutions/<str:ref>/", apis.SolutionDetailApi.as_view(), name="solution-detail"),
    path("providers/", apis.ProviderListApi.as_view(), name="provider-list"),
    path("providers/<str:ref>/", apis.ProviderDetailApi.as_view(), name="provider-detail"),
]
