"""What every API view shares: role permissions, the mapping of service errors to HTTP
statuses, and serializers of the reference codes."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from marketplace.services.docking import DockingError

ENTERPRISES_ONLY = _("此操作仅限企业账号")
PROVIDERS_ONLY = _("此操作仅限服务商账号")
UNKNOWN_NEED = _("找不到该需求")
UNKNOWN_SOLUTION = _("找不到该解决方案")


class IsEnterpriseUser(permissions.IsAuthenticated):
    message = ENTERPRISES_ONLY

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and bool(request.user.enterprise_id)


class IsEnterpriseOrStaff(permissions.IsAuthenticated):
    message = ENTERPRISES_ONLY

    def has_permission(self, request, view) -> bool:
        user = request.user
        return super().has_permission(request, view) and (user.is_staff or bool(user.enterprise_id))


class IsProviderOrStaff(permissions.IsAuthenticated):
    message = PROVIDERS_ONLY

    def has_permission(self, request, view) -> bool:
        user = request.user
        return super().has_permission(request, view) and (user.is_staff or bool(user.provider_id))


class IsProviderUser(permissions.IsAuthenticated):
    message = PROVIDERS_ONLY

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and bool(request.user.provider_id)


class RefField(serializers.SlugRelatedField):
    """An object named by its ``ref`` in the request body; an unknown ref is a field error
    with the given user-facing message."""

    def __init__(self, queryset, *, not_found, **kwargs):
        super().__init__(slug_field="ref", queryset=queryset, **kwargs)
        self.error_messages["does_not_exist"] = not_found


class ListCreateApi(generics.ListAPIView):
    """GET lists for ``permission_classes``; POST creates, for ``create_permission_classes`` only
    (a need is posted by an enterprise, a proposal by a provider, though more roles may read)."""

    create_permission_classes: list = []

    def get_permissions(self):
        if self.request.method == "POST":
            return [permission() for permission in self.create_permission_classes]
        return super().get_permissions()


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


_DOCKING_STATUS = {
    "forbidden": exceptions.PermissionDenied,
    "conflict": Conflict,
    "invalid": exceptions.ValidationError,
}


def exception_handler(exc, context):
    """DRF's handler, plus: a refused workflow step becomes 403/409/400 with its message, and a
    model validation error becomes a 400 with the field errors (in the request's language)."""
    if isinstance(exc, DockingError):
        error_class = _DOCKING_STATUS[exc.reason]
        exc = error_class({"detail": str(exc.message)} if error_class is exceptions.ValidationError else str(exc.message))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    return drf_exception_handler(exc, context)


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField(source="pk")
    name_zh = serializers.CharField()
    name_en = serializers.CharField()


class CitySerializer(serializers.Serializer):
    name = serializers.CharField()
    name_en = serializers.CharField()


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    contact_name = serializers.CharField()
    contact_phone = serializers.CharField()
    contact_email = serializers.CharField()


def done(serializer_class, instance, *, status_code: int = status.HTTP_200_OK, context=None) -> Response:
    return Response(serializer_class(instance, context=context or {}).data, status=status_code)
