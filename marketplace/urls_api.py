from django.urls import path
from marketplace.apis import auth, catalog, docking, needs, notifications
from matching import apis as matching_apis

urlpatterns = [
    path("auth/token/", auth.TokenApi.as_view(), name="auth-token"),
    path("solutions/", catalog.SolutionListApi.as_view(), name="solution-list"),
    path("solutions/<str:ref>/", catalog.SolutionDetailApi.as_view(), name="solution-detail"),
    path("providers/", catalog.ProviderListApi.as_view(), name="provider-list"),
    path("providers/<str:ref>/", catalog.ProviderDetailApi.as_view(), name="provider-detail"),
    path("needs/", needs.NeedListApi.as_view(), name="need-list"),
    path("needs/<str:ref>/", needs.NeedDetailApi.as_view(), name="need-detail"),
    path("needs/<str:ref>/close/", needs.NeedCloseApi.as_view(), name="need-close"),
    path("needs/<str:ref>/matches/", needs.NeedMatchesApi.as_view(), name="need-matches"),
    path("needs/<str:ref>/compare/", needs.NeedCompareApi.as_view(), name="need-compare"),
    path("leads/", docking.LeadListApi.as_view(), name="lead-list"),
    path("leads/<int:pk>/", docking.LeadDetailApi.as_view(), name="lead-detail"),
    path("proposals/", docking.ProposalListApi.as_view(), name="proposal-list"),
    path("proposals/<int:pk>/", docking.ProposalDetailApi.as_view(), name="proposal-detail"),
    path("proposals/<int:pk>/accept/", docking.ProposalAcceptApi.as_view(), name="proposal-accept"),
    path("proposals/<int:pk>/decline/", docking.ProposalDeclineApi.as_view(), name="proposal-decline"),
    path("proposals/<int:pk>/withdraw/", docking.ProposalWithdrawApi.as_view(), name="proposal-withdraw"),
    path("notifications/", notifications.NotificationListApi.as_view(), name="notification-list"),
    path("notifications/read-all/", notifications.NotificationReadAllApi.as_view(), name="notification-read-all"),
    path("notifications/<int:pk>/read/", notifications.NotificationReadApi.as_view(), name="notification-read"),
    path("match-labels/", matching_apis.MatchLabelListApi.as_view(), name="match-label-list"),
    path("metrics/", matching_apis.MetricsApi.as_view(), name="metrics"),
]
