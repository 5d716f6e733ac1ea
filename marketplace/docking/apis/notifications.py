"""Your in-app notifications, newest first, in the language you read the site in."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.docking import selectors
from marketplace.docking.services import notifications
from marketplace.docking.models import Notification


class NotificationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.SerializerMethodField()
    need = serializers.CharField(source="need.ref", default=None, allow_null=True)
    proposal = serializers.IntegerField(source="proposal_id", allow_null=True)
    created_at = serializers.DateTimeField()
    read = serializers.SerializerMethodField()

    def get_text(self, notification: Notification) -> str:
        return notifications.notification_text(notification)

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationListApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = NotificationOutputSerializer

    @extend_schema(parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, default=False)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        unread = self.request.query_params.get("unread", "").lower() in ("1", "true", "yes")
        return selectors.notification_list(user=self.request.user, unread_only=unread)


class NotificationReadApi(APIView):
    """Mark one notification read."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=inline_serializer("NoBody", {}), responses=NotificationOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        notification = get_object_or_404(selectors.notification_list(user=request.user), pk=pk)
        notifications.notifications_mark_read(user=request.user, ids=[notification.pk])
        notification.refresh_from_db()
        return Response(NotificationOutputSerializer(notification).data)


class NotificationReadAllApi(APIView):
    """Mark all your notifications read."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=inline_serializer("NoBodyAll", {}), responses=inline_serializer("Marked", {"marked": serializers.IntegerField()}))
    def post(self, request: Request) -> Response:
        return Response({"marked": notifications.notifications_mark_read(user=request.user)})
