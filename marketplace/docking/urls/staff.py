"""The administrator's pages (staff only). Names are in the ``staff`` namespace: {% url 'staff:review' %}."""
from django.urls import path

from marketplace.docking.views import staff as views_staff

app_name = "staff"

urlpatterns = [
    path("", views_staff.dashboard, name="dashboard"),
    path("review/", views_staff.review, name="review"),
    path("weights/", views_staff.weights, name="weights"),
    path("clusters/", views_staff.clusters, name="clusters"),
    path("clusters.csv", views_staff.clusters_csv, name="clusters_csv"),
]
