"""Pages of the enterprise and provider workspaces and the notifications (names in the ``web``
namespace, included from urls.py)."""
from django.urls import path

from marketplace.docking.views.workspace import (
    lead_detail, lead_list, my_solution_active, my_solution_form, my_solution_list, need_close, need_compare,
    need_create, need_detail, need_edit, need_list, notification_list, notification_read, notification_read_all,
    proposal_accept, proposal_decline, proposal_list, proposal_withdraw, provider_profile,
)  # fmt: skip

urlpatterns = [
    path("workspace/needs/", need_list, name="need_list"),
    path("workspace/needs/new/", need_create, name="need_create"),
    path("workspace/needs/<str:ref>/", need_detail, name="need_detail"),
    path("workspace/needs/<str:ref>/edit/", need_edit, name="need_edit"),
    path("workspace/needs/<str:ref>/compare/", need_compare, name="need_compare"),
    path("workspace/needs/<str:ref>/close/", need_close, name="need_close"),
    path("workspace/proposals/<int:pk>/accept/", proposal_accept, name="proposal_accept"),
    path("workspace/proposals/<int:pk>/decline/", proposal_decline, name="proposal_decline"),
    path("workspace/proposals/<int:pk>/withdraw/", proposal_withdraw, name="proposal_withdraw"),
    path("workspace/leads/", lead_list, name="lead_list"),
    path("workspace/leads/<int:pk>/", lead_detail, name="lead_detail"),
    path("workspace/proposals/", proposal_list, name="proposal_list"),
    path("workspace/profile/", provider_profile, name="provider_profile"),
    path("workspace/solutions/", my_solution_list, name="my_solution_list"),
    path("workspace/solutions/new/", my_solution_form, name="my_solution_create"),
    path("workspace/solutions/<str:ref>/edit/", my_solution_form, name="my_solution_edit"),
    path("workspace/solutions/<str:ref>/active/", my_solution_active, name="my_solution_active"),
    path("notifications/", notification_list, name="notification_list"),
    path("notifications/read-all/", notification_read_all, name="notification_read_all"),
    path("notifications/<int:pk>/read/", notification_read, name="notification_read"),
]
