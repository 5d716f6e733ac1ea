"""The HTTP API under /api/ (names without a namespace: ``reverse("need-list")``)."""
from django.urls import path

from marketplace.catalog.apis import catalog
from marketplace.docking.apis import auth, metrics, needs, notifications, solutions, workflow
from matching import apis as matching_apis

urlpatterns = [
    path("auth/token/", auth.TokenApi.as_view(), name="auth-token"),
    path("solutions/", solutions.SolutionListApi.as_view(), name="solution-list"),
    path("solutions/<str:ref>/", solutions.SolutionDetailApi.as_view(), name="solution-detail"),
    path("providers/", catalog.ProviderListApi.as_view(), name="provider-list"),
    path("providers/<str:ref>/", solutions.ProviderDetailApi.as_view(), name="provider-detail"),
    path("needs/", needs.NeedListApi.as_view(), name="need-list"),
    path("needs/<str:ref>/", needs.NeedDetailApi.as_view(), name="need-detail"),
    path("needs/<str:ref>/close/", needs.NeedCloseApi.as_view(), name="need-close"),
    path("needs/<str:ref>/matches/", needs.NeedMatchesApi.as_view(), name="need-matches"),
    path("needs/<str:ref>/plan/", needs.NeedPlanApi.as_view(), name="need-plan"),
    path("needs/<str:ref>/compare/", needs.NeedCompareApi.as_view(), name="need-compare"),
    path("leads/", workflow.LeadListApi.as_view(), name="lead-list"),
    path("leads/<int:pk>/", workflow.LeadDetailApi.as_view(), name="lead-detail"),
    path("proposals/", workflow.ProposalListApi.as_view(), name="proposal-list"),
    path("proposals/<int:pk>/", workflow.ProposalDetailApi.as_view(), name="proposal-detail"),
    path("proposals/<int:pk>/accept/", workflow.ProposalAcceptApi.as_view(), name="proposal-accept"),
    path("proposals/<int:pk>/decline/", workflow.ProposalDeclineApi.as_view(), name="proposal-decline"),
    path("proposals/<int:pk>/withdraw/", workflow.ProposalWithdrawApi.as_view(), name="proposal-withdraw"),
    path("notifications/", notifications.NotificationListApi.as_view(), name="notification-list"),
    path("notifications/read-all/", notifications.NotificationReadAllApi.as_view(), name="notification-read-all"),
    path("notifications/<int:pk>/read/", notifications.NotificationReadApi.as_view(), name="notification-read"),
    path("match-labels/", matching_apis.MatchLabelListApi.as_view(), name="match-label-list"),
    path("metrics/", metrics.MetricsApi.as_view(), name="metrics"),
]
