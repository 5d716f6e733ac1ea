"""Errors of the services as HTTP answers, for every API view (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``)."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from marketplace.docking.services.workflow import DockingError


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
