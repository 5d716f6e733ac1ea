"""What every API view shares: role permissions, refs in request bodies, and serializers of the
reference codes."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

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
    (a need is posted by an enterprise, a proposal by a provider, though more roles may read).

    POST validates ``InputSerializer``, calls ``create`` (which calls the service) and answers 201
    with the created object in ``serializer_class``; each subclass's POST is documented with its
    own input and output."""

    create_permission_classes: list = []
    InputSerializer: type[serializers.Serializer]

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "create" in vars(cls):

            def post(self, request: Request) -> Response:
                return self.create_from(request)

            cls.post = extend_schema(request=cls.InputSerializer, responses={201: cls.serializer_class})(post)

    def get_permissions(self):
        if self.request.method == "POST":
            return [permission() for permission in self.create_permission_classes]
        return super().get_permissions()

    def create(self, request: Request, data: dict):
        """Write through the service; return the object to answer with."""
        raise NotImplementedError

    def create_from(self, request: Request) -> Response:
        created = self.create(request, validated(self.InputSerializer, request.data))
        return done(self.serializer_class, created, status_code=status.HTTP_201_CREATED, context={"request": request})


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


def validated(serializer_class, data, *, partial: bool = False) -> dict:
    """The request data checked by ``serializer_class``; a 400 with field errors otherwise."""
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def done(serializer_class, instance, *, status_code: int = status.HTTP_200_OK, context=None) -> Response:
    return Response(serializer_class(instance, context=context or {}).data, status=status_code)
