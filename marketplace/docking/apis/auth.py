"""``POST /api/auth/token/``: a token for a user name and password, throttled per address
(``login`` rate) and locked out by django-axes like the log-in page.

DRF's own ``obtain_auth_token`` turns throttling off, which let a client guess passwords without
limit."""
from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from rest_framework import exceptions, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from marketplace.catalog.lockout import locked_message
from marketplace.catalog.throttles import LoginRateThrottle


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"


class TokenApi(ObtainAuthToken):
    throttle_classes = [LoginRateThrottle]

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except exceptions.ValidationError:
            # axes marks the request when this failure (or an earlier one) locked the client out.
            if getattr(request, "axes_locked_out", False):
                raise LockedOut(locked_message()) from None
            raise
        user = serializer.validated_data["user"]
        # As a log-in does: axes clears the failures counted so far, and last_login is kept.
        user_logged_in.send(sender=type(user), request=request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
